"""The GitHub step summary: a compact Markdown table per ruleset, appended to $GITHUB_STEP_SUMMARY."""

from __future__ import annotations

import os
from pathlib import Path

from assay.reports import formatting
from assay.scoring import Results

STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"


def render_summary(results: Results, previous: Results | None = None) -> str:
    """One table per ruleset: level, change since `previous`, coverage and the first next step."""
    org = formatting.org_name(results.scope)
    lines = [f"## assay: {org} maturity", ""]
    for rs in results.rulesets:
        before = {(r.id, a.id): a for r in (previous.rulesets if previous else []) for a in r.areas}
        lines += [
            f"**{formatting.model_heading(rs.id, rs.title)}: Level "
            f"{formatting.level_range(rs.overall.level, rs.overall.upper)}** "
            f"({formatting.short_level_name(rs.levels, rs.overall.level)})",
            "",
            "| Area | Level | Change | Coverage | Next step |",
            "|---|:-:|:-:|--:|---|",
        ]
        for a in rs.areas:
            old = before.get((rs.id, a.id))
            step = a.next_steps[0].title if a.next_steps else ("top level" if a.level >= 5 else "—")
            change = _change(old.level if old else None, a.level)
            lines.append(
                f"| {a.title} | {formatting.level_range(a.level, a.upper)} | {change} "
                f"| {formatting.percent(a.coverage)} | {step.replace('|', '/')} |"
            )
        lines.append("")
    lines.append(
        f"<sub>assay {results.tool_version} · bundle `{results.bundle_sha256[:12]}` · "
        f"{formatting.timestamp(results.generated_at)}</sub>"
    )
    return "\n".join(lines) + "\n"


def _change(old: int | None, new: int) -> str:
    if old is None or old == new:
        return "—" if old is None else "="
    return f"▲ {old}→{new}" if new > old else f"▼ {old}→{new}"


def append_step_summary(results: Results, previous: Results | None = None) -> Path | None:
    """Append the summary to the file GitHub Actions names in $GITHUB_STEP_SUMMARY; None when unset."""
    target = os.environ.get(STEP_SUMMARY_ENV)
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as out:
        out.write(render_summary(results, previous) + "\n")
    return path
