"""What changed between two audits: levels that moved, criteria that flipped, evidence that changed,
and whether any area dropped (judged as `assay.history.judge` says: on what the evidence decided).

Pure functions over results (and, when known, the evidence index of each audit's bundle).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assay.evidence import Bundle
from assay.history.judge import Judgement, Rescore, judge
from assay.history.store import AuditRecord, EvidenceEntry
from assay.history.trend import TrendPoint
from assay.scoring import LevelRange, Results


class Snapshot(BaseModel):
    """One side of a diff: results, and the evidence index when the bundle (or history) had it."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    label: str
    results: Results
    evidence: list[EvidenceEntry] | None = None
    incomplete: list[str] = Field(default_factory=list)  # sources this audit did not read in full
    bundle: Bundle | None = Field(default=None, exclude=True)  # at hand: the rules can re-score it


class LevelChange(BaseModel):
    ruleset: str
    area: str  # "" for a ruleset's overall level
    title: str
    old: LevelRange | None
    new: LevelRange | None

    @property
    def dropped(self) -> bool:
        """Decided lower: even counting today's unknowns as passing, below what the old evidence proved."""
        return self.old is not None and self.new is not None and self.new.upper < self.old.level


class CriterionFlip(BaseModel):
    ruleset: str
    area: str
    criterion: str
    title: str
    old: str | None  # pass / fail / unknown; None when the criterion did not exist
    new: str | None


class EvidenceChange(BaseModel):
    change: Literal["added", "removed", "changed"]
    source: str
    kind: str
    subject: str
    old_ids: list[str]
    new_ids: list[str]


class ResultsDiff(BaseModel):
    old: str
    new: str
    scope_old: str
    scope_new: str
    levels: list[LevelChange]
    criteria: list[CriterionFlip]
    evidence: list[EvidenceChange]
    evidence_compared: Literal["bundle", "cited ids"]
    judgement: Judgement | None = None

    def drops(self) -> list[LevelChange]:
        """Areas whose evidence-decided level fell (a rules change is never one)."""
        judged = {(d.ruleset, d.area) for d in self.judgement.drops} if self.judgement else set()
        return [c for c in self.levels if (c.ruleset, c.area) in judged]

    @property
    def empty(self) -> bool:
        return not (self.levels or self.criteria or self.evidence)


def diff(old: Snapshot, new: Snapshot, *, rescore: Rescore | None = None) -> ResultsDiff:
    """Compare two audits; evidence by (source, kind, subject) when both evidence indexes are known.

    `rescore` gives OLD's bundle scored with NEW's rules, for when the rulesets differ."""
    both = old.evidence is not None and new.evidence is not None
    return ResultsDiff(
        old=old.label,
        new=new.label,
        scope_old=old.results.scope,
        scope_new=new.results.scope,
        levels=level_changes(old.results, new.results),
        criteria=criterion_flips(old.results, new.results),
        evidence=_evidence_changes(old.evidence or [], new.evidence or [])
        if both
        else _cited_changes(old.results, new.results),
        evidence_compared="bundle" if both else "cited ids",
        judgement=judge(old.results, new.results, baseline=old.label, unread=new.incomplete, rescore=rescore),
    )


def level_changes(old: Results, new: Results) -> list[LevelChange]:
    """Every overall and area level range that differs, in the new results' order."""
    before = _ranges(old)
    after = _ranges(new)
    titles = {**_titles(old), **_titles(new)}
    keys = list(after) + [k for k in before if k not in after]
    return [
        LevelChange(ruleset=k[0], area=k[1], title=titles[k], old=before.get(k), new=after.get(k))
        for k in keys
        if before.get(k) != after.get(k)
    ]


def level_drops(old: Results, new: Results) -> list[str]:
    """Areas whose evidence-decided level fell, in words (what `--fail-on-drop` reports)."""
    return judge(old, new, baseline="").drop_words()


def criterion_flips(old: Results, new: Results) -> list[CriterionFlip]:
    before = _statuses(old)
    after = _statuses(new)
    keys = list(after) + [k for k in before if k not in after]
    flips = []
    for key in keys:
        was, now = before.get(key), after.get(key)
        if (was and was[0]) != (now and now[0]):
            flips.append(
                CriterionFlip(
                    ruleset=key[0],
                    area=key[1],
                    criterion=key[2],
                    title=(now or was)[1],  # type: ignore[index]
                    old=was[0] if was else None,
                    new=now[0] if now else None,
                )
            )
    return flips


def trend_points(records: Sequence[AuditRecord]) -> list[TrendPoint]:
    """History records as chart points: {"<ruleset>:<area>": (level, upper)} per audit, oldest first."""
    return [
        TrendPoint(
            label=r.label,
            when=r.results.generated_at,
            levels={f"{rs.id}:{a.id}": (a.level, a.upper) for rs in r.results.rulesets for a in rs.areas},
        )
        for r in records
    ]


def _ranges(results: Results) -> dict[tuple[str, str], LevelRange]:
    ranges: dict[tuple[str, str], LevelRange] = {}
    for rs in results.rulesets:
        ranges[(rs.id, "")] = rs.overall
        for a in rs.areas:
            ranges[(rs.id, a.id)] = LevelRange(level=a.level, upper=a.upper)
    return ranges


def _titles(results: Results) -> dict[tuple[str, str], str]:
    titles: dict[tuple[str, str], str] = {}
    for rs in results.rulesets:
        titles[(rs.id, "")] = f"{rs.title} (overall)"
        titles.update({(rs.id, a.id): a.title for a in rs.areas})
    return titles


def _statuses(results: Results) -> dict[tuple[str, str, str], tuple[str, str]]:
    return {
        (rs.id, a.id, c.id): (c.status.value, c.title)
        for rs in results.rulesets
        for a in rs.areas
        for c in a.criteria
    }


def _evidence_changes(old: list[EvidenceEntry], new: list[EvidenceEntry]) -> list[EvidenceChange]:
    def grouped(entries: list[EvidenceEntry]) -> dict[tuple[str, str, str], set[str]]:
        groups: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for e in entries:
            groups[(e.source, e.kind, e.subject)].add(e.id)
        return groups

    before, after = grouped(old), grouped(new)
    changes = []
    for key in sorted(set(before) | set(after)):
        was, now = before.get(key, set()), after.get(key, set())
        if was == now:
            continue
        change = "added" if not was else "removed" if not now else "changed"
        changes.append(
            EvidenceChange(
                change=change,
                source=key[0],
                kind=key[1],
                subject=key[2],
                old_ids=sorted(was),
                new_ids=sorted(now),
            )
        )
    return changes


def _cited_changes(old: Results, new: Results) -> list[EvidenceChange]:
    """Without bundles, the evidence ids the criteria cite are all that can be compared."""

    def cited(results: Results) -> set[str]:
        return {e for rs in results.rulesets for a in rs.areas for c in a.criteria for e in c.evidence}

    was, now = cited(old), cited(new)
    changes = [
        EvidenceChange(change="removed", source="", kind="", subject="", old_ids=[i], new_ids=[])
        for i in sorted(was - now)
    ]
    changes += [
        EvidenceChange(change="added", source="", kind="", subject="", old_ids=[], new_ids=[i])
        for i in sorted(now - was)
    ]
    return changes
