"""The assay CLI end to end, as a user runs it: real subprocesses, real exit codes, real files."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ASSAY = [sys.executable, "-m", "assay"]


def run(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "160", **(env or {})}
    return subprocess.run(
        [*ASSAY, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300
    )


def assert_clean_error(proc: subprocess.CompletedProcess[str], code: int, needle: str) -> None:
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert needle in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "assay-out"
    proc = run("demo", "--org", "aurora-dynamics", "--out", out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MLOps" in proc.stdout and "Monitoring & Maintenance" in proc.stdout, (
        "the per-area table is printed"
    )
    # No terminal (as in CI): plain progress lines, one as each source starts and one as it ends.
    for source in ("aws", "azure", "github", "jenkins", "mlflow", "prometheus"):
        assert f"{source}: started" in proc.stderr, proc.stderr
        assert f"{source}: done: " in proc.stderr and f"{source}: status: ok" in proc.stderr, proc.stderr
    return out


def results_of(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "results.json").read_text())


def area(results: dict, ruleset: str, area_id: str) -> dict:  # type: ignore[type-arg]
    (rs,) = [r for r in results["rulesets"] if r["id"] == ruleset]
    (a,) = [a for a in rs["areas"] if a["id"] == area_id]
    return a


def test_demo_writes_outputs_and_decides_aurora_mlops_at_level_1(demo_out: Path) -> None:
    assert {p.name for p in demo_out.iterdir()} >= {"evidence.json.gz", "results.json", "report.md"}
    results = results_of(demo_out)
    assert results["schema"] == "assay/result/v1"
    mlops = area(results, "ai-cmm", "mlops")
    assert (mlops["level"], mlops["upper"]) == (1, 1), "MLflow evidence alone decides aurora's MLOps"
    assert any(c["status"] == "fail" and c["level"] == 2 for c in mlops["criteria"])
    report = (demo_out / "report.md").read_text()
    assert "MLOps" in report and "mlflow" in report


def test_demo_decides_aurora_at_level_1_everywhere_from_every_source(demo_out: Path) -> None:
    """The seed report's verdict, reached from evidence: every source read cleanly, every area 1..1."""
    bundle = json.loads(gzip.decompress((demo_out / "evidence.json.gz").read_bytes()))
    statuses = {c["name"]: c["status"] for c in bundle["collectors"]}
    assert set(statuses) >= {"aws", "azure", "github", "jenkins", "mlflow", "prometheus"}
    assert set(statuses.values()) == {"ok"}, statuses
    ranges = {
        f"{rs['id']}:{a['id']}": (a["level"], a["upper"])
        for rs in results_of(demo_out)["rulesets"]
        for a in rs["areas"]
    }
    assert len(ranges) == 10
    assert {key: r for key, r in ranges.items() if r != (1, 1)} == {}


