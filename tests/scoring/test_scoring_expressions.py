"""What an expression reads, found from its source; and the nesting of dotted signal names."""

from __future__ import annotations

import pytest

from assay.scoring.expressions import nest, references


@pytest.mark.parametrize(
    ("source", "signals", "params", "areas"),
    [
        ("signals.ml.tracking.runs_90d >= params.min_runs", ("ml.tracking.runs_90d",), ("min_runs",), ()),
        ('"signals.fake.name" == "x" && areas.mlops.level >= 2', (), (), ("mlops",)),
        ("'params.nope' in signals.ml.production.models", ("ml.production.models",), (), ()),
        ('signals.ml.production.models.exists(m, m == "churn")', ("ml.production.models",), (), ()),
        ("size(signals.ml.production.models) >= 1", ("ml.production.models",), (), ()),
        (
            "areas.model_development.level >= 2 || areas.mlops.level > 3 && signals.a.b > signals.a.c",
            ("a.b", "a.c"),
            (),
            ("mlops", "model_development"),
        ),
    ],
)
def test_references(source, signals, params, areas) -> None:
    refs = references(source)
    assert (refs.signals, refs.params, refs.areas) == (signals, params, areas)


def test_area_fields_other_than_level_are_reported() -> None:
    assert references("areas.mlops.upper >= 2").area_fields == (("mlops", "upper"),)
    assert references("areas.mlops.level >= 2").area_fields == ()


def test_nest() -> None:
    assert nest({"ml.tracking.runs": 3, "ml.tracking.ratio": 0.5, "collab.x": 1}) == {
        "ml": {"tracking": {"runs": 3, "ratio": 0.5}},
        "collab": {"x": 1},
    }
