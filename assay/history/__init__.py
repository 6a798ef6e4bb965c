"""History of audits (SQL store) and the diff between two audits."""

from assay.history.diff import (
    CriterionFlip,
    EvidenceChange,
    LevelChange,
    ResultsDiff,
    Snapshot,
    diff,
    level_drops,
    trend_points,
)
from assay.history.judge import AreaJudgement, Judgement, changed_rulesets, judge
from assay.history.store import (
    AuditRecord,
    EvidenceEntry,
    HistoryError,
    HistoryStore,
    evidence_index,
    history_url,
    incomplete_sources,
)

__all__ = [
    "AreaJudgement",
    "AuditRecord",
    "CriterionFlip",
    "EvidenceChange",
    "EvidenceEntry",
    "HistoryError",
    "HistoryStore",
    "Judgement",
    "LevelChange",
    "ResultsDiff",
    "Snapshot",
    "changed_rulesets",
    "diff",
    "evidence_index",
    "history_url",
    "incomplete_sources",
    "judge",
    "level_drops",
    "trend_points",
]
