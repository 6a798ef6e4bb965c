"""Which rulesets ship with assay: a listing of package data, cheap enough for `assay collect` to check
audit.yaml's `rulesets:` without importing the rules engine."""

from __future__ import annotations

import difflib
from importlib import resources

BUILTIN_PACKAGE = "assay.scoring"
BUILTIN_DIR = "rulesets"


def builtin_ruleset_ids() -> list[str]:
    """The ids of the rulesets shipped with assay, sorted."""
    folder = resources.files(BUILTIN_PACKAGE) / BUILTIN_DIR
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def suggest(name: str, choices: list[str]) -> str:
    """A "did you mean" suffix naming the closest of `choices`, or an empty string."""
    close = difflib.get_close_matches(name, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
