"""The digest of a ruleset as loaded (overrides applied): results cite it, so a rules change shows."""

from __future__ import annotations

from assay.evidence import canonical_json, sha256_hex
from assay.scoring.model import Ruleset


def ruleset_digest(ruleset: Ruleset) -> str:
    """sha256 over the ruleset's canonical JSON: ids, levels, titles, expressions and params.

    Where the ruleset was read from (file, line) is not part of it: moving a file changes nothing."""
    return sha256_hex(canonical_json(ruleset.model_dump(mode="json")))
