"""Signals over populations keep each member's verdict, additively: old bundles keep their digests."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from assay.bundleio import read_bundle, write_bundle
from assay.collectors.derive import EvidenceView, Measured, SignalSet, per_evidence
from assay.evidence import (
    Aggregate,
    Bundle,
    CollectorRun,
    Confidence,
    Evidence,
    MemberStatus,
    Signal,
    SignalType,
    aggregate_value,
)

AT = datetime(2026, 6, 1, tzinfo=UTC)


def item(name: str, **data: object) -> Evidence:
    return Evidence.make(
        source="toy", kind="toy.repo", subject=name, endpoint="GET /r", observed_at=AT, data=data
    )


def derive(fn) -> Signal:  # type: ignore[no-untyped-def]
    toys = SignalSet("toy")
    toys.signal("toy.s", type=SignalType.RATIO, confidence=Confidence.HIGH, description="d")(fn)
    evidence = [item("b", ok=True), item("a", ok=False), item("c", ok=True)]
    (signal,) = toys.derive(EvidenceView(evidence, {"toy": CollectorRun(name="toy", status="ok")}))
    return signal


def test_share_records_sorted_members_and_its_aggregate() -> None:
    def share(view: EvidenceView) -> Measured:
        repos = view.of_kind("toy.repo")
        return Measured.share(repos, [r for r in repos if r.data["ok"]])

    signal = derive(share)
    assert signal.value == 0.6667 and signal.aggregate is Aggregate.RATIO
    assert [(m.subject, m.status) for m in signal.members] == [
        ("a", MemberStatus.FAIL),
        ("b", MemberStatus.PASS),
        ("c", MemberStatus.PASS),
    ]
    assert aggregate_value(signal.aggregate, signal.members) == signal.value


def test_count_and_every() -> None:
    def count(view: EvidenceView) -> Measured:
        repos = view.of_kind("toy.repo")
        return Measured.count(repos, [r for r in repos if r.data["ok"]])

    def every(view: EvidenceView) -> Measured:
        repos = view.of_kind("toy.repo")
        return Measured.every(repos, [r for r in repos if r.data["ok"]])

    assert derive(count).value == 2 and derive(count).aggregate is Aggregate.COUNT
    assert derive(every).value is False and derive(every).aggregate is Aggregate.ALL


def test_per_evidence_fails_an_owner_with_any_bad_item() -> None:
    a, b = item("a"), item("b")
    members = per_evidence([(a, 1), (a, 0), (b, 1)], bool)
    assert [(m.subject, m.status) for m in members] == [("a", MemberStatus.FAIL), ("b", MemberStatus.PASS)]


def test_members_are_left_out_when_empty_so_old_digests_hold(tmp_path: Path) -> None:
    plain = Signal.ok("toy.n", "toy", 3, [])
    assert "members" not in plain.model_dump() and "aggregate" not in plain.model_dump()
    bundle = Bundle(
        tool_version="t",
        created_at=AT,
        evidence=[item("b", ok=True), item("a", ok=False), item("c", ok=True)],
        signals=[plain, derive(lambda v: Measured.share(v.of_kind("toy.repo"), []))],
    ).seal()
    assert bundle.signals[1].model_dump()["members"][0]["status"] == "fail"
    path = write_bundle(bundle, tmp_path / "b.json.gz")
    again = read_bundle(path)
    assert again.sha256() == bundle.sha256() and again.signals == bundle.signals