def test_score_reproduces_results_byte_for_byte(demo_out: Path, tmp_path: Path) -> None:
    proc = run("score", demo_out / "evidence.json.gz", "--out", tmp_path, "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "results.json").read_bytes() == (demo_out / "results.json").read_bytes()


def test_verify_intact_and_tampered(demo_out: Path, tmp_path: Path) -> None:
    proc = run("verify", demo_out / "evidence.json.gz")
    assert proc.returncode == 0 and "intact" in proc.stdout
    doc = json.loads(gzip.decompress((demo_out / "evidence.json.gz").read_bytes()))
    doc["evidence"][0]["data"]["forged"] = True
    bad = tmp_path / "evidence.json.gz"
    bad.write_bytes(gzip.compress(json.dumps(doc).encode()))
    assert_clean_error(run("verify", bad), 1, "does not match its content hash")
    assert_clean_error(run("score", bad), 2, "integrity check failed")


def test_explain_names_criteria_signals_and_evidence(demo_out: Path) -> None:
    proc = run("explain", "mlops", "--out", demo_out)
    assert proc.returncode == 0, proc.stderr
    assert "ml.experiments.runs_90d" in proc.stdout  # MLflow runs or SageMaker Experiments runs
    assert "mlflow.experiment" in proc.stdout, "evidence subjects are shown"
    assert_clean_error(run("explain", "nope", "--out", demo_out), 2, "no area 'nope'")


def test_fail_under_exits_3(demo_out: Path, tmp_path: Path) -> None:
    proc = run("score", demo_out / "evidence.json.gz", "--out", tmp_path, "--fail-under", "mlops=2", "-q")
    assert_clean_error(proc, 3, "ai-cmm:mlops level 1 < 2")
    assert (tmp_path / "results.json").exists(), "results are written before the gate fails"
    assert_clean_error(run("score", demo_out / "evidence.json.gz", "--fail-under", "x=9"), 2, "--fail-under")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_mlflow_completes_with_unknowns_and_strict_exits_4(tmp_path: Path) -> None:
    cfg = tmp_path / "audit.yaml"
    cfg.write_text(
        "scope: offline\n"
        f"collectors:\n  mlflow:\n    tracking_uri: http://127.0.0.1:{closed_port()}\n    max_retries: 0\n"
        "    request_timeout: 2\n"
    )
    proc = run("audit", "-c", cfg, "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bundle = json.loads(gzip.decompress((tmp_path / "out" / "evidence.json.gz").read_bytes()))
    (mlflow,) = [c for c in bundle["collectors"] if c["name"] == "mlflow"]
    assert mlflow["status"] == "failed"
    (runs,) = [s for s in bundle["signals"] if s["name"] == "ml.tracking.runs_90d"]
    assert runs["status"] == "unknown" and runs["reason"] == "error"
    mlops = area(results_of(tmp_path / "out"), "ai-cmm", "mlops")
    assert mlops["level"] == 1 and mlops["upper"] == 5, "unknown is not fail: the level becomes a range"
    strict = run("audit", "-c", cfg, "--out", tmp_path / "out2", "--strict", "-q")
    assert_clean_error(strict, 4, "evidence incomplete (--strict): mlflow (failed)")


@pytest.mark.parametrize(
    ("config", "needle"),
    [
        ("collectors: [oops\n", "invalid YAML"),
        ("collectors:\n  mlflow: {tracking_uri: x, lookback: 3}\n", "unknown key collectors.mlflow.lookback"),
        ("collectors:\n  mlflw: {}\n", "unknown collector section collectors.mlflw (did you mean mlflow?)"),
        (
            "collectors:\n  mlflow: {tracking_uri: x, lookback_days: many}\n",
            "collectors.mlflow.lookback_days",
        ),
        ("collectors:\n  mlflow: {tracking_uri: x, token: hunter2}\n", "looks like a secret; set token_env"),
    ],
)
def test_bad_config_is_one_sentence_exit_2(tmp_path: Path, config: str, needle: str) -> None:
    cfg = tmp_path / "audit.yaml"
    cfg.write_text(config)
    assert_clean_error(run("audit", "-c", cfg, "--out", tmp_path / "out"), 2, needle)
    assert not (tmp_path / "out").exists()


def test_missing_secret_env_is_reported_not_fatal(tmp_path: Path) -> None:
    cfg = tmp_path / "audit.yaml"
    cfg.write_text(
        "collectors:\n  mlflow: {tracking_uri: 'sqlite:///x.db', token_env: ASSAY_TEST_UNSET_TOKEN}\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "ASSAY_TEST_UNSET_TOKEN"}
    proc = subprocess.run(
        [*ASSAY, "audit", "-c", str(cfg), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "ASSAY_TEST_UNSET_TOKEN" in proc.stdout


@pytest.mark.parametrize(
    ("ruleset", "needle"),
    [
        (
            "extends: ai-cmm\ncriteria:\n  mlops.tracking: {when: 'signals.ml.tracking.runs_9d >= 1'}\n",
            "ml.tracking.runs_90d",
        ),
        (
            "extends: ai-cmm\ncriteria:\n  mlops.tracking: {when: 'signals.ml.tracking.runs_90d >= '}\n",
            "mlops.tracking",
        ),
    ],
)
def test_bad_ruleset_exit_2(demo_out: Path, tmp_path: Path, ruleset: str, needle: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(ruleset)
    assert_clean_error(run("rules", "validate", path), 2, needle)
    assert_clean_error(
        run("score", demo_out / "evidence.json.gz", "--ruleset", path, "--out", tmp_path), 2, str(path)
    )


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    cfg = tmp_path / "audit.yaml"
    cfg.write_text("collectors: [oops\n")
    proc = run("--debug", "audit", "-c", cfg)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_rules_show_round_trips_through_validate(tmp_path: Path) -> None:
    proc = run("rules", "show", "ai-cmm")
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "copy.yaml"
    path.write_text(proc.stdout.replace("id: ai-cmm", "id: my-cmm", 1))
    ok = run("rules", "validate", path)
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout
    listing = run("rules", "list")
    assert listing.returncode == 0 and "mlops-report" in listing.stdout


def test_signals_catalog_is_generated_from_declarations() -> None:
    proc = run("signals", "--format", "json", "--source", "mlflow")
    assert proc.returncode == 0, proc.stderr
    names = {s["name"] for s in json.loads(proc.stdout)}
    assert {"ml.tracking.runs_90d", "ml.governance.ratio", "collab.experiments.shared"} <= names


def test_init_writes_a_commented_config_once(tmp_path: Path) -> None:
    path = tmp_path / "audit.yaml"
    assert run("init", path).returncode == 0
    text = path.read_text()
    assert "# mlflow:" in text and "tracking_uri" in text
    assert_clean_error(run("init", path), 2, "already exists; pass --force")
    assert run("init", path, "--force").returncode == 0


def test_unknown_estate_is_a_clear_error(tmp_path: Path) -> None:
    assert_clean_error(
        run("demo", "--org", "nobody", "--out", tmp_path), 2, "unknown sandbox estate 'nobody'"
    )


@pytest.mark.parametrize("verb", ["audit", "collect"])
@pytest.mark.parametrize(
    ("config", "why"),
    [
        ("scope: acme\n", "no source is configured"),
        (
            "collectors:\n  mlflow: {tracking_uri: 'sqlite:///x.db', enabled: false}\n",
            "every source is disabled",
        ),
    ],
)
def test_nothing_to_audit_is_exit_2_saying_how_to_add_a_source(
    tmp_path: Path, verb: str, config: str, why: str
) -> None:
    """A gate with no source must not pass: not even `--strict --fail-under 1` may exit 0."""
    path = tmp_path / "audit.yaml"
    path.write_text(config)
    extra = ["--strict", "--fail-under", "1", "--no-history"] if verb == "audit" else []
    proc = run(verb, "-c", path, "--out", tmp_path / "out", *extra)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert why in said and "add one under `collectors:`" in said and str(path) in said
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists(), "nothing is collected or written"
