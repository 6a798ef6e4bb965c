"""Charts: deterministic SVG, real PNG files, and the `charts` format writing one set per ruleset."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from assay.reports import charts
from assay.reports.formatting import heading
from assay.reports.outputs import ReportInputs, write_format
from assay.scoring import Results


def test_svg_is_deterministic_and_inline(sample_results: Results) -> None:
    rs = sample_results.rulesets[0]
    first, second = charts.to_svg(charts.radar(rs), "radar"), charts.to_svg(charts.radar(rs), "radar")
    assert first == second
    assert first.startswith("<svg") and "<?xml" not in first
    assert "Collaboration &amp;" in first  # text stays text (svg.fonttype none): readable and searchable
    heat = charts.to_svg(charts.heatmap(rs))
    assert "✓2 ✗1" in heat and "floor" in heat


def test_charts_format_writes_svg_and_png_per_ruleset(tmp_path: Path, sample_results: Results) -> None:
    points = [
        charts.TrendPoint("#1", datetime(2025, 2, 1, tzinfo=UTC), {"mlops-report:collaboration": (1, 3)}),
        charts.TrendPoint("#2", sample_results.generated_at, {"mlops-report:collaboration": (2, 5)}),
    ]
    written = write_format("charts", tmp_path, ReportInputs(sample_results, trend=points))
    names = sorted(p.relative_to(tmp_path).as_posix() for p in written)
    assert names == sorted(
        f"charts/{kind}-{rs}.{ext}"
        for kind in ("radar", "heatmap", "trend")
        for rs in ("mlops-report", "ai-cmm")
        for ext in ("svg", "png")
    )
    png = (tmp_path / "charts" / "radar-mlops-report.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 20_000
    svg = (tmp_path / "charts" / "heatmap-ai-cmm.svg").read_text()
    assert "<svg" in svg and "DevOps" in svg


def test_without_history_there_is_no_trend_chart(tmp_path: Path, sample_results: Results) -> None:
    written = write_format("charts", tmp_path, ReportInputs(sample_results))
    assert not [p for p in written if "trend" in p.name]
    assert len(written) == 8


def test_an_undecided_audit_is_hatched_never_a_drop(sample_results: Results) -> None:
    """Audit #2 could not read a source: the area is 1–4 there. It must not be drawn as a fall to 1."""
    rs = sample_results.rulesets[0]
    key = f"{rs.id}:{rs.areas[0].id}"
    points = [
        charts.TrendPoint("#1", datetime(2025, 1, 1, tzinfo=UTC), {key: (3, 3)}),
        charts.TrendPoint("#2", datetime(2025, 2, 1, tzinfo=UTC), {key: (1, 4)}),
        charts.TrendPoint("#3", datetime(2025, 3, 1, tzinfo=UTC), {key: (3, 3)}),
    ]
    fig = charts.trend(rs, points)
    ax = fig.axes[0]
    line = next(ln for ln in ax.get_lines() if ln.get_label() == heading(rs.areas[0].title))
    ys = list(line.get_ydata())
    assert ys[0] == ys[2] == 3
    assert ys[1] != ys[1], "the undecided audit is a gap in the line (NaN), not a point at level 1"
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == 1
    bar = hatched[0]
    assert (bar.get_y(), bar.get_y() + bar.get_height()) == (1, 4)
    assert "undecided" in charts.to_svg(fig)
