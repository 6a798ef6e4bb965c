"""Scoring: rulesets (YAML + CEL) and the engine that turns an evidence bundle into maturity levels.

Scoring is offline and pure: it reads a bundle and rulesets, never a collector or the network. The signal
catalog (name -> SignalSpec) is passed in by the caller.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Re-exports are loaded on first use: reading a ruleset's ids (as the config loader does when `assay
# collect` starts) must not pay for the rules engine.
_HOMES = {
    "score": "engine",
    **dict.fromkeys(("Area", "Criterion", "Origin", "Ruleset", "area_key"), "model"),
    **dict.fromkeys(
        (
            "RESULTS_SCHEMA",
            "AreaRead",
            "AreaResult",
            "CriterionReason",
            "CriterionResult",
            "CriterionStatus",
            "LevelRange",
            "NextStep",
            "Results",
            "RulesetResult",
            "SignalRead",
            "read_results",
            "results_to_json",
            "write_results",
        ),
        "results",
    ),
    **dict.fromkeys(("builtin_ruleset_ids", "dump_ruleset_yaml", "load_rulesets"), "ruleset"),
}

if TYPE_CHECKING:
    from assay.scoring.engine import score
    from assay.scoring.model import Area, Criterion, Origin, Ruleset, area_key
    from assay.scoring.results import (
        RESULTS_SCHEMA,
        AreaRead,
        AreaResult,
        CriterionReason,
        CriterionResult,
        CriterionStatus,
        LevelRange,
        NextStep,
        Results,
        RulesetResult,
        SignalRead,
        read_results,
        results_to_json,
        write_results,
    )
    from assay.scoring.ruleset import builtin_ruleset_ids, dump_ruleset_yaml, load_rulesets


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'assay.scoring' has no attribute {name!r}")
    return getattr(importlib.import_module(f"assay.scoring.{home}"), name)


__all__ = [
    "RESULTS_SCHEMA",
    "Area",
    "AreaRead",
    "AreaResult",
    "Criterion",
    "CriterionReason",
    "CriterionResult",
    "CriterionStatus",
    "LevelRange",
    "NextStep",
    "Origin",
    "Results",
    "Ruleset",
    "RulesetResult",
    "SignalRead",
    "area_key",
    "builtin_ruleset_ids",
    "dump_ruleset_yaml",
    "load_rulesets",
    "read_results",
    "results_to_json",
    "score",
    "write_results",
]
