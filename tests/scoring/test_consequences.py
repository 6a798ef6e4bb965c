"""`consequence:` — what a gap leads to, written once in the ruleset beside each recommendation."""

from __future__ import annotations

import pytest

from assay.errors import RulesetError
from assay.scoring import builtin_ruleset_ids, dump_ruleset_yaml, load_rulesets, score


def test_every_builtin_criterion_says_what_its_gap_leads_to(catalog) -> None:  # type: ignore[no-untyped-def]
    rulesets = load_rulesets(builtin_ruleset_ids(), [], catalog)
    criteria = [c for rs in rulesets for _, c in rs.criteria()]
    assert len(criteria) > 100
    for c in criteria:
        text = c.consequence.strip()
        assert text and text[0].isupper() and text.endswith("."), c.id
        assert text.count(". ") == 0, f"{c.id}: one sentence"
        assert text != c.recommendation.strip(), c.id
    # written once per criterion: no two criteria share a sentence word for word within a ruleset
    for rs in rulesets:
        texts = [c.consequence for _, c in rs.criteria()]
        assert len(set(texts)) == len(texts), rs.id


def test_a_users_ruleset_carries_its_own_consequence_into_results(write_rules, catalog, make_bundle) -> None:  # type: ignore[no-untyped-def]
    override = write_rules(
        "ours.yaml",
        """
        extends: ai-cmm
        criteria:
          mlops.registry:
            consequence: Nobody can say which model is live.
        areas:
          - id: mlops
            criteria:
              - id: mlops.production
                level: 3
                title: Models reach production
                when: signals.ml.production.count >= 1
                recommendation: Ship a model.
        """,
    )
    rulesets = load_rulesets(["ai-cmm"], [override], catalog)
    results = score(make_bundle({"ml.registry.versioned_models": 0}), rulesets, catalog)
    area = results.area("mlops")
    assert area is not None
    by_id = {c.id: c for c in area.criteria}
    assert by_id["mlops.registry"].consequence == "Nobody can say which model is live."
    assert by_id["mlops.production"].consequence is None  # optional: left out of results.json
    assert "consequence: Nobody can say which model is live." in dump_ruleset_yaml(rulesets[0])


def test_consequence_must_be_text(write_rules, catalog) -> None:  # type: ignore[no-untyped-def]
    bad = write_rules(
        "bad.yaml",
        """
        extends: ai-cmm
        criteria:
          mlops.registry:
            consequence: [not, a, sentence]
        """,
    )
    with pytest.raises(RulesetError, match="consequence"):
        load_rulesets(["ai-cmm"], [bad], catalog)
