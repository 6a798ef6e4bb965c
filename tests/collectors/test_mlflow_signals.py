"""MLflow signals over hand-built evidence: pure, no store, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from assay.collectors.derive import EvidenceView
from assay.collectors.mlflow import MlflowCollector
from assay.collectors.mlflow.signals import signals
from assay.collectors.mlflow.summaries import model_summary, redacted_tags, run_summary, version_summary
from assay.evidence import CollectorRun, Evidence, Signal, SignalStatus, SignalType, UnknownReason

# A fixed observation time far from today: windows must follow the evidence, not the clock.
OBSERVED = datetime(2021, 6, 30, 12, 0, tzinfo=UTC)


def iso(days_ago: float) -> str:
    return (OBSERVED - timedelta(days=days_ago)).isoformat().replace("+00:00", "Z")


def run(
    days_ago: float = 1,
    user: str = "ana",
    params: int = 2,
    metrics: int = 1,
    git: bool = True,
    dataset: bool = True,
    env: bool = True,
    scheduled: bool = False,
) -> dict[str, Any]:
    return {
        "run_id": f"r{days_ago}-{user}-{params}{metrics}{git}{dataset}{env}",
        "user": user,
        "start_time": iso(days_ago),
        "status": "FINISHED",
        "n_params": params,
        "n_metrics": metrics,
        "has_git_commit": git,
        "source_type": "JOB" if scheduled else "LOCAL",
        "has_env": env,
        "datasets": [{"name": "d", "digest": "abc"}] if dataset else [],
        "scheduled": scheduled,
    }


def version(
    v: Any,
    run_id: str | None = "r",
    stage: str = "None",
    description: bool = False,
    tags: dict[str, str] | None = None,
    has_dataset: bool | None = True,
    scheduled: bool | None = False,
    days_ago: float = 1,
) -> dict[str, Any]:
    return {
        "version": v,
        "run_id": run_id,
        "creation_timestamp": iso(days_ago),
        "current_stage": stage,
        "status": "READY",
        "description": description,
        "tag_keys": sorted(tags or {}),
        "tags": tags or {},
        "run_has_dataset": has_dataset,
        "run_scheduled": scheduled,
    }


def ev(kind: str, subject: str, data: dict[str, Any]) -> Evidence:
    return Evidence.make(
        source="mlflow", kind=kind, subject=subject, endpoint="test", observed_at=OBSERVED, data=data
    )


def experiment(name: str, *runs: dict[str, Any]) -> Evidence:
    return ev("mlflow.experiment", name, {"experiment_id": name, "runs": list(runs)})


def model(
    name: str,
    *versions: dict[str, Any],
    aliases: dict[str, Any] | None = None,
    description: bool = False,
    tags: dict[str, str] | None = None,
) -> Evidence:
    return ev(
        "mlflow.registered_model",
        name,
        {
            "description": description,
            "tag_keys": sorted(tags or {}),
            "tags": tags or {},
            "aliases": aliases or {},
            "versions": list(versions),
        },
    )


def server(lookback_days: int = 90) -> Evidence:
    return ev("mlflow.server", "http://mlflow", {"lookback_days": lookback_days, "truncated": False})


def gap(scope: str, reason: UnknownReason = UnknownReason.DENIED) -> Evidence:
    return ev(
        "mlflow.gap", scope, {"reason": reason.value, "message": f"{scope} {reason.value} by the server"}
    )


def derive(*evidence: Evidence, status: str = "ok") -> dict[str, Signal]:
    view = EvidenceView(evidence, {"mlflow": CollectorRun(name="mlflow", status=status)})
    return {s.name: s for s in MlflowCollector().derive(view)}


def value(evidence: list[Evidence], name: str) -> Any:
    sig = derive(*evidence)[name]
    assert sig.status is SignalStatus.OK, (name, sig.reason, sig.message)
    return sig.value


def reason(evidence: list[Evidence], name: str) -> UnknownReason | None:
    sig = derive(*evidence)[name]
    assert sig.status is SignalStatus.UNKNOWN, (name, sig.value)
    return sig.reason


APPROVED = {"approved_by": "review-board"}
PROD = {"champion": "2"}

# ---- tracking --------------------------------------------------------------------------------------------

TRACKING_CASES = [
    # (signal, evidence, expected value)
    ("ml.tracking.runs_90d", [server(), experiment("a", run(1), run(89), run(91))], 2),
    ("ml.tracking.runs_90d", [server(180), experiment("a", run(1), run(120))], 1),
    ("ml.tracking.runs_90d", [server()], 0),
    ("ml.tracking.experiments_active", [experiment("a", run(1)), experiment("b", run(2))], 2),
    ("ml.tracking.experiments_active", [experiment("a", run(100))], 0),
    ("ml.tracking.logged_ratio", [experiment("a", run(), run(params=0), run(metrics=0), run())], 0.5),
    ("ml.tracking.logged_ratio", [experiment("a", run(), run(params=0, metrics=0), run())], 0.6667),
    ("ml.repro.git_commit_ratio", [experiment("a", run(), run(git=False), run(git=False), run())], 0.5),
    ("ml.repro.ratio", [experiment("a", run(), run(git=False), run(dataset=False), run(env=False))], 0.25),
    ("ml.repro.ratio", [experiment("a", run(1), run(95, git=False))], 1.0),  # the old run is outside
    ("data.versioning.run_datasets_ratio", [experiment("a", run(), run(dataset=False))], 0.5),
    ("collab.experiments.shared", [experiment("a", run(user="x"), run(user="y")), experiment("b", run())], 1),
    ("collab.experiments.shared", [experiment("a", run(1, user="x"), run(100, user="y"))], 0),
    ("collab.experiments.shared_ratio",
     [experiment("a", run(user="x"), run(user="y")), experiment("b", run())], 0.5),
]  # fmt: skip


@pytest.mark.parametrize(("name", "evidence", "expected"), TRACKING_CASES)
def test_tracking_signal_values(name: str, evidence: list[Evidence], expected: Any) -> None:
    assert value(evidence, name) == expected


RUN_RATIOS = [
    "ml.tracking.logged_ratio",
    "ml.repro.git_commit_ratio",
    "ml.repro.ratio",
    "data.versioning.run_datasets_ratio",
    "collab.experiments.shared_ratio",
]


@pytest.mark.parametrize("name", RUN_RATIOS)
def test_run_ratios_over_no_runs_are_not_applicable(name: str) -> None:
    assert reason([server(), experiment("a", run(200))], name) is UnknownReason.NOT_APPLICABLE


def test_window_follows_the_evidence_not_the_clock() -> None:
    # Re-stamped a year later, the same runs fall out of the 90-day window.
    later = [e.model_copy(update={"observed_at": OBSERVED + timedelta(days=365)}) for e in
             (server(), experiment("a", run(1), run(2)))]  # fmt: skip
    assert value([server(), experiment("a", run(1), run(2))], "ml.tracking.runs_90d") == 2
    assert value(later, "ml.tracking.runs_90d") == 0


def test_runs_90d_is_unknown_when_the_collector_looked_back_less_far() -> None:
    assert reason([server(30), experiment("a", run(1))], "ml.tracking.runs_90d") is UnknownReason.UNSUPPORTED
    assert value([server(30), experiment("a", run(1), run(45))], "ml.tracking.logged_ratio") == 1.0


# ---- registry, production, governance ----------------------------------------------------------------------

REGISTRY_CASES = [
    ("ml.registry.models", [model("m"), model("n", version(1))], 2),
    ("ml.registry.models", [], 0),
    ("ml.registry.versioned_models", [model("m", version(1), version(2)), model("n", version(1))], 1),
    ("ml.registry.versioned_models", [model("m", version(1), version(2, run_id=None))], 0),
    ("ml.registry.linked_ratio", [model("m", version(1), version(2, run_id=None)), model("n", version(1))],
     0.6667),
    ("ml.production.models", [model("b", version(2), aliases={"Production": "2"}), model("a", version(1))],
     ["b"]),
    ("ml.production.models", [model("m", version(1, stage="Production"))], ["m"]),  # legacy stage
    ("ml.production.models", [model("m", version(1, stage="Staging"), aliases={"challenger": "1"})], []),
    ("ml.production.count",
     [model("a", version(1), aliases={"prod": "1"}), model("b", version(3), aliases={"champion": 3})], 2),
    ("ml.production.count", [model("m", version(1))], 0),
    ("data.lineage.versions_ratio",
     [model("m", version(1), version(2, has_dataset=False), version(3, has_dataset=None), version(4))], 0.5),
]  # fmt: skip


@pytest.mark.parametrize(("name", "evidence", "expected"), REGISTRY_CASES)
def test_registry_signal_values(name: str, evidence: list[Evidence], expected: Any) -> None:
    assert value([server(), *evidence], name) == expected


@pytest.mark.parametrize(
    ("alias_version", "version_id"),
    [("2", 2), (2, "2"), ("2", "2"), (2, 2)],
    ids=["rest-alias-sql-version", "sql-alias-rest-version", "both-str", "both-int"],
)
def test_production_matches_versions_whatever_their_id_type(alias_version: Any, version_id: Any) -> None:
    m = model(
        "m",
        version(1),
        version(version_id, description=True, tags=APPROVED),
        aliases={"champion": alias_version},
    )
    assert value([m], "ml.production.count") == 1
    assert value([m], "ml.governance.ratio") == 1.0


GOVERNANCE_CASES = [
    ("approver and description on the version", model("m", version(2, description=True, tags=APPROVED),
                                                        aliases=PROD), 1.0),
    ("approval on the model, card on the model", model("m", version(2), aliases=PROD, tags={
        "approval_status": "Approved", "model_card": "https://wiki/m"}), 1.0),
    ("namespaced validation tag", model("m", version(2, tags={"gov.validation-status": "passed"}),
                                        aliases=PROD, description=True), 1.0),
    ("documented, not approved", model("m", version(2, description=True), aliases=PROD), 0.0),
    ("approval pending", model("m", version(2, description=True, tags={"approval_status": "pending"}),
                               aliases=PROD), 0.0),
    ("approved, not documented", model("m", version(2, tags=APPROVED), aliases=PROD), 0.0),
    ("approval on a non-production version", model("m", version(1, tags=APPROVED, description=True),
                                                    version(2), aliases=PROD), 0.0),
]  # fmt: skip


@pytest.mark.parametrize(("case", "m", "expected"), GOVERNANCE_CASES, ids=[c[0] for c in GOVERNANCE_CASES])
def test_governance_ratio(case: str, m: Evidence, expected: float) -> None:
    assert value([server(), m], "ml.governance.ratio") == expected


def test_governance_over_several_production_models() -> None:
    governed = model("a", version(2, description=True, tags=APPROVED), aliases=PROD)
    ungoverned = model("b", version(1), aliases={"production": "1"})
    not_prod = model("c", version(1))
    assert value([server(), governed, ungoverned, not_prod], "ml.governance.ratio") == 0.5


RETRAIN_CASES = [
    ("two recent automated versions", [version(1, scheduled=True), version(2, scheduled=True)], 1.0),
    ("one automated, one by hand", [version(1, scheduled=True), version(2, scheduled=False)], 0.0),
    ("an automated version outside the window", [version(1, scheduled=True, days_ago=120),
                                                 version(2, scheduled=True)], 0.0),
    ("source runs unresolved", [version(1, scheduled=None), version(2, scheduled=None)], 0.0),
]  # fmt: skip


@pytest.mark.parametrize(("case", "versions", "expected"), RETRAIN_CASES, ids=[c[0] for c in RETRAIN_CASES])
def test_retrain_ratio(case: str, versions: list[dict[str, Any]], expected: float) -> None:
    assert (
        value([server(), model("m", *versions, aliases={"champion": "2"})], "ml.ct.retrain_ratio") == expected
    )


@pytest.mark.parametrize("name", ["ml.governance.ratio", "ml.ct.retrain_ratio"])
def test_production_ratios_without_production_models_are_not_applicable(name: str) -> None:
    assert reason([server(), model("m", version(1))], name) is UnknownReason.NOT_APPLICABLE


@pytest.mark.parametrize("name", ["ml.registry.linked_ratio", "data.lineage.versions_ratio"])
def test_version_ratios_without_versions_are_not_applicable(name: str) -> None:
    assert reason([server(), model("m")], name) is UnknownReason.NOT_APPLICABLE


# ---- gaps and unavailable sources --------------------------------------------------------------------------

REGISTRY_SIGNALS = {
    "ml.registry.models", "ml.registry.versioned_models", "ml.registry.linked_ratio", "ml.production.models",
    "ml.production.count", "ml.governance.ratio", "ml.ct.retrain_ratio", "data.lineage.versions_ratio",
    "monitoring.staleness.max_age_days",
}  # fmt: skip
TRACKING_SIGNALS = {s.name for s in signals.specs} - REGISTRY_SIGNALS


def test_registry_gap_makes_registry_signals_unknown_and_keeps_tracking() -> None:
    out = derive(server(), experiment("a", run(), run(user="bo")), gap("registry"), status="partial")
    for name in REGISTRY_SIGNALS:
        assert out[name].status is SignalStatus.UNKNOWN, name
        assert out[name].reason is UnknownReason.DENIED
        assert "registry denied" in (out[name].message or "")
    for name in TRACKING_SIGNALS:
        assert out[name].status is SignalStatus.OK, name


def test_tracking_gap_makes_tracking_signals_unknown_and_keeps_registry() -> None:
    out = derive(server(), gap("tracking", UnknownReason.ERROR), model("m", version(1)), status="partial")
    for name in TRACKING_SIGNALS:
        assert out[name].reason is UnknownReason.ERROR, name
    assert out["ml.registry.models"].value == 1


def test_failed_source_makes_every_signal_unknown() -> None:
    view = EvidenceView([], {"mlflow": CollectorRun(name="mlflow", status="failed", errors=[
        {"endpoint": "MlflowClient.search_experiments", "reason": "denied", "message": "403"}])})  # fmt: skip
    out = MlflowCollector().derive(view)
    assert {s.reason for s in out} == {UnknownReason.DENIED}
    assert len(out) == len(signals.specs)


def test_unconfigured_source_is_not_configured() -> None:
    out = MlflowCollector().derive(EvidenceView([], {}))
    assert {s.reason for s in out} == {UnknownReason.NOT_CONFIGURED}


def test_signals_cite_the_evidence_they_read() -> None:
    a, b = experiment("a", run()), experiment("b", run(200))
    sig = derive(server(), a, b)["ml.tracking.runs_90d"]
    assert sig.evidence == [a.id]


# ---- declarations ------------------------------------------------------------------------------------------

EXPECTED = {
    "ml.tracking.runs_90d": (SignalType.COUNT, "runs", "H"),
    "ml.tracking.experiments_active": (SignalType.COUNT, "experiments", "M"),
    "ml.tracking.logged_ratio": (SignalType.RATIO, "", "H"),
    "ml.repro.git_commit_ratio": (SignalType.RATIO, "", "H"),
    "ml.repro.ratio": (SignalType.RATIO, "", "H"),
    "ml.registry.models": (SignalType.COUNT, "models", "H"),
    "ml.registry.versioned_models": (SignalType.COUNT, "models", "H"),
    "ml.registry.linked_ratio": (SignalType.RATIO, "", "H"),
    "ml.production.models": (SignalType.LIST, "", "M"),
    "ml.production.count": (SignalType.COUNT, "models", "M"),
    "ml.governance.ratio": (SignalType.RATIO, "", "H"),
    "ml.ct.retrain_ratio": (SignalType.RATIO, "", "M"),
    "collab.experiments.shared": (SignalType.COUNT, "experiments", "M"),
    "collab.experiments.shared_ratio": (SignalType.RATIO, "", "M"),
    "data.versioning.run_datasets_ratio": (SignalType.RATIO, "", "H"),
    "data.lineage.versions_ratio": (SignalType.RATIO, "", "M"),
    "monitoring.staleness.max_age_days": (SignalType.NUMBER, "days", "M"),
}


def test_declarations() -> None:
    specs = {s.name: s for s in signals.specs}
    assert {n: (s.type, s.unit, s.confidence.value) for n, s in specs.items()} == EXPECTED
    assert all(s.source == "mlflow" and s.description for s in specs.values())
    assert all(d.fn.__doc__ for d in signals._declared.values())


# ---- evidence shapes: redaction and version ids ------------------------------------------------------------


def _run_entity(**tags: str) -> SimpleNamespace:
    dataset = SimpleNamespace(dataset=SimpleNamespace(name="claims", digest="d1"))
    return SimpleNamespace(
        info=SimpleNamespace(run_id="r1", user_id="ana", start_time=1_600_000_000_123, status="FINISHED"),
        data=SimpleNamespace(params={"lr": "0.1", "secret_path": "/home/x"}, metrics={"auc": 0.9}, tags=tags),
        inputs=SimpleNamespace(dataset_inputs=[dataset, dataset]),
        outputs=SimpleNamespace(model_outputs=[]),
    )


def test_run_summary_keeps_counts_not_values() -> None:
    s = run_summary(_run_entity(**{"mlflow.source.type": "JOB", "mlflow.source.git.commit": "abc",
                                   "mlflow.docker.image.name": "img", "note": "private"}))  # fmt: skip
    assert s == {
        "run_id": "r1", "user": "ana", "start_time": "2020-09-13T12:26:40Z", "status": "FINISHED",
        "n_params": 2, "n_metrics": 1, "has_git_commit": True, "source_type": "JOB", "has_env": True,
        "datasets": [{"name": "claims", "digest": "d1"}], "scheduled": True,
    }  # fmt: skip
    assert "0.1" not in str(s) and "private" not in str(s)


@pytest.mark.parametrize(
    ("tags", "scheduled"),
    [({"mlflow.source.type": "NOTEBOOK"}, False), ({"trigger": "Schedule"}, True),
     ({"orchestrator": "airflow"}, True), ({"mlflow.source.type": "PROJECT"}, True)],
)  # fmt: skip
def test_automation_flag(tags: dict[str, str], scheduled: bool) -> None:
    assert run_summary(_run_entity(**tags))["scheduled"] is scheduled


def test_only_governance_tag_values_are_kept() -> None:
    out = redacted_tags({"owner": "ana", "Approved-By": "board", "gov.model_card": "https://x", "pii": "yes"})
    assert out == {
        "tag_keys": ["Approved-By", "gov.model_card", "owner", "pii"],
        "tags": {"Approved-By": "board", "gov.model_card": "https://x"},
    }


@pytest.mark.parametrize("raw", [2, "2"], ids=["sqlite-int", "rest-str"])
def test_version_ids_are_normalised_to_strings(raw: Any) -> None:
    entity = SimpleNamespace(version=raw, run_id="r1", creation_timestamp=1_600_000_000_000,
                             current_stage="None", status="READY", description="", tags={})  # fmt: skip
    v = version_summary(entity, {"datasets": [], "scheduled": True})
    assert v["version"] == "2" and v["run_has_dataset"] is False and v["run_scheduled"] is True
    m = model_summary(SimpleNamespace(aliases={"champion": raw}, description=None, tags={}), [v])
    assert m["aliases"] == {"champion": "2"}
