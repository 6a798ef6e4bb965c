"""Every report format by name, its fixed file name, and writing the chosen ones into an output folder.

Renderers are imported when used, so choosing `junit` never loads matplotlib.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assay.digest import write_chunks
from assay.errors import AssayError
from assay.evidence import Bundle
from assay.history.trend import TrendPoint
from assay.reports.facts import ReportMeta
from assay.reports.gate import GateTargets
from assay.scoring import Results

FILE_NAMES = {
    "json": "results.json",
    "md": "report.md",
    "html": "report.html",
    "junit": "junit.xml",
    "sarif": "results.sarif",
    "prometheus": "assay.prom",
    "summary": "summary.md",
    "charts": "charts",
    "pdf": "report.pdf",
    "oscal": "assessment-results.json",
}
BINARY_FORMATS = ("charts", "pdf")  # written as files only, never to standard output
FORMATS = tuple(FILE_NAMES)
DEFAULT_FORMATS = ("json", "md", "html")


@dataclass
class ReportInputs:
    """What reports are rendered from: the results, and optionally the bundle, history and config path."""

    results: Results
    bundle: Bundle | None = None
    trend: Sequence[TrendPoint] = field(default_factory=list)
    previous: Results | None = None
    artifact: str = "audit.yaml"
    meta: ReportMeta = field(default_factory=ReportMeta)  # the config's `report:` section
    gate: GateTargets = field(default_factory=GateTargets)  # --fail-under: what SARIF/JUnit fail on


def parse_formats(specs: Iterable[str] | None, default: Sequence[str] = DEFAULT_FORMATS) -> list[str]:
    """`--format md,html --format junit` -> ["md", "html", "junit"]; `all` means every format."""
    chosen: list[str] = []
    for spec in specs or []:
        for name in (s.strip().lower() for s in spec.split(",")):
            if not name:
                continue
            names = list(FORMATS) if name == "all" else [name]
            for n in names:
                if n not in FILE_NAMES:
                    raise AssayError(
                        f"--format {n!r} is not a report format; choose from: {', '.join(FORMATS)}, all"
                    )
                if n not in chosen:
                    chosen.append(n)
    return chosen or list(default)


def only_models(results: Results, ruleset_ids: Sequence[str]) -> Results:
    """The results limited to the maturity models asked for (all of them when none is named)."""
    if not ruleset_ids:
        return results
    known = [rs.id for rs in results.rulesets]
    unknown = [r for r in ruleset_ids if r not in known]
    if unknown:
        raise AssayError(
            f"--ruleset {unknown[0]!r} is not in these results; they hold: {', '.join(known) or 'none'}"
        )
    kept = [rs for rs in results.rulesets if rs.id in ruleset_ids]
    return results.model_copy(update={"rulesets": kept})


def render_text(fmt: str, inputs: ReportInputs) -> str:
    """One text format rendered (every format but `charts`)."""
    chunked = _CHUNKED_RENDERERS.get(fmt)
    if chunked is not None:
        return "".join(chunked(inputs))
    renderer = _TEXT_RENDERERS.get(fmt)
    if renderer is None:
        raise AssayError(f"--format {fmt!r} writes files, not text; give --out DIR")
    return renderer(inputs)


def write_format(fmt: str, out: Path, inputs: ReportInputs) -> list[Path]:
    """Write one format into `out` under its fixed name; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "charts":
        return write_charts(out / FILE_NAMES["charts"], inputs)
    if fmt == "pdf":
        from assay.reports.pdf import render_pdf

        data = render_pdf(inputs.results, inputs.bundle, inputs.trend, inputs.meta)
        return [atomic_write_bytes(out / FILE_NAMES["pdf"], data)]
    chunked = _CHUNKED_RENDERERS.get(fmt)
    if chunked is not None:
        return [atomic_write_chunks(out / FILE_NAMES[fmt], chunked(inputs))]
    return [atomic_write(out / FILE_NAMES[fmt], render_text(fmt, inputs))]


def write_formats(out: Path, formats: Iterable[str], inputs: ReportInputs) -> list[Path]:
    written: list[Path] = []
    for fmt in formats:
        written += write_format(fmt, out, inputs)
    return written


def write_charts(folder: Path, inputs: ReportInputs) -> list[Path]:
    """Radar, heat map (and trend, with history) per ruleset, each as SVG and PNG, for slide decks."""
    from assay.reports import charts

    written: list[Path] = []
    for rs in inputs.results.rulesets:
        figures = {"radar": charts.radar(rs), "heatmap": charts.heatmap(rs)}
        if len(inputs.trend) > 1:
            figures["trend"] = charts.trend(rs, inputs.trend)
        for name, fig in figures.items():
            for suffix in (".svg", ".png"):
                written.append(charts.save(fig, folder / f"{name}-{rs.id}{suffix}"))
    return written


def atomic_write(path: Path, text: str) -> Path:
    """Write text so a reader never sees half a file (temp file + rename)."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_chunks(path: Path, chunks: Iterable[str]) -> Path:
    """Write text produced piece by piece, atomically, never holding the whole of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as stream:
            write_chunks(chunks, stream)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def _json(i: ReportInputs) -> str:
    from assay.scoring import results_to_json

    return results_to_json(i.results)


def _md(i: ReportInputs) -> Iterator[str]:
    from assay.reports.markdown import markdown_chunks

    return markdown_chunks(i.results, i.bundle, i.meta)


def _html(i: ReportInputs) -> Iterator[str]:
    from assay.reports.html import html_chunks

    return html_chunks(i.results, i.bundle, i.trend, i.meta)


def _oscal(i: ReportInputs) -> str:
    from assay.reports.oscal import render_oscal

    return render_oscal(i.results, i.bundle)


def _junit(i: ReportInputs) -> str:
    from assay.reports.junit import render_junit

    return render_junit(i.results, i.gate)


def _sarif(i: ReportInputs) -> str:
    from assay.reports.sarif import render_sarif

    return render_sarif(i.results, i.artifact, i.gate)


def _prometheus(i: ReportInputs) -> str:
    from assay.reports.prometheus import render_prometheus

    return render_prometheus(i.results)


def _summary(i: ReportInputs) -> str:
    from assay.reports.summary import render_summary

    return render_summary(i.results, i.previous)


# Reports that can list every evidence item: rendered piece by piece, straight into their file.
_CHUNKED_RENDERERS: dict[str, Callable[[ReportInputs], Iterator[str]]] = {"md": _md, "html": _html}

_TEXT_RENDERERS: dict[str, Callable[[ReportInputs], str]] = {
    "json": _json,
    "junit": _junit,
    "sarif": _sarif,
    "prometheus": _prometheus,
    "summary": _summary,
    "oscal": _oscal,
}
