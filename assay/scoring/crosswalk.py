"""The crosswalk from a ruleset's levels to the models practitioners quote (SIGNALS.md, "Crosswalk"):
Microsoft's MLOps maturity levels 0–4, Google Cloud's MLOps levels 0–2 and the AWS MLOps roadmap.

A ruleset names the areas its crosswalk rests on (`crosswalk.areas`, by default all of them); the basis
level is the minimum of those areas, as the overall level is, so the weakest of them holds it back.
"""

from __future__ import annotations

from collections.abc import Sequence

from assay.scoring.model import Ruleset
from assay.scoring.results import AreaResult, Crosswalk

# report level -> (Microsoft MLOps, Google MLOps, AWS roadmap)
TABLE: dict[int, tuple[str, str, str]] = {
    1: ("0", "0", "Initial"),
    2: ("1–2", "0→1", "Repeatable"),
    3: ("2–3", "1", "Reliable"),
    4: ("3", "1–2", "Reliable/Scalable"),
    5: ("4", "2", "Scalable"),
}


def crosswalk(ruleset: Ruleset, areas: Sequence[AreaResult]) -> Crosswalk:
    """Map the basis areas' weakest level (and its upper bound) onto the three published models."""
    wanted = ruleset.crosswalk.areas if ruleset.crosswalk and ruleset.crosswalk.areas else None
    basis = [a for a in areas if wanted is None or a.id in wanted]
    level = min(a.level for a in basis)
    upper = min(a.upper for a in basis)
    microsoft, google, aws = TABLE[level]
    names = ", ".join(a.id for a in basis)
    note = (
        f"Level {level} ({ruleset.levels[level]}) is the lowest of {names}; mapped through the crosswalk "
        "table of the project's signal catalog (report level -> Microsoft, Google, AWS)."
    )
    if upper > level:
        hi = TABLE[upper]
        note += (
            f" The evidence leaves room up to level {upper}: Microsoft {hi[0]}, Google {hi[1]}, AWS {hi[2]}."
        )
    return Crosswalk(
        level=level,
        upper=upper,
        areas=[a.id for a in basis],
        microsoft=microsoft,
        google=google,
        aws=aws,
        note=note,
    )
