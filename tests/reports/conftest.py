"""Fixtures for the report tests: the sample bundle and its results, scored by the real engine."""

from __future__ import annotations

import pytest

from assay.evidence import Bundle
from assay.scoring import Results
from tests.reports import sample


@pytest.fixture(scope="session")
def sample_bundle() -> Bundle:
    return sample.bundle()


@pytest.fixture(scope="session")
def sample_results(sample_bundle: Bundle) -> Results:
    return sample.results(sample_bundle)
