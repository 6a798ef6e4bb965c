"""Did an audit get worse than its baseline? Judged on what the evidence decided, never on unknowns.

An area's result is a range: `level` counts unknown criteria as failing, `upper` counts them as passing,
so the evidence proves the level is at least `level` and at most `upper`. Hence the rule:

- **dropped**: the new audit's `upper` is below the baseline's `level`. Even if every unknown passed
  today, the area would sit below what the baseline's evidence proved. For decided ranges (level ==
  upper on both sides) this is simply "a lower level"; an undecided baseline counts only what it proved.
- **undecided**: the new `level` is below the baseline's `level` but its `upper` is not. The fall comes
  from criteria the evidence could not decide (a source not read, access denied): reported with the
  sources not read, never a drop.
- **rules changed**: when a ruleset's digest differs (or either side has none), the two audits were not
  scored by the same rules. The baseline's bundle is re-scored with today's rules when it is at hand, and
  the judgement above applies to that. Otherwise the areas are compared on the criteria both rule
  versions share, for information only: a rules change never counts as a drop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from assay.scoring import AreaResult, CriterionStatus, LevelRange, Results
from assay.scoring.levels import staged_level


class AreaJudgement(BaseModel):
    """One area whose lower bound fell: a drop, an undecided fall, or (rules changed) a fall on the
    criteria both rule versions share."""

    ruleset: str
    area: str
    title: str
    old: LevelRange
    new: LevelRange
    unread: list[str] = Field(default_factory=list)  # why undecided: sources not read, or unknown reasons
    criteria: int = 0  # for a comparison on common criteria: how many

    @property
    def key(self) -> str:
        return f"{self.ruleset}:{self.area}"

    def words(self, kind: str) -> str:
        if kind == "dropped":  # the baseline proved at least its `level`; that is what fell
            return f"{self.key} {self.old.level} -> {_range(self.new)}"
        if kind == "undecided":
            return (
                f"{self.key} undecided ({', '.join(self.unread)} not read): "
                f"{_range(self.old)} -> {_range(self.new)}"
            )
        return f"{self.key} {_range(self.old)} -> {_range(self.new)} on {self.criteria} common criteria"


class Judgement(BaseModel):
    """What `--fail-on-drop` and `assay diff` conclude about an audit against its baseline."""

    baseline: str  # its label: "#3 7 Apr 2025", or a file name
    drops: list[AreaJudgement] = Field(default_factory=list)
    undecided: list[AreaJudgement] = Field(default_factory=list)
    rules: Literal["same", "rescored", "changed"] = "same"
    rules_changed: list[str] = Field(default_factory=list)  # ruleset ids scored by other rules
    common: list[AreaJudgement] = Field(default_factory=list)  # rules changed: falls on common criteria

    def drop_words(self) -> list[str]:
        return [d.words("dropped") for d in self.drops]

    def notes(self) -> list[str]:
        """Everything besides the drops, one line each: undecided falls and rules changes."""
        lines = [u.words("undecided") for u in self.undecided]
        changed = ", ".join(self.rules_changed)
        if self.rules == "rescored":
            lines.append(
                f"rules changed since {self.baseline} ({changed}): "
                "its bundle was re-scored with today's rules"
            )
        elif self.rules == "changed":
            lines.append(
                f"rules changed since {self.baseline} ({changed}) and its bundle is not at hand: compared "
                "only the criteria both versions share; a rules change is not a drop"
            )
            lines += [f"  {c.words('common')} (not counted)" for c in self.common]
        return lines


Rescore = Callable[[], Results | None]


def judge(
    old: Results,
    new: Results,
    *,
    baseline: str,
    unread: Sequence[str] = (),
    rescore: Rescore | None = None,
) -> Judgement:
    """Judge `new` against `old`. `unread`: the new audit's sources that failed or were partly read;
    `rescore`: the baseline's bundle scored with the rules `new` was scored with (None: not at hand)."""
    changed = changed_rulesets(old, new)
    rules: Literal["same", "rescored", "changed"] = "same"
    if changed:
        rescored = rescore() if rescore else None
        if rescored is not None and not changed_rulesets(rescored, new):
            old, rules = rescored, "rescored"
        else:
            rules = "changed"
    verdict = Judgement(baseline=baseline, rules=rules, rules_changed=changed)
    olds = {rs.id: rs for rs in old.rulesets}
    for rs in new.rulesets:
        before = olds.get(rs.id)
        if before is None:
            continue  # a ruleset the baseline did not have: nothing to fall from
        areas = {a.id: a for a in before.areas}
        for area in rs.areas:
            was = areas.get(area.id)
            if was is None:
                continue
            if rules == "changed" and rs.id in changed:
                fall = _common_fall(rs.id, was, area)
                if fall is not None:
                    verdict.common.append(fall)
                continue
            judged = _area(rs.id, was, area, unread)
            if judged is None:
                continue
            (verdict.drops if area.upper < was.level else verdict.undecided).append(judged)
    return verdict


