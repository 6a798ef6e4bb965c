"""A deterministic partition of a source's targets, so that N machines collect one estate between them.

Every shard lists what a source has (cheap), then reads the details of the targets it owns: a target is
owned by exactly one shard, decided by a stable hash of its key (a repository's full name, an account and
region, a subscription id, a job's full name, an experiment's name). Whatever a source has once (an
organisation's teams, a controller's plugins, a whole Prometheus) is read by shard 1, which leads.
"""

from __future__ import annotations

import hashlib
import re

from pydantic import BaseModel, ConfigDict, Field

from assay.errors import AssayError

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


class Shard(BaseModel):
    """Shard ``index`` of ``count`` (1-based), as `assay collect --shard K/N` names it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int = Field(ge=1)
    count: int = Field(ge=1)

    @classmethod
    def parse(cls, spec: str) -> Shard:
        """``K/N`` with 1 <= K <= N; anything else is a usage error that says so."""
        match = _SPEC.match(spec)
        if not match or not 1 <= int(match[1]) <= int(match[2]):
            raise AssayError(f"--shard {spec!r}: expected K/N with 1 <= K <= N, e.g. --shard 2/3")
        return cls(index=int(match[1]), count=int(match[2]))

    @property
    def leads(self) -> bool:
        """Shard 1 reads what a source has once (organisation-level settings, a whole small source)."""
        return self.index == 1

    def owns(self, key: str) -> bool:
        """Whether this shard reads the target named ``key``; exactly one shard owns each key."""
        return owner(key, self.count) == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def owner(key: str, count: int) -> int:
    """The 1-based shard that owns ``key`` among ``count``: stable across machines, runs and Pythons."""
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1
