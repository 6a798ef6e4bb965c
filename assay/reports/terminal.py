"""The per-area table printed after an audit."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from assay.evidence import Bundle
from assay.reports import formatting
from assay.scoring import Results

_STYLE = {1: "red", 2: "yellow", 3: "cyan", 4: "green", 5: "bold green"}


def print_results(console: Console, results: Results, bundle: Bundle | None = None) -> None:
    if bundle is not None:
        sources = Table(title="Sources", title_justify="left", show_edge=False)
        for col in ("source", "status", "evidence", "requests", "time", "note"):
            sources.add_column(col, justify="right" if col in ("evidence", "requests", "time") else "left")
        for c in bundle.collectors:
            colour = {"ok": "green", "partial": "yellow", "failed": "red"}.get(c.status, "dim")
            note = c.errors[0].message if c.errors else ""
            sources.add_row(
                c.name,
                f"[{colour}]{c.status}[/]",
                str(c.evidence_count),
                str(c.http_requests),
                f"{c.duration_s:.1f}s" if c.status != "not_configured" else "",
                escape(note),
            )
        console.print(sources)
        console.print()
    for rs in results.rulesets:
        table = Table(
            title=f"{rs.title} — overall {formatting.level_range(rs.overall.level, rs.overall.upper)}",
            title_justify="left",
        )
        table.add_column("area", no_wrap=True)
        table.add_column("level", justify="center", no_wrap=True)
        table.add_column("stage", overflow="ellipsis", max_width=28, no_wrap=True)
        table.add_column("coverage", justify="right")
        table.add_column("confidence")
        missing: dict[str, list[str]] = {}
        for a in rs.areas:
            style = _STYLE.get(a.level, "")
            table.add_row(
                a.title,
                f"[{style}]{formatting.level_range(a.level, a.upper)}[/]",
                formatting.level_name(rs.levels, a.level),
                formatting.percent(a.coverage),
                a.confidence,
            )
            for source in a.sources_missing:
                missing.setdefault(source, []).append(a.id)
        console.print(table)
        if missing:
            console.print("[dim]not connected, would decide more of:[/]")
            for source, areas in missing.items():
                console.print(f"[dim]  {source}: {', '.join(areas)}[/]")
        console.print()