def changed_rulesets(old: Results, new: Results) -> list[str]:
    """Rulesets in both whose digests differ, or that either side scored without recording one."""
    olds = {rs.id: rs.digest for rs in old.rulesets}
    return [
        rs.id
        for rs in new.rulesets
        if rs.id in olds and (rs.digest is None or olds[rs.id] is None or rs.digest != olds[rs.id])
    ]


def _area(ruleset: str, was: AreaResult, now: AreaResult, unread: Sequence[str]) -> AreaJudgement | None:
    if now.level >= was.level:
        return None
    return AreaJudgement(
        ruleset=ruleset,
        area=now.id,
        title=now.title,
        old=LevelRange(level=was.level, upper=was.upper),
        new=LevelRange(level=now.level, upper=now.upper),
        unread=_why_unknown(was, now, unread),
    )


def _why_unknown(was: AreaResult, area: AreaResult, unread: Sequence[str]) -> list[str]:
    """The area's sources that did not run but did for the baseline; else the audit's sources read only
    in part; else the reasons its criteria are unknown."""
    lost = [s for s in area.sources_missing if s not in was.sources_missing]
    if lost:
        return lost
    # a source read in part ran, so it is not among the area's missing ones: name those
    partly = [name.removesuffix(" (partial)") for name in unread if name.endswith(" (partial)")]
    if partly:
        return partly
    fell = range(area.level + 1, was.level + 1)  # the levels no longer decided
    unknown = [c for c in area.criteria if c.status is CriterionStatus.UNKNOWN and c.level in fell]
    reasons = sorted({c.reason.value if c.reason else "unknown" for c in unknown})
    return [f"unknown criteria: {', '.join(reasons)}"] if reasons else ["evidence"]


def _common_fall(ruleset: str, was: AreaResult, now: AreaResult) -> AreaJudgement | None:
    """Both areas re-staged on the criteria (ids) both rule versions have; a fall there, if any."""
    ids = {c.id for c in was.criteria} & {c.id for c in now.criteria}
    if not ids:
        return None

    def outcomes(area: AreaResult) -> list[tuple[int, str, CriterionStatus]]:
        return [(c.level, c.kind, c.status) for c in area.criteria if c.id in ids]

    old = LevelRange(
        level=staged_level(outcomes(was), optimistic=False),
        upper=staged_level(outcomes(was), optimistic=True),
    )
    new = LevelRange(
        level=staged_level(outcomes(now), optimistic=False),
        upper=staged_level(outcomes(now), optimistic=True),
    )
    if new.upper >= old.level:
        return None
    return AreaJudgement(ruleset=ruleset, area=now.id, title=now.title, old=old, new=new, criteria=len(ids))


def _range(r: LevelRange) -> str:
    return str(r.level) if r.level == r.upper else f"{r.level}–{r.upper}"
