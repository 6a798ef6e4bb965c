"""Materialise an estate's ``aws.yaml``: moto's server behind the wire-format front, seeded through boto3.

The audit config points the AWS collector at the front (``endpoint_url``) with credentials of its own
(named by ``access_key_id_env``/``secret_access_key_env``); in organisation mode the collector assumes the
audit role, whose policy the front enforces: exactly ``assay permissions aws``, minus any ``deny_actions``
the fixture lists.
"""

from __future__ import annotations

import secrets
import string
import time
from collections import Counter
from pathlib import Path
from typing import Any

from assay.collectors.aws.operations import OPERATIONS, iam_policy
from assay.sandbox import aws_moto
from assay.sandbox.aws_front import Front, FrontState
from assay.sandbox.base import Materialized
from assay.sandbox.estate import Estate

KEY_ENV = "ASSAY_SANDBOX_AWS_ACCESS_KEY_ID"
SECRET_ENV = "ASSAY_SANDBOX_AWS_SECRET_ACCESS_KEY"


def _key() -> str:
    return "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))


def audit_policy(role_name: str | None, deny: list[str]) -> dict[str, Any]:
    """The policy `assay permissions aws` prints, without the actions a fixture denies."""
    policy = iam_policy(role_name)
    first = policy["Statement"][0]  # type: ignore[index]
    first["Action"] = [a for a in first["Action"] if a not in set(deny)]
    return policy


class AwsMaterializer:
    """Seeds moto from ``aws.yaml`` and serves it through the front; ``stop`` releases both."""

    source = "aws"

    def __init__(self) -> None:
        self.front: Front | None = None
        self.seed_seconds = 0.0
        self.accounts: dict[str, str] = {}
        self._held = False

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        from assay.sandbox.aws_seed import Seeder  # boto3 and moto load only when an estate uses AWS

        started = time.perf_counter()
        port = aws_moto.acquire()
        self._held = True
        try:
            role = fixture.get("role_name")
            policy = audit_policy(role, list(fixture.get("deny_actions") or []))
            state = FrontState(
                audit_role=role,
                allowed_actions=frozenset(policy["Statement"][0]["Action"]),  # type: ignore[index]
                action_of={(op.service, op.name): op.iam_action for op in OPERATIONS.values()},
                throttle=Counter({k: int(v) for k, v in (fixture.get("throttle") or {}).items()}),
                unsupported=set(fixture.get("unsupported") or []),
            )
            self.front = Front(port, state).start()
            seeder_key, collector_key = _key(), _key()
            state.seeder_keys.add(seeder_key)
            state.collector_keys.add(collector_key)
            seeded = Seeder(fixture, self.front.url, seeder_key, "sandbox-seeder", policy).seed()
            state.answers = seeded.answers
            self.accounts = seeded.accounts
            aws_moto.prewarm(sorted({op.service for op in OPERATIONS.values()}))
        except BaseException:
            self.stop()
            raise
        self.seed_seconds = time.perf_counter() - started
        return Materialized(
            config=self._config(fixture, seeded), env={KEY_ENV: collector_key, SECRET_ENV: "sandbox"}
        )

    def _config(self, fixture: dict[str, Any], seeded: Any) -> dict[str, Any]:
        assert self.front is not None
        config: dict[str, Any] = {
            "endpoint_url": self.front.url,
            "regions": list(fixture.get("regions") or ["us-east-1"]),
            "access_key_id_env": KEY_ENV,
            "secret_access_key_env": SECRET_ENV,
            "max_attempts": 4,
        }
        if fixture.get("role_name"):
            config["role_name"] = fixture["role_name"]
        if fixture.get("external_id"):
            config["external_id"] = fixture["external_id"]
        if fixture.get("organization"):
            config["organization"] = True
        else:
            config["accounts"] = [{"id": i, "name": name} for name, i in seeded.accounts.items()]
        return config

    def stop(self) -> None:
        front, self.front = self.front, None
        if front is not None:
            front.stop()
        if self._held:
            self._held = False
            aws_moto.release()
