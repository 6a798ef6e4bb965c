"""The kinds of evidence the MLflow collector writes, and which registered versions serve production.

The production-model population (SIGNALS.md, "Populations") is defined once here, so MLflow's own signals
and the cross-source signals count production models the same way.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from assay.collectors.derive import EvidenceView
from assay.evidence import Evidence

SOURCE = "mlflow"
EXPERIMENT = "mlflow.experiment"
REGISTERED_MODEL = "mlflow.registered_model"
SERVER = "mlflow.server"

DEFAULT_LOOKBACK_DAYS = 90

PRODUCTION_ALIASES = frozenset({"prod", "production", "champion"})
PRODUCTION_STAGE = "production"


def production_versions(model: Evidence) -> list[dict[str, Any]]:
    """The versions serving production: an alias prod/production/champion, or the legacy Production stage."""
    aliased = {
        str(v)
        for alias, v in (model.data.get("aliases") or {}).items()
        if alias.lower() in PRODUCTION_ALIASES
    }
    return [
        v
        for v in model.data.get("versions") or []
        if str(v.get("version")) in aliased or str(v.get("current_stage", "")).lower() == PRODUCTION_STAGE
    ]


def lookback_days(view: EvidenceView) -> int:
    """The window the collector read runs over, as the server evidence records it."""
    server = view.one(SERVER)
    return int(server.data.get("lookback_days", DEFAULT_LOOKBACK_DAYS)) if server else DEFAULT_LOOKBACK_DAYS


def window_runs(view: EvidenceView, days: int | None = None) -> list[tuple[Evidence, dict[str, Any]]]:
    """Runs started within ``days`` (default: the lookback window) of the evidence's observation time;
    unknown when the tracking server could not be read."""
    view.require(SOURCE, "tracking")
    days = lookback_days(view) if days is None else days
    since = view.reference_time(SOURCE) - timedelta(days=days)
    found = []
    for exp in view.of_kind(EXPERIMENT):
        for run in exp.data.get("runs", []):
            started = run.get("start_time")
            if started and datetime.fromisoformat(started) >= since:
                found.append((exp, run))
    return found
