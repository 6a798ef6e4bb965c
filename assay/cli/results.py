"""Commands that read what an audit wrote: explain, report, schema, history, diff, verify."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.app import HistoryOpt, _err, _say, app
from assay.defaults import DEFAULT_HISTORY
from assay.errors import EXIT_BELOW_THRESHOLD, EXIT_INTERNAL, AssayError


@app.command()
def explain(
    area: Annotated[str, typer.Argument(help="An area id (e.g. mlops) or RULESET:AREA.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where the audit wrote its outputs.")] = Path(
        "assay-out"
    ),
) -> None:
    """Explain an area's level: its criteria, the signals they read and the evidence behind them."""
    from assay.bundleio import read_bundle
    from assay.pipeline import BUNDLE_NAME, RESULTS_NAME
    from assay.reports.explain import print_explanation
    from assay.scoring import read_results
    from assay.ui import out_console

    results = read_results(out / RESULTS_NAME)
    bundle_path = out / BUNDLE_NAME
    bundle = read_bundle(bundle_path) if bundle_path.exists() else None
    print_explanation(out_console, results, bundle, area)


@app.command()
def report(
    results_path: Annotated[
        Path, typer.Argument(metavar="RESULTS", help="A results.json file, or the folder an audit wrote.")
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="md, html, pdf, oscal, json, junit, sarif, prometheus, charts or summary; several "
            "comma-separated (or charts, pdf) are written into --out (default: beside the results).",
        ),
    ] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Directory to write into.")] = None,
    history: HistoryOpt = None,
    ruleset: Annotated[
        list[str] | None,
        typer.Option(
            "--ruleset", help="Only this maturity model (a ruleset id such as mlops-report; repeatable)."
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="An audit config whose `report:` section fills the cover."),
    ] = None,
) -> None:
    """Render results as a report (the bundle beside them adds evidence details, the history a trend)."""
    from assay.history.snapshots import RESULTS_NAME, bundle_beside, read_history
    from assay.reports.outputs import (
        BINARY_FORMATS,
        ReportInputs,
        only_models,
        parse_formats,
        render_text,
        write_formats,
    )
    from assay.scoring import read_results

    path = results_path / RESULTS_NAME if results_path.is_dir() else results_path
    results = only_models(read_results(path), ruleset or [])
    bundle = bundle_beside(path, results)
    trend, previous = read_history(history or DEFAULT_HISTORY, results)
    formats = parse_formats([fmt], default=["md"])
    inputs = ReportInputs(results=results, bundle=bundle, trend=trend, previous=previous)
    if config is not None:
        from assay.collectors.base import installed_collectors
        from assay.config import load_config
        from assay.pipeline import report_meta

        inputs.meta = report_meta(load_config(config, installed_collectors()))
    if out is None and len(formats) == 1 and formats[0] not in BINARY_FORMATS:
        sys.stdout.write(render_text(formats[0], inputs))
        return
    for written in write_formats(out or path.parent, formats, inputs):
        _say(f"wrote {written}")


@app.command()
def schema(
    name: Annotated[str, typer.Argument(help="Which schema: results.")] = "results",
) -> None:
    """Print the published JSON Schema of results files (assay/result/v1)."""
    from assay.reports.schema import schema_text

    if name != "results":
        raise AssayError(f"no schema {name!r}; assay publishes: results")
    sys.stdout.write(schema_text())


