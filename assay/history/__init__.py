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
from assay.history.store import (
    AuditRecord,
    EvidenceEntry,
    HistoryError,
    HistoryStore,
    evidence_index,
    history_url,
)

__all__ = [
    "AuditRecord",
    "CriterionFlip",
    "EvidenceChange",
    "EvidenceEntry",
    "HistoryError",
    "HistoryStore",
    "LevelChange",
    "ResultsDiff",
    "Snapshot",
    "diff",
    "evidence_index",
    "history_url",
    "level_drops",
    "trend_points",
]
