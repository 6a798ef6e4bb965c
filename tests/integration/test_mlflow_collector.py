"""The MLflow collector against real MLflow SQLite stores, seeded from the fixture estates."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assay.collectors.base import CollectContext, SourceUnavailable, installed_collectors
from assay.collectors.derive import EvidenceView
from assay.collectors.mlflow import MlflowCollector, MlflowConfig
from assay.collectors.mlflow.collector import public_uri
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason
from assay.sandbox.estate import load_estate
from assay.sandbox.mlflow_store import SERVER_ENV, MlflowMaterializer

pytestmark = pytest.mark.integration

ESTATES = ["aurora-dynamics", "borealis-health", "cygnus-ai"]


def materialise(name: str, workdir: Path) -> tuple[MlflowMaterializer, dict[str, Any]]:
    """Seed the estate's SQLite store (never a server here, whatever the environment says)."""
    estate = load_estate(name)
    fixture = {**(estate.source("mlflow") or {}), "server": False}
    saved = os.environ.pop(SERVER_ENV, None)
    try:
        mat = MlflowMaterializer()
        config = mat.start(estate, fixture, workdir).config
    finally:
        if saved is not None:
            os.environ[SERVER_ENV] = saved
    print(f"\nseeded {name} in {mat.seed_seconds:.2f} s")
    return mat, config


def collect(config: dict[str, Any] | MlflowConfig) -> tuple[list[Evidence], CollectContext]:
    ctx = CollectContext("mlflow")
    cfg = config if isinstance(config, MlflowConfig) else MlflowConfig(**config)
    return list(MlflowCollector().collect(cfg, ctx)), ctx


def derive(evidence: list[Evidence], status: str = "ok") -> dict[str, Any]:
    view = EvidenceView(evidence, {"mlflow": CollectorRun(name="mlflow", status=status)})
    return {s.name: s for s in MlflowCollector().derive(view)}


def values(evidence: list[Evidence]) -> dict[str, Any]:
    return {
        name: (s.value if s.status is SignalStatus.OK else s.reason) for name, s in derive(evidence).items()
    }


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    mats, configs = [], {}
    try:
        for name in ESTATES:
            mat, configs[name] = materialise(name, tmp_path_factory.mktemp(name))
            mats.append(mat)
        yield configs
    finally:
        for mat in mats:
            mat.stop()


@pytest.fixture(scope="module")
def collected(stores: dict[str, dict[str, Any]]) -> dict[str, list[Evidence]]:
    return {name: collect(config)[0] for name, config in stores.items()}


# The MLflow criteria of the default rulesets, as the rules engine will apply them.
def mlops_l2(v: dict[str, Any]) -> bool:
    return (
        v["ml.tracking.runs_90d"] >= 20
        and v["ml.tracking.logged_ratio"] >= 0.7
        and (v["ml.repro.git_commit_ratio"] >= 0.5)
    )


def mlops_l3(v: dict[str, Any]) -> bool:
    return v["ml.registry.versioned_models"] >= 1 and v["ml.repro.ratio"] >= 0.7


def test_aurora_is_ad_hoc(collected: dict[str, list[Evidence]]) -> None:
    v = values(collected["aurora-dynamics"])
    assert v["ml.tracking.runs_90d"] == 7  # the two runs of last quarter are outside the window
    assert v["ml.tracking.logged_ratio"] == pytest.approx(2 / 7, abs=1e-4)
    assert v["ml.repro.git_commit_ratio"] == 0.0
    assert not mlops_l2(v)
    assert v["ml.registry.models"] == 1 and v["ml.registry.versioned_models"] == 0
    assert v["ml.production.count"] == 0 and v["ml.production.models"] == []
    assert v["ml.governance.ratio"] is UnknownReason.NOT_APPLICABLE
    assert v["ml.ct.retrain_ratio"] is UnknownReason.NOT_APPLICABLE
    assert v["collab.experiments.shared"] == 0
    assert v["data.lineage.versions_ratio"] == 0.0


def test_borealis_is_defined_but_ungoverned(collected: dict[str, list[Evidence]]) -> None:
    v = values(collected["borealis-health"])
    assert v["ml.tracking.runs_90d"] == 40 and v["ml.tracking.experiments_active"] == 4
    assert mlops_l2(v) and mlops_l3(v)
    assert v["ml.repro.ratio"] >= 0.75
    assert v["ml.registry.models"] == 2 and v["ml.registry.versioned_models"] == 2
    assert v["ml.registry.linked_ratio"] == 1.0
    assert v["ml.production.models"] == ["readmission-risk-model"]
    assert v["ml.governance.ratio"] == 0.0  # fails mlops L4
    assert v["collab.experiments.shared"] == 0  # collaboration cannot reach 3 from MLflow
    assert v["data.lineage.versions_ratio"] < 0.5  # dataops stays below 4


def test_cygnus_is_managed(collected: dict[str, list[Evidence]]) -> None:
    v = values(collected["cygnus-ai"])
    assert v["ml.tracking.runs_90d"] == 120 and v["ml.tracking.experiments_active"] == 5
    assert mlops_l2(v) and mlops_l3(v)
    assert v["ml.repro.ratio"] >= 0.85
    assert v["ml.registry.models"] == 4 and v["ml.registry.versioned_models"] == 4
    assert v["ml.production.models"] == ["demand-forecaster", "fraud-detector", "recommender"]
    assert v["ml.governance.ratio"] == 1.0  # passes mlops L4 on governance
    assert v["ml.ct.retrain_ratio"] >= 0.5
    assert v["collab.experiments.shared"] == 5 and v["collab.experiments.shared_ratio"] == 1.0
    assert v["data.lineage.versions_ratio"] >= 0.8


