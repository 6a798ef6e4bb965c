"""`assay history` and `assay diff` output: the trend of levels, and what changed between two audits."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from assay.errors import AssayError
from assay.history import AuditRecord, LevelChange, ResultsDiff
from assay.reports import formatting

_STATUS = {
    "pass": "[green]pass[/]",
    "fail": "[red]fail[/]",
    "unknown": "[yellow]unknown[/]",
    "not_applicable": "[dim]not applicable[/]",
    None: "[dim]—[/]",
}


def print_history(console: Console, records: list[AuditRecord], area: str | None = None) -> None:
    """One row per audit: overall levels per ruleset, or one area's level, coverage and confidence."""
    if not records:
        console.print("No audits recorded yet: `assay audit` records each one in the history store.")
        return
    if area is None:
        ids = list(dict.fromkeys(rs.id for r in records for rs in r.results.rulesets))
        table = Table(title=f"{len(records)} audits", title_justify="left")
        for col in ("#", "collected", "scope", "bundle", *ids):
            table.add_column(col, justify="center" if col in ids else "left")
        for r in records:
            overall = {
                rs.id: formatting.level_range(rs.overall.level, rs.overall.upper) for rs in r.results.rulesets
            }
            table.add_row(
                _audit_id(r),
                formatting.timestamp(r.results.generated_at),
                r.scope or "—",
                r.bundle_sha256[:12],
                *[overall.get(i, "—") for i in ids],
            )
        console.print(table)
        if any(r.complete is False for r in records):
            console.print("[dim]* incomplete: a source failed or was partly read; never a baseline[/]")
        return
    table = Table(title=f"{area}: level over {len(records)} audits", title_justify="left")
    for col in ("#", "collected", "scope", "level", "change", "coverage", "confidence"):
        table.add_column(col)
    previous: int | None = None
    found = False
    for r in records:
        hit = _find_area(r, area)
        if hit is None:
            table.add_row(str(r.id), formatting.timestamp(r.results.generated_at), r.scope, "—", "", "", "")
            continue
        found = True
        change = "" if previous is None else _arrow(previous, hit.level)
        previous = hit.level
        table.add_row(
            _audit_id(r),
            formatting.timestamp(r.results.generated_at),
            r.scope or "—",
            formatting.level_range(hit.level, hit.upper),
            change,
            formatting.percent(hit.coverage),
            hit.confidence,
        )
    if not found:
        raise AssayError(f"no recorded audit has an area {area!r}; `assay history` lists the audits")
    console.print(table)


def _audit_id(record: AuditRecord) -> str:
    return f"{record.id}*" if record.complete is False else str(record.id)


def judgement_lines(change: ResultsDiff) -> list[str]:
    """What --fail-on-drop would conclude: drops, undecided falls, rules changes (plain text)."""
    judged = change.judgement
    if judged is None:
        return []
    lines = [f"dropped: {d}" for d in judged.drop_words()]
    return lines + judged.notes()


def print_diff(console: Console, change: ResultsDiff) -> None:
    """Levels that moved, criteria that flipped and evidence that changed, as terminal tables."""
    console.print(f"[bold]{change.old}[/] → [bold]{change.new}[/]")
    if change.scope_old != change.scope_new:
        console.print(f"[yellow]scopes differ:[/] {change.scope_old or '—'} vs {change.scope_new or '—'}")
    if change.empty:
        console.print("No change: the same levels, criteria and evidence.")
        return
    if change.levels:
        table = Table(title="Levels that moved", title_justify="left")
        for col in ("ruleset", "area", "before", "after", ""):
            table.add_column(col)
        for c in change.levels:
            table.add_row(c.ruleset, c.title, _range(c, "old"), _range(c, "new"), _level_arrow(c))
        console.print(table)
    for line in judgement_lines(change):
        console.print(line, markup=False, highlight=False)
    if change.criteria:
        table = Table(title="Criteria that flipped", title_justify="left")
        for col in ("area", "criterion", "before", "after"):
            table.add_column(col, overflow="fold")
        for f in change.criteria:
            table.add_row(
                f"{f.ruleset}:{f.area}", f"{f.title}\n[dim]{f.criterion}[/]", _STATUS[f.old], _STATUS[f.new]
            )
        console.print(table)
    if change.evidence:
        table = Table(
            title=f"Evidence that changed (compared by {change.evidence_compared})", title_justify="left"
        )
        for col in ("change", "kind", "subject", "before", "after"):
            table.add_column(col, overflow="fold")
        for e in change.evidence:
            table.add_row(
                e.change,
                e.kind or "—",
                e.subject or "—",
                ", ".join(i[:12] for i in e.old_ids) or "—",
                ", ".join(i[:12] for i in e.new_ids) or "—",
            )
        console.print(table)


def render_diff_markdown(change: ResultsDiff) -> str:
    """The diff as Markdown, for a pull-request comment or a change log."""
    lines = [f"## assay diff: {change.old} → {change.new}", ""]
    if change.empty:
        return "\n".join([*lines, "No change: the same levels, criteria and evidence.", ""])
    if change.levels:
        lines += [
            "### Levels that moved",
            "",
            "| Ruleset | Area | Before | After | |",
            "|---|---|:-:|:-:|:-:|",
        ]
        lines += [
            f"| {c.ruleset} | {c.title} | {_range(c, 'old')} | {_range(c, 'new')} "
            f"| {_level_arrow(c, plain=True)} |"
            for c in change.levels
        ]
        lines.append("")
    judged = judgement_lines(change)
    if judged:
        lines += ["### Drops (judged on what the evidence decided)", "", *[f"- {j}" for j in judged], ""]
    if change.criteria:
        lines += [
            "### Criteria that flipped",
            "",
            "| Area | Criterion | Before | After |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {f.ruleset}:{f.area} | {f.title} (`{f.criterion}`) | {f.old or '—'} | {f.new or '—'} |"
            for f in change.criteria
        ]
        lines.append("")
    if change.evidence:
        lines += [
            f"### Evidence that changed ({change.evidence_compared})",
            "",
            "| Change | Kind | Subject | Before | After |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {e.change} | {e.kind or '—'} | {e.subject or '—'} | {_ids(e.old_ids)} | {_ids(e.new_ids)} |"
            for e in change.evidence
        ]
        lines.append("")
    return "\n".join(lines)


def _ids(ids: list[str]) -> str:
    return ", ".join(i[:12] for i in ids) or "—"


def _find_area(record: AuditRecord, wanted: str):  # type: ignore[no-untyped-def]
    rs_id, _, area_id = wanted.rpartition(":")
    for rs in record.results.rulesets:
        if rs_id and rs.id != rs_id:
            continue
        for a in rs.areas:
            if a.id == area_id:
                return a
    return None


def _range(c: LevelChange, side: str) -> str:
    r = getattr(c, side)
    return "—" if r is None else formatting.level_range(r.level, r.upper)


def _arrow(old: int, new: int) -> str:
    return "" if old == new else (f"[green]▲ +{new - old}[/]" if new > old else f"[red]▼ {new - old}[/]")


def _level_arrow(c: LevelChange, plain: bool = False) -> str:
    if c.old is None or c.new is None:
        return "new" if c.old is None else "gone"
    if c.new.level == c.old.level:
        return "range"
    up = c.new.level > c.old.level
    text = f"{'▲' if up else '▼'} {c.new.level - c.old.level:+d}"
    return text if plain else (f"[green]{text}[/]" if up else f"[red]{text}[/]")
