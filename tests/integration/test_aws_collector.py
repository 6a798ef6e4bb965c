"""The AWS collector through real boto3 against moto's server behind the sandbox's wire-format front.

Also the issue's permission test: every operation the collector sent during this module is recorded by the
front (server side, from the HTTP requests themselves) and must be in the printed policy and read-only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from assay.collectors.aws import AwsCollector, AwsConfig
from assay.collectors.aws.operations import ASSUME_ROLE, OPERATIONS, is_read_only
from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.derive import EvidenceView
from assay.crosssource import signals as cross_source
from assay.evidence import CollectorRun, Evidence, SignalStatus, UnknownReason
from assay.sandbox.aws_sandbox import AwsMaterializer
from assay.sandbox.estate import load_estate

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("aws")]

COLLECTOR_OPS: set[tuple[str, str]] = set()


class Run:
    def __init__(self, evidence: list[Evidence], ctx: CollectContext, mat: AwsMaterializer) -> None:
        self.evidence, self.ctx, self.accounts = evidence, ctx, dict(mat.accounts)
        assert mat.front is not None
        self.front_log = list(mat.front.log)
        view = EvidenceView(evidence, {"aws": CollectorRun(name="aws", status="ok")})
        self.signals = {s.name: s for s in [*AwsCollector().derive(view), *cross_source.derive(view)]}

    def value(self, name: str) -> Any:
        sig = self.signals[name]
        return sig.value if sig.status is SignalStatus.OK else sig.reason

    def gaps(self) -> list[Evidence]:
        return [e for e in self.evidence if e.kind == "aws.gap"]


def collect(name: str, workdir: Path, **overrides: Any) -> Run:
    estate = load_estate(name)
    fixture = {**(estate.source("aws") or {}), **overrides}
    mat = AwsMaterializer()
    result = mat.start(estate, fixture, workdir)
    saved = {k: os.environ.get(k) for k in result.env}
    os.environ.update(result.env)
    try:
        ctx = CollectContext("aws")
        evidence = list(AwsCollector().collect(AwsConfig.model_validate(result.config), ctx))
        run = Run(evidence, ctx, mat)
    finally:
        mat.stop()
        for key, old in saved.items():
            os.environ.pop(key) if old is None else os.environ.__setitem__(key, old)
    COLLECTOR_OPS.update((svc, op) for who, svc, op in run.front_log if who == "collector")
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    return {name: collect(name, tmp_path_factory.mktemp(name)) for name in ("aurora-dynamics", "cygnus-ai")}


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Borealis with a role lacking guardduty:ListDetectors, a throttled and an unimplemented operation."""
    return collect(
        "borealis-health",
        tmp_path_factory.mktemp("faulty"),
        deny_actions=["guardduty:ListDetectors"],
        throttle={"sagemaker:ListEndpoints": 2},
        unsupported=["sagemaker:ListFeatureGroups"],
    )


def test_aurora_practices_are_absent_not_unknown(runs: dict[str, Run]) -> None:
    run = runs["aurora-dynamics"]
    assert run.gaps() == []
    expected = {
        "cloud.cost.budgets": 0,
        "cloud.tags.coverage": 0.0,
        "cloud.env.separated": False,
        "sec.audit_trail.coverage": 0.0,
        "sec.threat_detection.guardduty": 0.0,
        "sec.iam.hygiene": 0.0,
        "data.catalog.tables": 0,
        "data.versioning.bucket_ratio": 0.0,
        "ai.inventory.metadata_ratio": 0.0,
        "monitoring.drift.data_capture_endpoints": 0,
        "ml.pipeline.executions_30d": 0,
        "sec.container_scanning.ratio": UnknownReason.NOT_APPLICABLE,
    }
    assert {name: run.value(name) for name in expected} == expected


def test_cygnus_organisation_accounts_and_regions(runs: dict[str, Run]) -> None:
    run = runs["cygnus-ai"]
    assert run.gaps() == []
    (scope,) = [e for e in run.evidence if e.kind == "aws.scope"]
    assert scope.data["mode"] == "organization"
    ids = run.accounts
    assert {a["id"]: a["ou_path"] for a in scope.data["accounts"]} == {
        ids["cygnus-management"]: [],
        ids["cygnus-prod"]: ["Production"],
        ids["cygnus-nonprod"]: ["NonProduction"],
    }
    assert [a["management"] for a in scope.data["accounts"] if a["id"] == ids["cygnus-management"]] == [True]
    cells = {(c["account"], c["region"]) for c in run.ctx.details["cells"] if c["account"]}
    assert cells == {(a, r) for a in run.accounts.values() for r in ("us-east-1", "eu-west-1")}
    assert run.value("cloud.env.separated") is True
    assert run.value("sec.threat_detection.securityhub") == 1.0
    assert run.value("sec.guardrails.deny") == 2
    assert run.value("monitoring.drift.coverage") == 1.0
    assert run.value("ai.spend.attributed_ratio") == pytest.approx(0.983, abs=1e-3)