def test_evidence_shape_and_redaction(collected: dict[str, list[Evidence]]) -> None:
    evidence = collected["cygnus-ai"]
    kinds = sorted(e.kind for e in evidence)
    assert kinds.count("mlflow.experiment") == 5 and kinds.count("mlflow.registered_model") == 4
    assert kinds.count("mlflow.server") == 1 and "mlflow.gap" not in kinds
    text = json.dumps([e.data for e in evidence])
    assert "learning_rate" not in text  # param names and values never leave the server
    assert "risk-ml" not in text  # nor free-form tag values (owner) ...
    assert "risk-review-board" in text  # ... only governance ones
    fraud = next(e for e in evidence if e.subject == "fraud-detector")
    assert fraud.data["aliases"] == {"challenger": "3", "champion": "4"}
    assert [v["version"] for v in fraud.data["versions"]] == ["4", "3", "2", "1"]
    assert "owner" in fraud.data["tag_keys"]
    server = next(e for e in evidence if e.kind == "mlflow.server")
    assert server.data["runs_in_window"] == 120 and server.data["truncated"] is False
    assert all(e.id == e.compute_id() for e in evidence)


def test_old_source_runs_are_fetched_one_by_one(stores: dict[str, dict[str, Any]]) -> None:
    # Aurora's only version comes from a run of last quarter: one get_run call resolves its lineage.
    evidence, ctx = collect(stores["aurora-dynamics"])
    assert ctx.api_calls["MlflowClient.get_run"] == 1
    model = next(e for e in evidence if e.kind == "mlflow.registered_model")
    assert model.data["versions"][0]["run_has_dataset"] is False
    assert model.data["versions"][0]["run_scheduled"] is False
    assert {k for k in ctx.api_calls} >= {"MlflowClient.search_experiments", "MlflowClient.search_runs"}


def test_max_runs_truncates_and_says_so(stores: dict[str, dict[str, Any]]) -> None:
    evidence, _ = collect({**stores["borealis-health"], "max_runs": 10})
    server = next(e for e in evidence if e.kind == "mlflow.server")
    assert server.data["truncated"] is True and server.data["runs_in_window"] == 10
    assert values(evidence)["ml.tracking.runs_90d"] == 10


def test_short_lookback(stores: dict[str, dict[str, Any]]) -> None:
    evidence, _ = collect({**stores["borealis-health"], "lookback_days": 30})
    v = values(evidence)
    assert v["ml.tracking.runs_90d"] is UnknownReason.UNSUPPORTED
    assert 0 < next(e for e in evidence if e.kind == "mlflow.server").data["runs_in_window"] < 40


def test_unreachable_registry_is_a_gap_not_a_failure(stores: dict[str, dict[str, Any]]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = {**stores["cygnus-ai"], "registry_uri": f"http://127.0.0.1:{port}", "max_retries": 0}
    started = time.monotonic()
    evidence, ctx = collect(config)
    assert time.monotonic() - started < 15
    assert [e.subject for e in evidence if e.kind == "mlflow.gap"] == ["registry"]
    assert ctx.errors and ctx.errors[0].reason is UnknownReason.ERROR
    out = derive(evidence, status="partial")
    assert out["ml.governance.ratio"].reason is UnknownReason.ERROR
    assert out["ml.registry.models"].status is SignalStatus.UNKNOWN
    assert out["ml.tracking.runs_90d"].value == 120


def test_missing_sqlite_store_is_not_created(tmp_path: Path) -> None:
    db = tmp_path / "nope.db"
    with pytest.raises(SourceUnavailable) as info:
        collect({"tracking_uri": f"sqlite:///{db}"})
    assert info.value.reason is UnknownReason.ERROR and "cannot reach MLflow" in info.value.message
    assert not db.exists()


def test_missing_secret_is_not_configured(stores: dict[str, dict[str, Any]]) -> None:
    os.environ.pop("ASSAY_TEST_UNSET_TOKEN", None)
    with pytest.raises(SourceUnavailable) as info:
        collect({**stores["aurora-dynamics"], "token_env": "ASSAY_TEST_UNSET_TOKEN"})
    assert info.value.reason is UnknownReason.NOT_CONFIGURED
    assert "ASSAY_TEST_UNSET_TOKEN" in info.value.message


def test_environment_is_restored(stores: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "5")
    monkeypatch.delenv("MLFLOW_HTTP_REQUEST_TIMEOUT", raising=False)
    monkeypatch.setenv("ASSAY_TEST_TOKEN", "tok-123")
    collect({**stores["aurora-dynamics"], "token_env": "ASSAY_TEST_TOKEN"})
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "5"
    assert "MLFLOW_HTTP_REQUEST_TIMEOUT" not in os.environ
    assert "MLFLOW_TRACKING_TOKEN" not in os.environ


def test_entry_point_and_config_docs() -> None:
    assert installed_collectors().get("mlflow") is MlflowCollector
    fields = MlflowConfig.model_fields
    assert all(f.description for f in fields.values())
    with pytest.raises(ValueError, match="NAME of an environment variable"):
        MlflowConfig(tracking_uri="http://x", token_env="dapi-123/abc=")


@pytest.mark.parametrize(
    ("uri", "public"),
    [
        ("https://alice:s3cret@mlflow.example.com:8443/base?token=x", "https://mlflow.example.com:8443/base"),
        ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
        ("sqlite:////tmp/m.db", "sqlite:////tmp/m.db"),
        ("databricks", "databricks"),
    ],
)
def test_public_uri_strips_credentials(uri: str, public: str) -> None:
    assert public_uri(uri) == public
