"""The compact, redacted shapes MLflow evidence stores: only what the signals read.

Param values, metric values and free-form tag values never leave the server; tag values are kept only for
a short whitelist of governance keys (approvals, validation, model cards). These functions take MLflow
entities (duck-typed, so the REST and SQL stores look alike) and return plain JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

GIT_COMMIT_TAG = "mlflow.source.git.commit"
SOURCE_TYPE_TAG = "mlflow.source.type"
ENV_TAGS = ("mlflow.project.env", "mlflow.docker.image.name", "mlflow.log-model.history")
AUTOMATED_SOURCE_TYPES = frozenset({"JOB", "PROJECT", "PIPELINE"})
# Tags that orchestrators (Databricks Jobs, Airflow, Kubeflow, Argo, ...) or a team's convention leave.
AUTOMATION_TAGS = ("orchestrator", "mlflow.databricks.jobID", "airflow_dag_id", "pipeline_run_id")
SCHEDULE_TRIGGERS = frozenset({"schedule", "scheduled", "cron", "pipeline", "automated"})

# Governance tags whose values are kept (after normalising the key); every other value is dropped.
WHITELISTED_TAGS = frozenset(
    {
        "approved_by",
        "approver",
        "approval",
        "approval_status",
        "approved",
        "validation_status",
        "validated_by",
        "review_status",
        "model_card",
        "model_card_url",
    }
)
MAX_TAG_VALUE = 200


def iso_utc(ms: int | float | None) -> str | None:
    """An MLflow millisecond timestamp as ISO-8601 UTC with second precision."""
    if ms is None:
        return None
    return datetime.fromtimestamp(int(ms) // 1000, UTC).isoformat().replace("+00:00", "Z")


def tag_key(key: str) -> str:
    """Normalise a tag key for whitelisting: ``Governance.Approval-Status`` -> ``approval_status``."""
    return key.rsplit(".", 1)[-1].rsplit("/", 1)[-1].strip().lower().replace("-", "_")


def redacted_tags(tags: dict[str, Any] | None) -> dict[str, Any]:
    """Tag keys in full, values only for whitelisted governance keys."""
    tags = tags or {}
    kept = {k: str(v)[:MAX_TAG_VALUE] for k, v in tags.items() if tag_key(k) in WHITELISTED_TAGS}
    return {"tag_keys": sorted(tags), "tags": dict(sorted(kept.items()))}


def is_automated(tags: dict[str, str]) -> bool:
    """Whether a run was started by a job, project, pipeline or scheduler rather than by hand."""
    if (tags.get(SOURCE_TYPE_TAG) or "").upper() in AUTOMATED_SOURCE_TYPES:
        return True
    if (tags.get("trigger") or "").strip().lower() in SCHEDULE_TRIGGERS:
        return True
    return any(tags.get(key) for key in AUTOMATION_TAGS)


def run_summary(run: Any) -> dict[str, Any]:
    """One run as the signals need it: who, when, how well logged, how reproducible."""
    info, data = run.info, run.data
    tags: dict[str, str] = dict(data.tags or {})
    inputs = getattr(run, "inputs", None)
    outputs = getattr(run, "outputs", None)
    datasets = sorted(
        {
            (d.dataset.name or "", d.dataset.digest or "")
            for d in (getattr(inputs, "dataset_inputs", None) or [])
        }
    )
    logged_models = bool(getattr(outputs, "model_outputs", None))
    return {
        "run_id": info.run_id,
        "user": info.user_id or tags.get("mlflow.user") or "",
        "start_time": iso_utc(info.start_time),
        "status": info.status,
        "n_params": len(data.params or {}),
        "n_metrics": len(data.metrics or {}),
        "has_git_commit": bool(tags.get(GIT_COMMIT_TAG)),
        "source_type": tags.get(SOURCE_TYPE_TAG) or None,
        "has_env": logged_models or any(tags.get(key) for key in ENV_TAGS),
        "datasets": [{"name": name, "digest": digest} for name, digest in datasets],
        "scheduled": is_automated(tags),
    }


def version_summary(version: Any, source_run: dict[str, Any] | None) -> dict[str, Any]:
    """One model version; ``source_run`` is the summary of the run that produced it, when known."""
    return {
        "version": str(version.version),
        "run_id": version.run_id or None,
        "creation_timestamp": iso_utc(version.creation_timestamp),
        "current_stage": version.current_stage or "None",
        "status": version.status,
        "description": bool((version.description or "").strip()),
        **redacted_tags(version.tags),
        "run_has_dataset": bool(source_run["datasets"]) if source_run else None,
        "run_scheduled": source_run["scheduled"] if source_run else None,
    }


def model_summary(model: Any, versions: list[dict[str, Any]]) -> dict[str, Any]:
    """One registered model with its versions, newest first."""
    aliases = model.aliases or {}
    if not isinstance(aliases, dict):  # some stores hand back alias entities rather than a mapping
        aliases = {a.alias: a.version for a in aliases}
    return {
        "description": bool((model.description or "").strip()),
        **redacted_tags(model.tags),
        "aliases": {str(alias): str(v) for alias, v in sorted(aliases.items())},
        "versions": sorted(versions, key=lambda v: _version_key(v["version"]), reverse=True),
    }


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (-1, version)
