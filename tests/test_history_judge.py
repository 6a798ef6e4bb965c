"""Drops judged on what the evidence decided: unknowns are undecided, a rules change is never a drop."""

from __future__ import annotations

from datetime import UTC, datetime

from assay.evidence import UnknownReason
from assay.history import Snapshot, diff, judge
from assay.scoring import Results, load_rulesets, score
from assay.scoring.model import Ruleset
from tests.reports import sample

MARCH = datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
APRIL = datetime(2025, 4, 7, 9, 30, tzinfo=UTC)


def stricter_rules() -> list[Ruleset]:
    """The sample's rules with the registry criterion asking for 100 versioned models instead of 1."""
    rulesets = load_rulesets([], sample.RULESET_FILES, sample.catalog())
    for rs in rulesets:
        for area in rs.areas:
            for c in area.criteria:
                if c.when and "ml.registry.versioned_models" in c.when:
                    c.when = "signals.ml.registry.versioned_models >= 100"
    return rulesets


def test_a_decided_lower_level_is_a_drop() -> None:
    old = sample.results(sample.bundle(created_at=MARCH))
    new = sample.results(sample.bundle({"ml.registry.versioned_models": 0}, created_at=APRIL))
    verdict = judge(old, new, baseline="audit #1")
    assert verdict.drop_words() == ["ai-cmm:mlops 3 -> 2"] and verdict.rules == "same"
    assert judge(new, old, baseline="audit #1").drops == [], "a rise is no drop"


def test_a_fall_caused_by_unknowns_is_undecided_not_a_drop() -> None:
    old = sample.results(sample.bundle(created_at=MARCH))
    new = sample.results(sample.bundle({"ml.tracking.logged_ratio": UnknownReason.ERROR}, created_at=APRIL))
    was, now = old.area("model-development"), new.area("model-development")
    assert was is not None and now is not None
    assert (was.level, was.upper, now.level, now.upper) == (2, 2, 1, 2), "level 2 is no longer decided"
    verdict = judge(old, new, baseline="audit #1", unread=["github (partial)"])
    assert verdict.drops == []
    (fall,) = verdict.undecided
    assert fall.unread == ["github"], "the source read only in part is named"
    assert fall.words("undecided") == "mlops-report:model-development undecided (github not read): 2 -> 1–2"
    (fall,) = judge(old, new, baseline="audit #1").undecided
    assert fall.unread == ["unknown criteria: error"], "without a source to blame, the reasons"


def test_an_undecided_baseline_counts_only_what_it_proved() -> None:
    old = sample.results(sample.bundle({"ml.repro.ratio": UnknownReason.DENIED}, created_at=MARCH))
    new = sample.results(sample.bundle(created_at=APRIL))
    was, now = old.area("model-development"), new.area("model-development")
    assert was is not None and now is not None
    assert (was.level, was.upper, now.level, now.upper) == (2, 5, 2, 2)
    assert judge(old, new, baseline="#1").drops == [], "it proved level 2 only; 2 is no drop"
    worse = sample.results(sample.bundle({"ml.tracking.logged_ratio": 0.1}, created_at=APRIL))
    assert judge(old, worse, baseline="#1").drop_words() == ["mlops-report:model-development 2 -> 1"]


def test_a_rules_change_is_never_a_drop() -> None:
    bundle = sample.bundle(created_at=MARCH)
    old = sample.results(bundle)
    new = score(sample.bundle(created_at=APRIL), stricter_rules(), sample.catalog())
    assert new.area("mlops").level < old.area("mlops").level  # type: ignore[union-attr]
    verdict = judge(old, new, baseline="audit #1")
    assert verdict.rules == "changed" and verdict.drops == [] and verdict.undecided == []
    assert "ai-cmm" in verdict.rules_changed
    assert [c.key for c in verdict.common] == ["ai-cmm:mlops"], "shown on the common criteria, not counted"
    assert any("rules changed since audit #1" in n for n in verdict.notes())


def test_with_the_baseline_bundle_the_rules_change_is_rescored() -> None:
    bundle = sample.bundle(created_at=MARCH)
    old = sample.results(bundle)
    strict = stricter_rules()
    new = score(sample.bundle(created_at=APRIL), strict, sample.catalog())
    verdict = judge(old, new, baseline="audit #1", rescore=lambda: score(bundle, strict, sample.catalog()))
    assert verdict.rules == "rescored" and verdict.drops == [] and verdict.common == []
    # a real drop under today's rules still shows after re-scoring
    worse = score(sample.bundle({"ml.tracking.runs_90d": 0}, created_at=APRIL), strict, sample.catalog())
    verdict = judge(old, worse, baseline="audit #1", rescore=lambda: score(bundle, strict, sample.catalog()))
    assert verdict.rules == "rescored" and "ai-cmm:mlops" in [d.key for d in verdict.drops]


def test_results_without_a_digest_count_as_other_rules() -> None:
    old = sample.results(sample.bundle(created_at=MARCH))
    without = [{**rs.model_dump(), "digest": None} for rs in old.rulesets]
    legacy = Results.model_validate({**old.model_dump(by_alias=True), "rulesets": without})
    new = sample.results(sample.bundle({"ml.registry.versioned_models": 0}, created_at=APRIL))
    assert all(rs.digest for rs in new.rulesets)
    assert judge(legacy, new, baseline="#1").drops == []
    assert judge(legacy, new, baseline="#1", rescore=lambda: old).drop_words() == ["ai-cmm:mlops 3 -> 2"]


def test_diff_uses_the_same_judgement() -> None:
    old = sample.results(sample.bundle(created_at=MARCH))
    new = score(sample.bundle(created_at=APRIL), stricter_rules(), sample.catalog())
    change = diff(Snapshot(label="a", results=old), Snapshot(label="b", results=new))
    assert change.judgement is not None and change.judgement.rules == "changed"
    assert change.drops() == [] and any(c.area == "mlops" for c in change.levels)
