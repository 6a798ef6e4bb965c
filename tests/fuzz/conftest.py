"""The fuzz suite's fixed budget: a derandomised Hypothesis profile (same examples every run, nothing
written into the checkout), and a count of the cases tried, printed at the end of the run."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    "assay-fuzz",
    max_examples=int(os.environ.get("ASSAY_FUZZ_EXAMPLES", "40")),
    derandomize=True,  # a fixed set of examples: CI is reproducible and its time is bounded
    deadline=None,  # no per-example timing assertion; a hang guard in the harness bounds each case
    database=None,  # never write .hypothesis/ into the checkout
    suppress_health_check=list(HealthCheck),
    print_blob=False,
    # shrinking a failure can take minutes; CI reports the failing case as found (ASSAY_FUZZ_SHRINK=1 shrinks)
    phases=[p for p in Phase if p is not Phase.shrink or os.environ.get("ASSAY_FUZZ_SHRINK") == "1"],
)
settings.load_profile("assay-fuzz")

CASES_PROPERTY = "fuzz_cases"


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """`fuzz: N cases tried` (summed over xdist workers through the reports' user_properties; the count
    is recorded at teardown, so every report of a test is looked at and each test counted once)."""
    per_test: dict[str, int] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", None) or []:
                if name == CASES_PROPERTY:
                    per_test[report.nodeid] = max(per_test.get(report.nodeid, 0), int(value))
    if per_test:
        terminalreporter.write_line(
            f"fuzz: {sum(per_test.values())} cases tried over {len(per_test)} reader tests"
        )
