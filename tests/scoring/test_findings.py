"""Per-resource verdicts, attestations, waivers and observed levels, on hand-built bundles."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assay.errors import ConfigError
from assay.evidence import Aggregate, Bundle, CollectorRun, Evidence, Member, MemberStatus, Signal
from assay.scoring import load_rulesets, results_to_json, score
from assay.scoring.findings import RESOURCE_CAP
from assay.scoring.paperwork import load_paperwork
from assay.scoring.results import CriterionResult, Results

COLLECTED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
AREAS = """
- id: alpha
  title: Alpha
  sources: [github]
  criteria:
    - id: alpha.owned
      level: 2
      title: ML repositories are owned by teams
      when: signals.people.team_ownership.ratio >= 0.75
      recommendation: Name a team in CODEOWNERS.
    - id: alpha.protected
      level: 3
      title: Branches are protected
      when: signals.secops.branch_protection.ratio >= 0.9
      recommendation: Protect default branches.
    - id: alpha.culture
      level: 4
      title: An ownership culture
      attestation: true
      recommendation: Attest it.
"""


def repo(name: str) -> Evidence:
    return Evidence.make(
        source="github",
        kind="github.repo",
        subject=f"acme/{name}",
        endpoint="GraphQL organization.repositories",
        observed_at=COLLECTED,
        data={"name": name},
    )


def population_signal(name: str, verdicts: list[tuple[Evidence, bool]]) -> Signal:
    members = [
        Member(subject=e.subject, status=MemberStatus.PASS if ok else MemberStatus.FAIL, evidence=e.id)
        for e, ok in verdicts
    ]
    value = round(sum(ok for _, ok in verdicts) / len(verdicts), 4)
    return Signal.ok(name, "github", value, [e.id for e, _ in verdicts], members, Aggregate.RATIO)


@pytest.fixture
def bundle() -> Bundle:
    repos = {n: repo(n) for n in ("api", "models", "notebooks", "sandbox-1", "sandbox-2", "serving")}
    owned = [(r, n not in ("sandbox-1", "notebooks")) for n, r in repos.items()]  # 4/6 = 0.6667 < 0.75
    protected = [(r, n != "sandbox-2") for n, r in repos.items()]  # 5/6 = 0.8333 < 0.9
    return Bundle(
        tool_version="test",
        created_at=COLLECTED,
        collectors=[
            CollectorRun(name="github", status="ok", details={"base_url": "https://ghe.acme.example/api/v3"})
        ],
        evidence=list(repos.values()),
        signals=[
            population_signal("people.team_ownership.ratio", owned),
            population_signal("secops.branch_protection.ratio", protected),
        ],
    ).seal()


@pytest.fixture
def rulesets(test_ruleset, catalog):  # type: ignore[no-untyped-def]
    return load_rulesets([], [test_ruleset(AREAS)], catalog)


def paper(tmp_path: Path, kind: str, body: str, rulesets):  # type: ignore[no-untyped-def]
    path = tmp_path / f"{kind}.yaml"
    path.write_text(textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return load_paperwork(path, kind, rulesets)  # type: ignore[arg-type]


def waiver(glob: str) -> str:
    """A one-entry waivers file for alpha.owned resources matching ``glob``."""
    fields = "justification: j, approver: a, expires: 2027-01-01"
    return f"- {{criterion: alpha.owned, resource: '{glob}', {fields}}}\n"


def criterion(results: Results, cid: str) -> CriterionResult:
    return next(c for rs in results.rulesets for a in rs.areas for c in a.criteria if c.id == cid)


def test_resources_fail_first_with_links_on_the_ghe_host(bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    results = score(bundle, rulesets, catalog)
    owned = criterion(results, "alpha.owned")
    assert owned.status == "fail" and owned.basis == "observed"
    assert [(r.subject, r.status) for r in owned.resources[:2]] == [
        ("acme/notebooks", "fail"),
        ("acme/sandbox-1", "fail"),
    ]
    assert {r.status for r in owned.resources[2:]} == {"pass"}
    assert owned.resources[0].url == "https://ghe.acme.example/acme/notebooks"
    assert owned.resources[0].source == "github"
    assert owned.resources[0].signals == ["people.team_ownership.ratio"]
    assert owned.resource_counts is not None and owned.resource_counts.model_dump(by_alias=True) == {
        "pass": 4,
        "fail": 2,
        "waived": 0,
    }
    protected = criterion(results, "alpha.protected")
    assert protected.resources[0].url == "https://ghe.acme.example/acme/sandbox-2/settings/branches"


def test_resources_are_capped_but_counted(rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    many = [(repo(f"r{i:03}"), i % 3 != 0) for i in range(RESOURCE_CAP + 25)]
    big = Bundle(
        tool_version="test",
        created_at=COLLECTED,
        collectors=[CollectorRun(name="github", status="ok")],
        evidence=[e for e, _ in many],
        signals=[population_signal("people.team_ownership.ratio", many)],
    ).seal()
    owned = criterion(score(big, rulesets, catalog), "alpha.owned")
    assert len(owned.resources) == RESOURCE_CAP
    assert owned.resource_counts is not None
    assert owned.resource_counts.fail == 25 and owned.resource_counts.passed == 50
    assert all(r.status == "fail" for r in owned.resources[:25])
    assert owned.resources[0].url == "https://github.com/acme/r000"


def test_waived_resource_leaves_the_population(tmp_path, bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    waivers = paper(
        tmp_path,
        "waivers",
        """
        waivers:
          - criterion: alpha.owned
            resource: "acme/sandbox-*"
            justification: sandboxes belong to nobody
            approver: Head of platform
            expires: 2026-12-31
        """,
        rulesets,
    )
    results = score(bundle, rulesets, catalog, waivers=waivers)
    owned = criterion(results, "alpha.owned")
    # both sandboxes leave the population: 3 of the 4 left are owned, 0.75 >= 0.75
    assert owned.status == "pass" and owned.basis == "observed"
    assert [s.value for s in owned.signals] == [0.75]
    waived = [r for r in owned.resources if r.waiver is not None]
    assert [(r.subject, r.status) for r in waived] == [("acme/sandbox-1", "fail"), ("acme/sandbox-2", "pass")]
    assert waived[0].waiver is not None and waived[0].waiver.approver == "Head of platform"
    assert owned.resources[0].subject == "acme/notebooks", "unwaived failures still come first"
    assert results.waivers is not None
    assert results.waivers.entries[0].state == "applied"
    assert results.waivers.entries[0].matched == ["acme/sandbox-1", "acme/sandbox-2"]
    assert _area_of(results, "alpha").level == 2
    assert _area_of(results, "alpha").observed_level == 1, "observed evidence alone does not pass"


def test_whole_criterion_waiver_passes_with_basis_waived(tmp_path, bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    waivers = paper(
        tmp_path,
        "waivers",
        """
        - criterion: alpha.owned
          justification: ownership is moving to the new org chart
          approver: CTO
          expires: 2026-06-01
        """,
        rulesets,
    )
    owned = criterion(score(bundle, rulesets, catalog, waivers=waivers), "alpha.owned")
    assert owned.status == "pass" and owned.basis == "waived"
    assert owned.waiver is not None and owned.waiver.justification.startswith("ownership")
    assert owned.resource_counts is not None and owned.resource_counts.fail == 2, "shown, never silently"


def test_expired_waiver_stops_applying_and_is_listed(tmp_path, bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    waivers = paper(
        tmp_path,
        "waivers",
        """
        - criterion: alpha.owned
          justification: was fine last year
          approver: CTO
          expires: 2026-05-31
        - criterion: alpha.protected
          resource: acme/nothing-like-this
          justification: expired, so its glob is not checked
          approver: CTO
          expires: 2025-01-01
        """,
        rulesets,
    )
    results = score(bundle, rulesets, catalog, waivers=waivers)
    assert criterion(results, "alpha.owned").status == "fail"
    assert criterion(results, "alpha.owned").basis == "observed"
    assert results.waivers is not None
    assert [e.state for e in results.waivers.entries] == ["expired", "expired"]


def test_attestation_passes_and_expires_against_collection_time(tmp_path, bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    body = """
        attestations:
          - criterion: alpha.culture
            statement: Teams own their services end to end
            attested_by: Jane Doe (CEO)
            date: 2026-01-10
            expires: {expires}
            evidence: https://wiki.acme.example/culture
        """
    live = paper(tmp_path, "attestations", body.format(expires="2026-06-01"), rulesets)
    culture = criterion(score(bundle, rulesets, catalog, attestations=live), "alpha.culture")
    assert culture.status == "pass" and culture.basis == "attested"
    assert culture.attested is not None and culture.attested.attested_by == "Jane Doe (CEO)"
    old = paper(tmp_path, "attestations", body.format(expires="2026-05-31"), rulesets)
    results = score(bundle, rulesets, catalog, attestations=old)
    culture = criterion(results, "alpha.culture")
    assert culture.status == "unknown" and culture.reason == "attestation_expired"
    assert "expired on 2026-05-31" in (culture.message or "")
    assert results.attestations is not None and results.attestations.entries[0].state == "expired"
    assert len(results.attestations.sha256) == 64


def test_without_paperwork_only_observed(bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    results = score(bundle, rulesets, catalog)
    culture = criterion(results, "alpha.culture")
    assert culture.status == "unknown" and culture.reason == "attestation" and culture.basis == "observed"
    assert results.attestations is None and results.waivers is None
    assert results.rulesets[0].overall.observed_level == results.rulesets[0].overall.level


def test_same_inputs_same_bytes(tmp_path, bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    waivers = paper(
        tmp_path,
        "waivers",
        waiver("acme/s*"),
        rulesets,
    )
    first = results_to_json(score(bundle, rulesets, catalog, waivers=waivers))
    assert first == results_to_json(score(bundle, rulesets, catalog, waivers=waivers))


GOOD = "statement: s, attested_by: b, evidence: e"


@pytest.mark.parametrize(
    ("kind", "body", "needle"),
    [
        (
            "waivers",
            "- {criterion: alpha.nope, justification: j, approver: a, expires: 2027-01-01}",
            "unknown criterion id 'alpha.nope'",
        ),
        (
            "waivers",
            "- {criterion: alpha.owned, justification: j, expires: 2027-01-01}",
            "entry 2 (alpha.owned): approver is missing",
        ),
        (
            "waivers",
            "- {criterion: alpha.owned, justification: j, approver: a, expires: 31/12/2027}",
            "expires '31/12/2027' is not a date",
        ),
        (
            "waivers",
            "- {criterion: alpha.owned, justification: j, approver: a, expires: 2027-01-01, why: x}",
            "why is not a field",
        ),
        (
            "attestations",
            "- {criterion: alpha.owned, date: 2026-01-01, expires: 2027-01-01, " + GOOD + "}",
            "decided from infrastructure; observed evidence wins",
        ),
        (
            "attestations",
            "- {criterion: alpha.culture, date: 2026-01-01, expires: 2025-01-01, " + GOOD + "}",
            "is before the attestation's date",
        ),
        ("attestations", "attestations: {criterion: alpha.culture}", "must hold a list"),
    ],
)
def test_bad_entries_name_file_and_entry(tmp_path, rulesets, kind, body, needle) -> None:  # type: ignore[no-untyped-def]
    good = "- {criterion: alpha.owned, justification: j, approver: a, expires: 2027-01-01}\n"
    text = (good if kind == "waivers" else "") + body + "\n"
    with pytest.raises(ConfigError) as err:
        paper(tmp_path, kind, text, rulesets)
    assert needle in str(err.value)
    assert str(tmp_path / f"{kind}.yaml") in str(err.value)


def test_glob_matching_nothing_is_an_error(tmp_path, bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    waivers = paper(
        tmp_path,
        "waivers",
        waiver("other/*"),
        rulesets,
    )
    with pytest.raises(
        ConfigError, match=r"waivers entry 1 \(alpha.owned\): resource 'other/\*' matches none"
    ):
        score(bundle, rulesets, catalog, waivers=waivers)


def test_every_member_waived_is_not_applicable(tmp_path, bundle, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    waivers = paper(
        tmp_path,
        "waivers",
        waiver("acme/*"),
        rulesets,
    )
    owned = criterion(score(bundle, rulesets, catalog, waivers=waivers), "alpha.owned")
    assert owned.status == "not_applicable" and owned.reason == "not_applicable"
    assert owned.resource_counts is not None and owned.resource_counts.waived == 6


def _area_of(results: Results, area_id: str):  # type: ignore[no-untyped-def]
    area = results.area(area_id)
    assert area is not None
    return area
