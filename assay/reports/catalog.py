"""The signal catalog and ruleset listing, generated from declarations (never written by hand)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict

from rich.console import Console
from rich.table import Table

from assay.errors import AssayError
from assay.evidence import SignalSpec
from assay.scoring.sources import CriterionSources

_CONFIDENCE = {"H": "high (a direct artifact)", "M": "medium (indirect)", "L": "low (a behavioural proxy)"}


def render_catalog(console: Console, catalog: Mapping[str, SignalSpec], source: str | None, fmt: str) -> str:
    """Render the catalog as a terminal table (printed, returns ""), Markdown or JSON."""
    specs = [s for s in catalog.values() if source is None or source == s.source or source in s.reads]
    if source is not None and not specs:
        known = sorted({s.source for s in catalog.values()} | {r for s in catalog.values() for r in s.reads})
        raise AssayError(f"no signals from source {source!r}; sources: {', '.join(known)}")
    if fmt == "json":
        return json.dumps([s.model_dump(mode="json") for s in specs], indent=2) + "\n"
    if fmt == "md":
        lines = ["| Signal | Source | Type | Unit | Confidence | Description |", "|---|---|---|---|---|---|"]
        lines += [
            f"| `{s.name}` | {_source(s)} | {s.type.value} | {s.unit} | {s.confidence.value} "
            f"| {s.description} |"
            for s in specs
        ]
        return "\n".join(lines) + "\n"
    if fmt != "table":
        raise AssayError(f"--format {fmt!r} is not supported; choose table, md or json")
    table = Table(title=f"{len(specs)} signals", title_justify="left")
    for col in ("signal", "source", "type", "unit", "conf.", "description"):
        table.add_column(col, overflow="fold")
    for s in specs:
        table.add_row(s.name, _source(s), s.type.value, s.unit, s.confidence.value, s.description)
    console.print(table)
    console.print("confidence: " + "; ".join(f"{k} = {v}" for k, v in _CONFIDENCE.items()))
    return ""


def _source(spec: SignalSpec) -> str:
    """The declaring source, and for a cross-source signal the sources whose evidence it reads."""
    if not spec.reads or spec.reads == (spec.source,):
        return spec.source
    return f"{spec.source} ({', '.join(spec.reads)})"


def print_rulesets(console: Console, rulesets: list) -> None:  # type: ignore[type-arg]
    """List rulesets with their areas and how many criteria each level has."""
    for rs in rulesets:
        table = Table(title=f"{rs.id} — {rs.title}", title_justify="left")
        table.add_column("area")
        table.add_column("title")
        for level in range(2, 6):
            table.add_column(f"L{level}", justify="right")
        table.add_column("decided by")
        for area in rs.areas:
            counts = [sum(1 for c in area.criteria if c.level == lv) for lv in range(2, 6)]
            table.add_row(area.id, area.title, *[str(n) for n in counts], ", ".join(area.sources))
        console.print(table)


def render_criterion_sources(console: Console, rows: Sequence[CriterionSources], fmt: str) -> str:
    """The criteria and the sources that can decide each: a terminal table (printed), Markdown or JSON."""
    if fmt == "json":
        return json.dumps([{**asdict(r), "decided_by": r.text()} for r in rows], indent=2) + "\n"
    if fmt == "md":
        lines = [
            "| Ruleset | Area | Level | Criterion | Decided by |",
            "|---|---|---|---|---|",
            *(
                f"| {r.ruleset} | {r.area} | {r.level} | `{r.criterion}` {r.title} | {r.text()} |"
                for r in rows
            ),
        ]
        return "\n".join(lines) + "\n"
    if fmt != "table":
        raise AssayError(f"--format {fmt!r} is not supported; choose table, md or json")
    table = Table(title=f"{len(rows)} criteria: which sources can decide each", title_justify="left")
    for col in ("ruleset", "area", "level", "criterion", "decided by"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r.ruleset, r.area, str(r.level), r.criterion, r.text())
    console.print(table)
    console.print('"a or b": either source alone decides it; "a + b": both are needed.')
    return ""
