"""How the MLflow collector tells a refusal from a failure, and which permission a refused call needs."""

from __future__ import annotations

import contextlib
import os
from urllib.parse import urlsplit

from assay.evidence import UnknownReason

DENIED_CODES = frozenset({"PERMISSION_DENIED", "UNAUTHENTICATED"})
# The MLflow permission each call needs (basic-auth app: READ; managed MLflow: a viewer role).
NEEDS = {
    "MlflowClient.search_experiments": "MLflow permission READ on the experiments to audit",
    "MlflowClient.search_runs": "MLflow permission READ on the experiments to audit",
    "MlflowClient.search_registered_models": "MLflow permission READ on the registered models",
    "MlflowClient.search_model_versions": "MLflow permission READ on the registered models",
    "MlflowClient.get_run": "MLflow permission READ on the experiment of the run",
}


def failure_reason(exc: BaseException) -> UnknownReason:
    """DENIED for MLflow permission errors and HTTP 401/403, ERROR for everything else."""
    if getattr(exc, "error_code", None) in DENIED_CODES:
        return UnknownReason.DENIED
    status = getattr(exc, "get_http_status_code", None)
    with contextlib.suppress(Exception):
        if status is not None and status() in (401, 403):
            return UnknownReason.DENIED
    return UnknownReason.ERROR


# A request that says nothing but whether the server lets these credentials read (never a write).
_PROBES = {
    "MlflowClient.search_experiments": ("POST", "experiments/search", {"max_results": 1}),
    "MlflowClient.search_runs": ("POST", "runs/search", {"experiment_ids": [], "max_results": 1}),
    "MlflowClient.search_registered_models": ("GET", "registered-models/search", {"max_results": 1}),
    "MlflowClient.search_model_versions": ("GET", "model-versions/search", {"max_results": 1}),
}


def foreign_error(exc: BaseException) -> bool:
    """A RestException built from a JSON body that MLflow's server did not write (no ``error_code``)."""
    body = getattr(exc, "json", None)
    return isinstance(body, dict) and "error_code" not in body


def probe_status(uri: str, endpoint: str, timeout: float) -> int | None:
    """The HTTP status an MLflow REST endpoint answers with the SDK's credentials (its environment)."""
    probe = _PROBES.get(endpoint)
    if probe is None or urlsplit(uri).scheme not in ("http", "https"):
        return None
    import requests

    method, path, params = probe
    headers: dict[str, str] = {}
    auth = None
    if os.environ.get("MLFLOW_TRACKING_TOKEN"):
        headers["Authorization"] = "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"]
    elif os.environ.get("MLFLOW_TRACKING_USERNAME"):
        auth = (os.environ["MLFLOW_TRACKING_USERNAME"], os.environ.get("MLFLOW_TRACKING_PASSWORD", ""))
    url = f"{uri.rstrip('/')}/api/2.0/mlflow/{path}"
    verify: bool | str = os.environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or (
        os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").lower() != "true"
    )
    try:
        if method == "GET":
            resp = requests.get(
                url, params=params, headers=headers, auth=auth, timeout=timeout, verify=verify
            )
        else:
            resp = requests.post(url, json=params, headers=headers, auth=auth, timeout=timeout, verify=verify)
    except requests.RequestException:
        return None
    return resp.status_code
