"""Populations several sources' signals share, defined once (SIGNALS.md, "Populations").

Pure functions over the cross-source evidence contracts (here MLflow's ``mlflow.registered_model``), so
a signal of any collector can count production models without importing another collector.
"""

from __future__ import annotations

from typing import Any

from assay.evidence import Evidence

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
