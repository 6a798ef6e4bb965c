"""Findings a team can act on, end to end: per-resource verdicts with links, attestations and waivers on
demo, score and audit, as a user runs them."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from assay.evidence import Aggregate, Member, aggregate_value
from tests.e2e.test_cli import assert_clean_error, closed_port, run

pytestmark = pytest.mark.e2e

WAIVERS = """\
waivers:
  - criterion: secops.push-protection
    resource: "cygnus-ai/ci-*"
    justification: CI templates hold no secrets
    approver: Head of security
    expires: 2099-12-31
  - criterion: cloudops.self-service
    justification: teams provision through the platform team's pipelines by design
    approver: CTO
    expires: 2099-12-31
  - criterion: secops.automated-remediation
    resource: "cygnus-ai/*"
    justification: an exception that ran out
    approver: CTO
    expires: 2020-01-31
"""


@pytest.fixture(scope="module")
def cygnus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`assay demo --org cygnus-ai` with a waivers file."""
    root = tmp_path_factory.mktemp("cygnus")
    (root / "waivers.yaml").write_text(WAIVERS)
    out = root / "out"
    proc = run("demo", "--org", "cygnus-ai", "--out", out, "--no-history", "--waivers", root / "waivers.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def criteria(results: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {c["id"]: c for rs in results["rulesets"] for a in rs["areas"] for c in a["criteria"]}


def score(bundle: Path, out: Path, *extra: str | Path) -> dict:  # type: ignore[type-arg]
    proc = run("score", bundle, "--out", out, "--no-history", "-q", *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((out / "results.json").read_text())


def test_raw_picture_lists_failing_resources_with_urls(cygnus: Path, tmp_path: Path) -> None:
    raw = score(cygnus / "evidence.json.gz", tmp_path, "--no-waivers")
    assert "waivers" not in raw
    listed = {
        cid: [r for r in c["resources"] if r["status"] == "fail" and r.get("url")]
        for cid, c in criteria(raw).items()
    }
    with_failures = {cid for cid, found in listed.items() if found}
    assert len(with_failures) >= 8, sorted(with_failures)
    push = criteria(raw)["secops.push-protection"]
    assert push["resources"][0]["status"] == "fail", "failing members come first"
    assert "cygnus-ai/ci-templates" in {r["subject"] for r in push["resources"] if r["status"] == "fail"}
    assert all(r["url"].endswith("/settings/security_analysis") for r in push["resources"])
    counts = push["resource_counts"]
    assert counts["fail"] == sum(1 for r in push["resources"] if r["status"] == "fail")


def test_members_recompute_to_their_signal(cygnus: Path) -> None:
    """Every signal that says how its value follows from its members agrees with them."""
    bundle = json.loads(gzip.decompress((cygnus / "evidence.json.gz").read_bytes()))
    checked = 0
    for signal in bundle["signals"]:
        if signal.get("aggregate"):
            members = [Member.model_validate(m) for m in signal["members"]]
            assert aggregate_value(Aggregate(signal["aggregate"]), members) == signal["value"], signal["name"]
            checked += 1
    assert checked >= 20


def test_demo_applies_waivers_beside_the_resources(cygnus: Path) -> None:
    results = json.loads((cygnus / "results.json").read_text())
    found = criteria(results)
    push = found["secops.push-protection"]
    (waived,) = [r for r in push["resources"] if r.get("waiver")]
    assert (
        waived["subject"] == "cygnus-ai/ci-templates" and waived["waiver"]["approver"] == "Head of security"
    )
    assert push["resource_counts"]["waived"] == 1
    # (cygnus-ai's IaC now passes on evidence: its central infrastructure repository serves the rest)
    waived_whole = found["cloudops.self-service"]
    assert waived_whole["status"] == "pass" and waived_whole["basis"] == "waived"
    assert waived_whole["waiver"]["approver"] == "CTO"
    remediation = found["secops.automated-remediation"]
    assert not any(r.get("waiver") for r in remediation["resources"]), "an expired waiver stops applying"
    states = {(e["criterion"], e["state"]) for e in results["waivers"]["entries"]}
    assert ("secops.automated-remediation", "expired") in states
    assert ("secops.push-protection", "applied") in states
    report = (cygnus / "report.md").read_text()
    assert "cygnus-ai/ci-templates (fails, waived by Head of security until 2099-12-31" in report
    assert "## Appendix: attested, not observed" in report


def test_attest_then_score_passes_and_a_past_expiry_leaves_it_unknown(cygnus: Path, tmp_path: Path) -> None:
    bundle = cygnus / "evidence.json.gz"
    good = tmp_path / "attestations.yaml"
    made = run(
        "attest",
        "peopleops.performance-objectives",
        "--by",
        "Dana Reyes (CPO)",
        "--expires",
        "2099-06-30",
        "--evidence",
        "https://wiki.cygnus.example/people/objectives",
        "--file",
        good,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    results = score(bundle, tmp_path / "live", "--attestations", good)
    objective = criteria(results)["peopleops.performance-objectives"]
    assert (objective["status"], objective["basis"]) == ("pass", "attested")
    assert objective["attested"]["attested_by"] == "Dana Reyes (CPO)"
    assert len(results["attestations"]["sha256"]) == 64
    again = score(bundle, tmp_path / "again", "--attestations", good)
    assert (tmp_path / "live" / "results.json").read_bytes() == (
        tmp_path / "again" / "results.json"
    ).read_bytes()
    assert json.dumps(again) == json.dumps(results)

    old = tmp_path / "old.yaml"
    made = run(
        "attest",
        "peopleops.performance-objectives",
        "--by",
        "Dana Reyes (CPO)",
        "--date",
        "2020-01-01",
        "--expires",
        "2020-12-31",
        "--evidence",
        "https://wiki.cygnus.example/people/objectives",
        "--file",
        old,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    expired = criteria(score(bundle, tmp_path / "old", "--attestations", old))[
        "peopleops.performance-objectives"
    ]
    assert expired["status"] == "unknown" and expired["reason"] == "attestation_expired"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (
            "- {criterion: secops.push-protection, resource: 'nobody/*', justification: j, approver: a, "
            "expires: 2099-01-01}\n",
            "waivers entry 1 (secops.push-protection): resource 'nobody/*' matches none",
        ),
        (
            "- {criterion: secops.nope, justification: j, approver: a, expires: 2099-01-01}\n",
            "unknown criterion",
        ),
        (
            "- {criterion: secops.push-protection, approver: a, expires: 2099-01-01}\n",
            "justification is missing",
        ),
        (
            "- {criterion: secops.push-protection, justification: j, approver: a, expires: soon}\n",
            "not a date",
        ),
    ],
)
def test_bad_waivers_exit_2_and_write_nothing(cygnus: Path, tmp_path: Path, body: str, needle: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(body)
    proc = run(
        "score", cygnus / "evidence.json.gz", "--out", tmp_path / "out", "--no-history", "--waivers", path
    )
    assert_clean_error(proc, 2, needle)
    assert str(path) in proc.stderr
    assert not (tmp_path / "out" / "results.json").exists()


def test_audit_reads_both_files_from_the_config(tmp_path: Path) -> None:
    (tmp_path / "paper").mkdir()
    (tmp_path / "paper" / "waivers.yaml").write_text(
        "- {criterion: mlops.tracking, justification: tracking moves to a new server, approver: CTO, "
        "expires: 2099-01-01}\n"
    )
    (tmp_path / "paper" / "attestations.yaml").write_text(
        "attestations:\n"
        "  - {criterion: peopleops.ownership-culture, statement: s, attested_by: CEO, date: 2024-01-01, "
        "expires: 2099-01-01, evidence: doc://board-minutes/2024-01}\n"
    )
    cfg = tmp_path / "audit.yaml"
    cfg.write_text(
        "scope: offline\nattestations: paper/attestations.yaml\nwaivers: paper/waivers.yaml\n"
        f"collectors:\n  mlflow:\n    tracking_uri: http://127.0.0.1:{closed_port()}\n    max_retries: 0\n"
        "    request_timeout: 2\n"
    )
    proc = run("audit", "-c", cfg, "--out", tmp_path / "out", "--no-history", "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    found = criteria(results)
    assert (found["mlops.tracking"]["status"], found["mlops.tracking"]["basis"]) == ("pass", "waived")
    assert found["peopleops.ownership-culture"]["basis"] == "attested"
    raw = run("audit", "-c", cfg, "--out", tmp_path / "raw", "--no-history", "-q", "--no-waivers")
    assert raw.returncode == 0, raw.stdout + raw.stderr
    raw_found = criteria(json.loads((tmp_path / "raw" / "results.json").read_text()))
    assert raw_found["mlops.tracking"]["basis"] == "observed"
    assert raw_found["mlops.tracking"]["status"] == "unknown"