@app.command("history")
def history_cmd(
    area: Annotated[
        str | None, typer.Option("--area", help="Show one area's trend (AREA or RULESET:AREA).")
    ] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="Only audits of this scope.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="The last N audits (N >= 1).")] = 20,
    db: Annotated[str, typer.Option("--db", help="History store: a SQLite file or SQLAlchemy URL.")] = (
        DEFAULT_HISTORY
    ),
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """The recorded audits, oldest first: overall levels, or one area's level over time."""
    import json

    from assay.history import HistoryStore
    from assay.reports.changes import print_history
    from assay.ui import out_console

    if fmt not in ("table", "json"):
        raise AssayError(f"--format {fmt!r} is not supported; choose table or json")
    if limit < 1:
        raise AssayError(f"--limit {limit}: give a number of audits, 1 or more")
    with HistoryStore(db) as store:
        records = store.audits(scope=scope, limit=limit)
    if fmt == "json":
        rows = [
            {
                "id": r.id,
                "scope": r.scope,
                "generated_at": r.results.generated_at.isoformat(),
                "bundle_sha256": r.bundle_sha256,
                "complete": r.complete,
                "incomplete": r.incomplete,
                "levels": {
                    rs.id: {a.id: {"level": a.level, "upper": a.upper} for a in rs.areas}
                    for rs in r.results.rulesets
                },
            }
            for r in records
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    print_history(out_console, records, area)


@app.command("diff")
def diff_cmd(
    old: Annotated[str, typer.Argument(help="results.json, an output folder, a bundle, or a history id.")],
    new: Annotated[str, typer.Argument(help="The same kinds as OLD.")],
    db: Annotated[str, typer.Option("--db", help="History store for history ids.")] = DEFAULT_HISTORY,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, md or json.")] = "table",
    fail_on_drop: Annotated[
        bool,
        typer.Option(
            "--fail-on-drop",
            help="Exit 3 when the evidence decides a lower level for an area in NEW than OLD did "
            "(as `audit --fail-on-drop` judges it).",
        ),
    ] = False,
) -> None:
    """What changed between two audits: levels that moved, criteria that flipped, evidence that changed."""
    from assay.history import diff
    from assay.history.snapshots import load_snapshot, rescorer
    from assay.reports.changes import print_diff, render_diff_markdown
    from assay.ui import out_console

    if fmt not in ("table", "md", "json"):
        raise AssayError(f"--format {fmt!r} is not supported; choose table, md or json")

    def score_bundle(bundle):  # type: ignore[no-untyped-def]
        from assay import pipeline
        from assay.collectors.base import installed_collectors
        from assay.config.schema import DEFAULT_RULESETS

        return pipeline.score_bundle(bundle, installed_collectors(), DEFAULT_RULESETS, [])

    before = load_snapshot(old, history=db, score=score_bundle)
    after = load_snapshot(new, history=db, score=score_bundle)
    change = diff(before, after, rescore=rescorer(before, _builtin_scorer(after.results)))
    if fmt == "json":
        sys.stdout.write(change.model_dump_json(indent=2) + "\n")
    elif fmt == "md":
        sys.stdout.write(render_diff_markdown(change))
    else:
        print_diff(out_console, change)
    judgement = change.judgement
    if fail_on_drop and judgement is not None and judgement.drops:
        _err(f"level dropped (--fail-on-drop): {'; '.join(judgement.drop_words())}")
        raise typer.Exit(EXIT_BELOW_THRESHOLD)


def _builtin_scorer(results):  # type: ignore[no-untyped-def]
    """Scores a bundle with the installed builtin rulesets NEW was scored with (when NEW's rules were
    builtin and unchanged, re-scoring OLD's bundle with them makes the two comparable)."""
    from assay import pipeline
    from assay.collectors.base import installed_collectors
    from assay.scoring import builtin_ruleset_ids

    ids = [rs.id for rs in results.rulesets if rs.id in builtin_ruleset_ids()]
    if not ids:
        return None
    try:
        return pipeline.scorer(installed_collectors(), ids, [])
    except AssayError:
        return None


@app.command()
def verify(
    bundle_path: Annotated[Path, typer.Argument(metavar="BUNDLE", help="An evidence bundle.")],
) -> None:
    """Check a bundle's evidence hashes and manifest: exit 0 intact, 1 not intact, 2 unreadable."""
    from assay.bundleio import read_bundle
    from assay.errors import BundleIntegrityError

    try:
        bundle = read_bundle(bundle_path)
    except BundleIntegrityError as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_INTERNAL) from None
    assert bundle.manifest is not None
    typer.echo(
        f"{bundle_path}: intact — {bundle.manifest.evidence_count} evidence, {len(bundle.signals)} signals, "
        f"sha256 {bundle.manifest.sha256}"
    )


# --- catalog and rulesets ------------------------------------------------------------------------------