def test_endpoint_evidence_keeps_the_cross_source_contract(runs: dict[str, Run]) -> None:
    run = runs["cygnus-ai"]
    endpoints = {e.data["name"]: e for e in run.evidence if e.kind == "aws.sagemaker.endpoint"}
    assert set(endpoints) == {"fraud-detector", "recommender", "fraud-detector-staging"}
    fraud = endpoints["fraud-detector"]
    assert (
        fraud.subject == f"arn:aws:sagemaker:us-east-1:{run.accounts['cygnus-prod']}:endpoint/fraud-detector"
    )
    assert {"name", "status", "region", "account", "variants", "data_capture", "tags"} <= set(fraud.data)
    assert fraud.data["status"] == "InService" and fraud.data["data_capture"] is True
    assert fraud.data["variants"][0]["model_name"] == "fraud-detector-model-1"
    assert fraud.data["variants"][0]["model_package"].endswith("model-package/fraud-detector/3")
    assert fraud.data["tags"]["env"] == "prod"


def test_every_call_is_counted(runs: dict[str, Run]) -> None:
    run = runs["aurora-dynamics"]
    counted = sum(run.ctx.api_calls.values())
    signed = sum(1 for who, _, _ in run.front_log if who == "collector")
    assert counted == signed
    assert all(" " in key and ":" in key.split()[0] for key in run.ctx.api_calls)


def test_denied_permission_is_unknown_for_exactly_its_signals(faulty: Run) -> None:
    denied = [g for g in faulty.gaps() if g.data["reason"] == "denied"]
    assert len(denied) == 1 and denied[0].subject == "guardduty"
    assert "guardduty:ListDetectors" in denied[0].data["message"]
    unknown = {n for n, s in faulty.signals.items() if s.reason is UnknownReason.DENIED}
    assert unknown == {"sec.threat_detection.guardduty", "sec.threat_detection.coverage"}
    assert faulty.value("sec.audit_trail.coverage") == 1.0  # everything else still counts


def test_unimplemented_operation_is_unsupported_not_failed(faulty: Run) -> None:
    unsupported = [g for g in faulty.gaps() if g.data["reason"] == "unsupported"]
    assert [g.subject for g in unsupported] == ["sagemaker.feature_store"]
    assert faulty.value("data.feature_store.groups") is UnknownReason.UNSUPPORTED


def test_throttling_is_retried(faulty: Run) -> None:
    sent = [op for who, svc, op in faulty.front_log if who == "collector" and op == "ListEndpoints"]
    assert len(sent) == 3  # two throttled, then answered
    assert faulty.ctx.api_calls["sagemaker:ListEndpoints us-east-1"] == 1
    assert faulty.value("ai.inventory.cloud_endpoints") == 2


def test_unreachable_endpoint_makes_the_source_unavailable() -> None:
    cfg = AwsConfig(
        endpoint_url="http://127.0.0.1:9",
        max_attempts=1,
        access_key_id_env="PATH",
        secret_access_key_env="PATH",
    )
    with pytest.raises(SourceUnavailable) as err:
        list(AwsCollector().collect(cfg, CollectContext("aws")))
    assert err.value.reason is UnknownReason.ERROR


def test_cli_audit_exit_codes_with_a_denied_permission(tmp_path: Path) -> None:
    """A role lacking guardduty:ListDetectors: the audit completes (exit 0); --strict exits 4."""
    estate = load_estate("aurora-dynamics")
    mat = AwsMaterializer()
    result = mat.start(
        estate, {**(estate.source("aws") or {}), "deny_actions": ["guardduty:ListDetectors"]}, tmp_path
    )
    try:
        config = tmp_path / "audit.yaml"
        config.write_text(yaml.safe_dump({"scope": "aurora", "collectors": {"aws": result.config}}))
        env = {**os.environ, **result.env}
        assay = [sys.executable, "-m", "assay.cli", "-q", "audit", "-c", str(config)]
        loose = subprocess.run(
            [*assay, "--out", str(tmp_path / "a")], env=env, capture_output=True, text=True
        )
        strict = subprocess.run(
            [*assay, "--out", str(tmp_path / "b"), "--strict"], env=env, capture_output=True, text=True
        )
        assert mat.front is not None
        COLLECTOR_OPS.update((svc, op) for who, svc, op in mat.front.log if who == "collector")
    finally:
        mat.stop()
    assert loose.returncode == 0, loose.stderr
    assert strict.returncode == 4, strict.stderr
    assert "aws (partial)" in strict.stderr


def test_every_operation_sent_is_in_the_policy_and_read_only(runs: dict[str, Run], faulty: Run) -> None:
    """Runs last in this module: the union of what the front saw the collector send, in every test above."""
    assert len(COLLECTOR_OPS) > 50
    undeclared = COLLECTOR_OPS - set(OPERATIONS)
    assert not undeclared, sorted(undeclared)
    writes = {OPERATIONS[o].iam_action for o in COLLECTOR_OPS if not is_read_only(OPERATIONS[o])}
    assert writes <= {ASSUME_ROLE.iam_action}
