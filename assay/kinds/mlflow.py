"""The kinds of evidence the MLflow collector writes, and which registered versions serve production.

The production-model population (SIGNALS.md, "Populations") is defined once here, so MLflow's own signals
and the cross-source signals count production models the same way.
"""

from __future__ import annotations

from typing import Any

from assay.evidence import Evidence

SOURCE = "mlflow"
EXPERIMENT = "mlflow.experiment"
REGISTERED_MODEL = "mlflow.registered_model"
SERVER = "mlflow.server"

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
