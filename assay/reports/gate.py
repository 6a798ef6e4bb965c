"""Which unmet criteria the CI gate requires now, and which are goals for later.

For each area the gate's target is the next level above the one the evidence decided (`level + 1`), or
the `--fail-under` level asked of it when that is higher. Criteria up to the target are required now: an
unmet one is a SARIF `error`/`warning` and a JUnit `<failure>`. Criteria above it are not yet required:
a SARIF `note` and a JUnit `<skipped>` "not yet required", so code scanning and test views stay green
for goals nobody is working on yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assay.scoring import AreaResult, CriterionResult, RulesetResult

TOP_LEVEL = 5


@dataclass(frozen=True)
class GateTargets:
    """`--fail-under`: an overall level (every area must reach it) and per-area levels (AREA or
    RULESET:AREA)."""

    overall: int | None = None
    areas: Mapping[str, int] = field(default_factory=dict)

    def target(self, rs: RulesetResult, area: AreaResult) -> int:
        """The highest level whose unmet criteria the gate reports as failures for this area."""
        asked = [self.overall or 0, self.areas.get(area.id, 0), self.areas.get(f"{rs.id}:{area.id}", 0)]
        return min(TOP_LEVEL, max(area.level + 1, *asked))

    def required_now(self, rs: RulesetResult, area: AreaResult, criterion: CriterionResult) -> bool:
        return criterion.level <= self.target(rs, area)


def not_yet_required(area: AreaResult, target: int) -> str:
    """Why an unmet criterion does not fail the gate, in words."""
    return f"not yet required (this gate asks for level {target} of {area.title})"
