"""A real ``mlflow server``'s answers (fixtures/recorded/mlflow/record.py filled it with autologged
scikit-learn runs from a git checkout, dataset inputs, registered models and aliases) replayed to
MlflowClient running the MLflow collector; then the same server behind MLflow's basic-auth app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from assay.collectors.mlflow import MlflowCollector, MlflowConfig
from assay.sandbox.replay import ReplayServer, json_answer, load_recordings
from tests.replay.replaying import gaps, of_kind, recorded, run, run_of

FOLDER = recorded("mlflow")


def recording_time() -> datetime:
    """An hour after the newest recorded run started: windows are measured as on the recording day."""
    body = json.loads((FOLDER / "open_01_runs_search.json").read_text())["response"]["body"]
    newest = max(r["info"]["start_time"] for r in body["runs"])
    return datetime.fromtimestamp(newest / 1000, UTC) + timedelta(hours=1)


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[ReplayServer]:
    with ReplayServer(load_recordings(FOLDER, pattern=f"{request.param}_*.json")) as server:
        yield server


@pytest.mark.parametrize("served", ["open"], indirect=True)
def test_autologged_runs_datasets_models_and_aliases(served: ReplayServer) -> None:
    bundle = run(MlflowCollector, MlflowConfig(tracking_uri=served.base_url, max_retries=0), recording_time())
    assert run_of(bundle, "mlflow").status == "ok"
    experiments = {e.subject: e.data for e in of_kind(bundle, "mlflow.experiment")}
    # Three ridge runs and one logistic regression; the Default experiment has no runs.
    assert {name: len(data["runs"]) for name, data in experiments.items()} == {
        "diabetes-regression": 3,
        "iris-classification": 1,
    }
    runs = [r for data in experiments.values() for r in data["runs"]]
    assert all(r["has_git_commit"] and r["source_type"] == "LOCAL" for r in runs)  # from a git checkout
    ridge = experiments["diabetes-regression"]["runs"]
    assert all({"diabetes-test", "dataset"} <= {d["name"] for d in r["datasets"]} for r in ridge)
    models = {e.subject: e.data for e in of_kind(bundle, "mlflow.registered_model")}
    assert models["diabetes-ridge"]["aliases"] == {"champion": "2", "challenger": "1"}
    assert [v["version"] for v in models["diabetes-ridge"]["versions"]] == ["2", "1"]
    assert models["diabetes-ridge"]["versions"][0]["tags"] == {"validation_status": "approved"}
    assert models["iris-classifier"]["aliases"] == {}
    server = of_kind(bundle, "mlflow.server")[0].data
    assert (server["experiments_seen"], server["runs_in_window"], server["model_versions"]) == (3, 4, 3)


@pytest.mark.parametrize("served", ["noauth"], indirect=True)
def test_no_credentials_is_denied_naming_the_permission(served: ReplayServer) -> None:
    bundle = run(MlflowCollector, MlflowConfig(tracking_uri=served.base_url, max_retries=0))
    result = run_of(bundle, "mlflow")
    assert result.status == "failed"
    assert result.errors[0].reason.value == "denied"
    assert "You are not authenticated" in result.errors[0].message
    assert "READ on the experiments" in result.errors[0].message


@pytest.mark.parametrize("served", ["auditor"], indirect=True)
def test_a_model_version_whose_run_is_hidden_is_a_gap(served: ReplayServer) -> None:
    # The auditor may read the diabetes experiment and both models; the iris run is in an experiment it
    # may not read, and the real server answers its get_run with 403 "Permission denied".
    bundle = run(MlflowCollector, MlflowConfig(tracking_uri=served.base_url, max_retries=0), recording_time())
    found = gaps(bundle, "mlflow")
    assert [(g["subject"], g["endpoint"], g["reason"]) for g in found] == [
        ("registry.lineage", "MlflowClient.get_run", "denied")
    ]
    assert "iris-classifier version 1" in found[0]["message"] and "READ" in found[0]["message"]
    assert run_of(bundle, "mlflow").status == "partial"
    signals = {s.name: s for s in bundle.signals}
    assert signals["data.lineage.versions_ratio"].reason.value == "denied"
    assert signals["ml.registry.models"].value == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"message": "Forbidden"}),  # what an API gateway in front of MLflow answers
        (401, {"message": "Unauthorized"}),
        (401, {"error": "invalid_token"}),  # an OAuth2 proxy
    ],
)
def test_a_refusal_without_mlflows_error_code_is_denied(status: int, body: dict[str, str]) -> None:
    # MlflowClient turns such a body into INTERNAL_ERROR and drops the HTTP status; it was reported
    # as "cannot reach MLflow" (error) before issue 9.
    with ReplayServer(fault=lambda req: json_answer(status, body)) as server:
        bundle = run(MlflowCollector, MlflowConfig(tracking_uri=server.base_url, max_retries=0))
    result = run_of(bundle, "mlflow")
    assert result.status == "failed"
    assert result.errors[0].reason.value == "denied", result.errors
    assert "READ on the experiments" in result.errors[0].message
