"""`assay explain AREA`: why an area sits where it does, down to the evidence."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from assay.errors import AssayError
from assay.evidence import Bundle
from assay.reports import findings, formatting
from assay.scoring import Results

_MARK = {
    "pass": "[green]pass[/]",
    "fail": "[red]fail[/]",
    "unknown": "[yellow]unknown[/]",
    "not_applicable": "[dim]not applicable[/]",
}


def find_area(results: Results, wanted: str):  # type: ignore[no-untyped-def]
    """Resolve AREA or RULESET:AREA to (ruleset, area); ambiguous or unknown names are errors."""
    rs_id, _, area_id = wanted.rpartition(":")
    matches = [
        (rs, a)
        for rs in results.rulesets
        for a in rs.areas
        if a.id == area_id and (not rs_id or rs.id == rs_id)
    ]
    if not matches:
        known = ", ".join(f"{rs.id}:{a.id}" for rs in results.rulesets for a in rs.areas)
        raise AssayError(f"no area {wanted!r} in these results; areas: {known}")
    if len(matches) > 1:
        raise AssayError(f"area {wanted!r} is in several rulesets; write RULESET:AREA")
    return matches[0]


def print_explanation(console: Console, results: Results, bundle: Bundle | None, wanted: str) -> None:
    rs, area = find_area(results, wanted)
    evidence = bundle.evidence_by_id() if bundle else {}
    console.print(
        f"[bold]{area.title}[/] ({rs.id}:{area.id}) — level {formatting.level_range(area.level, area.upper)} "
        f"({formatting.level_name(rs.levels, area.level)}), coverage {formatting.percent(area.coverage)}, "
        f"confidence {area.confidence}"
    )
    if findings.observed_beside(area):
        console.print(f"On observed evidence alone (no attestation or waiver): level {area.observed_level}.")
    if area.level == area.upper:
        console.print("The evidence decides this level.")
    else:
        console.print(f"Unknown criteria leave it between {area.level} and {area.upper}.")
    if area.sources_missing:
        console.print(f"Not connected: {', '.join(area.sources_missing)}")
    table = Table(show_lines=True)
    for col in ("L", "criterion", "kind", "status", "signals", "evidence"):
        table.add_column(col, overflow="fold")
    for c in area.criteria:
        sigs = "\n".join(
            f"{s.name} = {formatting.value(s.value)}"
            if s.status == "ok"
            else f"{s.name}: unknown ({s.reason})"
            for s in c.signals
        )
        if c.status in ("unknown", "not_applicable") and c.message:
            sigs = f"{sigs}\n[dim]{c.message}[/]" if sigs else f"[dim]{c.message}[/]"
        subjects = []
        for eid in c.evidence[:5]:
            e = evidence.get(eid)
            subjects.append(f"{e.kind} {e.subject}" if e else eid[:12])
        if len(c.evidence) > 5:
            subjects.append(f"+{len(c.evidence) - 5} more")
        table.add_row(
            str(c.level),
            f"{c.title}\n[dim]{c.id}[/]",
            c.kind,
            _MARK.get(c.status, c.status) + (f"\n[magenta]{c.basis}[/]" if findings.basis_badge(c) else ""),
            sigs,
            "\n".join(subjects),
        )
    console.print(table)
    _print_resources(console, area)
    if area.next_steps:
        console.print(f"[bold]Next steps to level {area.level + 1}:[/]")
        for n in area.next_steps:
            console.print(f"  • {n.title}: {n.recommendation}")


def _print_resources(console: Console, area) -> None:  # type: ignore[no-untyped-def]
    """Each criterion's failing and waived resources with their links, and what paperwork it rests on."""
    for c in area.criteria:
        note = findings.basis_note(c)
        rows = findings.resource_rows(c, passing=False)
        if not note and not rows:
            continue
        console.print(
            f"[bold]{c.id}[/]" + (f" — resources: {findings.resource_summary(c)}" if c.resources else "")
        )
        if note:
            console.print(f"  [magenta]{note}[/]", highlight=False)
        for r in c.resources:
            if r.status == "pass" and r.waiver is None:
                continue
            mark = "waived" if r.waiver is not None else "fail"
            extra = f" — {findings.waiver_words(r)}" if r.waiver is not None else ""
            console.print(
                f"  {mark:6} {r.subject}{'  ' + r.url if r.url else ''}{extra}",
                highlight=False,
                soft_wrap=True,
            )
