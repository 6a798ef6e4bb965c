"""The `assay` command line: parses, calls the layers, picks exit codes. No logic of its own.

Exit codes: 0 ok, 1 internal error (or `verify` found a bundle not intact), 2 usage/config error,
3 below a --fail-under threshold, 4 evidence incomplete under --strict.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Annotated

import click
import typer

from assay import __version__
from assay.errors import EXIT_BELOW_THRESHOLD, EXIT_INCOMPLETE, EXIT_INTERNAL, EXIT_USAGE, AssayError

app = typer.Typer(
    name="assay",
    help="Evidence-based AI/ML operational maturity: collect evidence from real infrastructure, infer a "
    "maturity level per area, and show the evidence behind every level.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
rules_app = typer.Typer(help="List, show and validate rulesets.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


class State:
    quiet = False
    debug = False


ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="The audit config (assay init writes one).")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Directory for the outputs (fixed file names).")]
RulesetOpt = Annotated[
    list[Path] | None,
    typer.Option("--ruleset", help="Your own ruleset or override file (repeatable)."),
]
FailUnderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fail-under",
        help="Exit 3 when an overall level is below N, or an area below AREA=N (repeatable).",
    ),
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Exit 4 when a configured source failed or was only partly read.")
]
FormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        "-f",
        help="Reports to write besides results.json: md, html, json, junit, sarif, prometheus, charts, "
        "summary or all (comma-separated or repeated; default md,html).",
    ),
]
HistoryOpt = Annotated[
    str | None,
    typer.Option(
        "--history",
        help="History store: a SQLite file or SQLAlchemy URL (default: the config's `history`, "
        "else .assay/history.db).",
    ),
]
NoHistoryOpt = Annotated[bool, typer.Option("--no-history", help="Do not record this audit in the history.")]
FailOnDropOpt = Annotated[
    bool,
    typer.Option(
        "--fail-on-drop", help="Exit 3 when any area's level fell since the previous audit of the same scope."
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"assay {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or status lines.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Verbose logs and full tracebacks on errors.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    State.quiet, State.debug = quiet, debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    if not debug:
        # Third-party SDKs are chatty at WARNING; their problems surface as collector errors instead.
        for noisy in ("mlflow", "urllib3", "botocore", "azure", "github", "alembic"):
            logging.getLogger(noisy).setLevel(logging.ERROR)


# --- collect, score, audit -------------------------------------------------------------------------


@app.command()
def audit(
    config: ConfigOpt = Path("audit.yaml"),
    out: OutOpt = Path("assay-out"),
    ruleset: RulesetOpt = None,
    fail_under: FailUnderOpt = None,
    strict: StrictOpt = False,
    fmt: FormatOpt = None,
    history: HistoryOpt = None,
    no_history: NoHistoryOpt = False,
    fail_on_drop: FailOnDropOpt = False,
) -> None:
    """Collect evidence, score it, record it, and write the bundle, results and reports (md, html)."""
    from assay import pipeline
    from assay.collectors.base import installed_collectors
    from assay.config import load_config

    registry = installed_collectors()
    cfg = load_config(config, registry)
    thresholds = pipeline.Thresholds.parse(fail_under or [])
    opts = _output_options(fmt, history or cfg.settings.history, no_history, fail_on_drop, str(config))
    _audit(cfg, registry, out, [*cfg.settings.ruleset_files, *(ruleset or [])], thresholds, strict, opts)


@app.command()
def collect(config: ConfigOpt = Path("audit.yaml"), out: OutOpt = Path("assay-out")) -> None:
    """Collect evidence only and write the bundle (evidence.json.gz); score it later, offline."""
    from assay import pipeline
    from assay.collectors.base import installed_collectors
    from assay.config import load_config
    from assay.evidence import write_bundle

    registry = installed_collectors()
    cfg = load_config(config, registry)
    bundle = pipeline.collect(cfg, registry, progress=not State.quiet)
    path = write_bundle(bundle, out / pipeline.BUNDLE_NAME)
    _say(f"wrote {path} ({len(bundle.evidence)} evidence, {len(bundle.signals)} signals)")


@app.command()
def score(
    bundle_path: Annotated[Path, typer.Argument(metavar="BUNDLE", help="An evidence bundle.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output directory (default: the bundle's).")
    ] = None,
    rulesets: Annotated[
        str, typer.Option("--rulesets", help="Comma-separated built-in rulesets.")
    ] = "ai-cmm,mlops-report",
    ruleset: RulesetOpt = None,
    fail_under: FailUnderOpt = None,
    strict: StrictOpt = False,
    fmt: FormatOpt = None,
    history: HistoryOpt = None,
    no_history: NoHistoryOpt = False,
    fail_on_drop: FailOnDropOpt = False,
) -> None:
    """Score a bundle offline (no credentials, no network) and write results.json and the reports."""
    from assay import pipeline
    from assay.collectors.base import installed_collectors
    from assay.evidence import read_bundle

    opts = _output_options(fmt, history or _DEFAULT_HISTORY, no_history, fail_on_drop)
    registry = installed_collectors()
    bundle = read_bundle(bundle_path)
    ids = [r.strip() for r in rulesets.split(",") if r.strip()]
    results = pipeline.score_bundle(bundle, registry, ids, ruleset or [])
    target = out or bundle_path.parent
    recorded = pipeline.record_audit(opts.history, results, bundle)
    pipeline.write_outputs(
        target, results, bundle, write_evidence=False, formats=opts.formats, recorded=recorded
    )
    _finish(results, bundle, target, pipeline.Thresholds.parse(fail_under or []), strict, opts, recorded)


@app.command()
def demo(
    org: Annotated[str, typer.Option("--org", help="The sandbox estate to audit.")] = "aurora-dynamics",
    out: OutOpt = Path("assay-out"),
    fail_under: FailUnderOpt = None,
    strict: StrictOpt = False,
    fmt: FormatOpt = None,
    history: HistoryOpt = None,
    no_history: NoHistoryOpt = False,
    fail_on_drop: FailOnDropOpt = False,
) -> None:
    """Build a sandbox estate on local services and audit it, end to end."""
    from assay import pipeline
    from assay.collectors.base import installed_collectors
    from assay.config import parse_config
    from assay.sandbox import Sandbox, load_estate

    registry = installed_collectors()
    estate = load_estate(org)
    thresholds = pipeline.Thresholds.parse(fail_under or [])
    started = time.monotonic()
    _say(f"materialising sandbox estate [bold]{estate.info.title}[/] ({', '.join(estate.sources())})")
    with Sandbox(estate) as sandbox:
        cfg = parse_config(sandbox.config, f"sandbox:{org}", registry)
        opts = _output_options(fmt, history or cfg.settings.history, no_history, fail_on_drop)
        _audit(cfg, registry, out, [], thresholds, strict, opts, started=started)


_DEFAULT_HISTORY = ".assay/history.db"  # = assay.config.schema.DEFAULT_HISTORY, without importing it


def _output_options(fmt, history, no_history, fail_on_drop, artifact="audit.yaml"):  # type: ignore[no-untyped-def]
    from assay import pipeline
    from assay.reports.outputs import parse_formats

    setting = None if no_history else history
    if fail_on_drop and not setting:
        raise AssayError("--fail-on-drop compares with the previous audit: it needs the history store")
    formats = ["json", *parse_formats(fmt)]
    return pipeline.OutputOptions(formats, setting, fail_on_drop, artifact)


def _audit(cfg, registry, out, ruleset_files, thresholds, strict, opts, *, started=None) -> None:  # type: ignore[no-untyped-def]
    from assay import pipeline

    started = started or time.monotonic()
    bundle = pipeline.collect(cfg, registry, progress=not State.quiet)
    results = pipeline.score_bundle(bundle, registry, cfg.settings.rulesets, ruleset_files)
    recorded = pipeline.record_audit(opts.history, results, bundle)
    pipeline.write_outputs(
        out, results, bundle, formats=opts.formats, recorded=recorded, artifact=opts.artifact
    )
    _say(f"audit finished in {time.monotonic() - started:.1f} s")
    _finish(results, bundle, out, thresholds, strict, opts, recorded)


def _finish(results, bundle, out: Path, thresholds, strict: bool, opts, recorded) -> None:  # type: ignore[no-untyped-def]
    from assay import pipeline
    from assay.reports.outputs import FILE_NAMES
    from assay.reports.summary import append_step_summary
    from assay.reports.terminal import print_results
    from assay.ui import out_console

    previous = recorded.previous if recorded else None
    if append_step_summary(results, previous.results if previous else None) is not None:
        _say("appended the summary to $GITHUB_STEP_SUMMARY")
    if not State.quiet:
        print_results(out_console, results, bundle)
        names = dict.fromkeys([pipeline.BUNDLE_NAME, *(FILE_NAMES[f] for f in opts.formats)])
        _say(f"outputs in {out}/: {', '.join(names)}")
        if recorded:
            since = f"; previous: #{previous.id}" if previous else ""
            _say(f"recorded as audit #{recorded.record.id} in the history{since}")
    incomplete = pipeline.incomplete_sources(bundle)
    if strict and incomplete:
        _err(f"evidence incomplete (--strict): {', '.join(incomplete)}")
        raise typer.Exit(EXIT_INCOMPLETE)
    breaches = thresholds.breaches(results)
    drops = recorded.drops() if recorded and opts.fail_on_drop else []
    if breaches:
        _err(f"below --fail-under: {'; '.join(breaches)}")
    if drops:
        _err(f"level dropped since audit #{previous.id} (--fail-on-drop): {'; '.join(drops)}")
    if breaches or drops:
        raise typer.Exit(EXIT_BELOW_THRESHOLD)


# --- reading results ---------------------------------------------------------------------------------


@app.command()
def explain(
    area: Annotated[str, typer.Argument(help="An area id (e.g. mlops) or RULESET:AREA.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Where the audit wrote its outputs.")] = Path(
        "assay-out"
    ),
) -> None:
    """Explain an area's level: its criteria, the signals they read and the evidence behind them."""
    from assay.evidence import read_bundle
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
            help="md, html, json, junit, sarif, prometheus, charts or summary; several comma-separated "
            "(or charts) need --out.",
        ),
    ] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Directory to write into.")] = None,
    history: HistoryOpt = None,
) -> None:
    """Render results as a report (the bundle beside them adds evidence details, the history a trend)."""
    from assay.history.snapshots import RESULTS_NAME, bundle_beside, read_history
    from assay.reports.outputs import ReportInputs, parse_formats, render_text, write_formats
    from assay.scoring import read_results

    path = results_path / RESULTS_NAME if results_path.is_dir() else results_path
    results = read_results(path)
    bundle = bundle_beside(path, results)
    trend, previous = read_history(history or _DEFAULT_HISTORY, results)
    formats = parse_formats([fmt], default=["md"])
    inputs = ReportInputs(results=results, bundle=bundle, trend=trend, previous=previous)
    if out is None and formats != ["charts"] and len(formats) == 1:
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
    limit: Annotated[int, typer.Option("--limit", help="The last N audits.", min=1)] = 20,
    db: Annotated[str, typer.Option("--db", help="History store: a SQLite file or SQLAlchemy URL.")] = (
        _DEFAULT_HISTORY
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
    with HistoryStore(db) as store:
        records = store.audits(scope=scope, limit=limit)
    if fmt == "json":
        rows = [
            {
                "id": r.id,
                "scope": r.scope,
                "generated_at": r.results.generated_at.isoformat(),
                "bundle_sha256": r.bundle_sha256,
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
    db: Annotated[str, typer.Option("--db", help="History store for history ids.")] = _DEFAULT_HISTORY,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, md or json.")] = "table",
    fail_on_drop: Annotated[
        bool, typer.Option("--fail-on-drop", help="Exit 3 when any area's level fell from OLD to NEW.")
    ] = False,
) -> None:
    """What changed between two audits: levels that moved, criteria that flipped, evidence that changed."""
    from assay.history import diff
    from assay.history.snapshots import load_snapshot
    from assay.reports.changes import print_diff, render_diff_markdown
    from assay.ui import out_console

    if fmt not in ("table", "md", "json"):
        raise AssayError(f"--format {fmt!r} is not supported; choose table, md or json")

    def score_bundle(bundle):  # type: ignore[no-untyped-def]
        from assay import pipeline
        from assay.collectors.base import installed_collectors
        from assay.config.schema import DEFAULT_RULESETS

        return pipeline.score_bundle(bundle, installed_collectors(), DEFAULT_RULESETS, [])

    change = diff(
        load_snapshot(old, history=db, score=score_bundle), load_snapshot(new, history=db, score=score_bundle)
    )
    if fmt == "json":
        sys.stdout.write(change.model_dump_json(indent=2) + "\n")
    elif fmt == "md":
        sys.stdout.write(render_diff_markdown(change))
    else:
        print_diff(out_console, change)
    drops = [f"{c.ruleset}:{c.area} {c.old.level} -> {c.new.level}" for c in change.drops() if c.area]
    if fail_on_drop and drops:
        _err(f"level dropped (--fail-on-drop): {'; '.join(drops)}")
        raise typer.Exit(EXIT_BELOW_THRESHOLD)


@app.command()
def verify(
    bundle_path: Annotated[Path, typer.Argument(metavar="BUNDLE", help="An evidence bundle.")],
) -> None:
    """Check a bundle's integrity: every evidence hash and the manifest. Exit 0 intact, 1 not."""
    from assay.errors import BundleError
    from assay.evidence import read_bundle

    try:
        bundle = read_bundle(bundle_path)
    except BundleError as exc:
        _err(str(exc))
        raise typer.Exit(EXIT_INTERNAL) from None
    assert bundle.manifest is not None
    typer.echo(
        f"{bundle_path}: intact — {bundle.manifest.evidence_count} evidence, {len(bundle.signals)} signals, "
        f"sha256 {bundle.manifest.sha256}"
    )


# --- catalog and rulesets ------------------------------------------------------------------------------


@app.command()
def signals(
    source: Annotated[str | None, typer.Option("--source", help="Only this source's signals.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, md or json.")] = "table",
) -> None:
    """The signal catalog, generated from the installed collectors' declarations."""
    from assay.collectors.base import installed_collectors
    from assay.reports.catalog import render_catalog
    from assay.ui import out_console

    registry = installed_collectors()
    for name, problem in registry.load_errors.items():
        _err(f"collector {name} could not be loaded: {problem}")
    sys.stdout.write(render_catalog(out_console, registry.catalog(), source, fmt))


@rules_app.command("list")
def rules_list() -> None:
    """The built-in rulesets, their areas and how many criteria each level has."""
    from assay.collectors.base import installed_collectors
    from assay.reports.catalog import print_rulesets
    from assay.scoring import builtin_ruleset_ids, load_rulesets
    from assay.ui import out_console

    catalog = installed_collectors().catalog()
    print_rulesets(out_console, load_rulesets(builtin_ruleset_ids(), [], catalog))


@rules_app.command("show")
def rules_show(ruleset_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Print a ruleset as YAML (valid input for `rules validate` and `--ruleset`)."""
    from assay.collectors.base import installed_collectors
    from assay.scoring import dump_ruleset_yaml, load_rulesets

    catalog = installed_collectors().catalog()
    (ruleset,) = [r for r in load_rulesets([ruleset_id], [], catalog) if r.id == ruleset_id]
    sys.stdout.write(dump_ruleset_yaml(ruleset))


@rules_app.command("validate")
def rules_validate(files: Annotated[list[Path], typer.Argument(metavar="FILE...")]) -> None:
    """Validate ruleset files against the installed signal catalog (exit 2 on the first error)."""
    from assay.collectors.base import installed_collectors
    from assay.scoring import load_rulesets

    catalog = installed_collectors().catalog()
    loaded = load_rulesets([], files, catalog)
    for f in files:
        typer.echo(f"{f}: valid")
    _say(f"{len(loaded)} rulesets, {sum(len(r.areas) for r in loaded)} areas load together")


@app.command()
def permissions(
    source: Annotated[str, typer.Argument(help="A source: mlflow, github, jenkins, prometheus, aws, azure.")],
) -> None:
    """The least access a source's collector needs (an IAM policy, token scopes, roles)."""
    from assay.collectors.base import installed_collectors

    registry = installed_collectors()
    if source not in registry.collectors:
        raise AssayError(f"unknown source {source!r}; installed: {', '.join(registry.names())}")
    sys.stdout.write(registry.get(source).permissions())


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path("audit.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter audit.yaml listing every installed source's settings."""
    from assay.collectors.base import installed_collectors
    from assay.config import starter_config

    if path.exists() and not force:
        raise AssayError(f"{path} already exists; pass --force to overwrite it")
    path.write_text(starter_config(installed_collectors()))
    _say(f"wrote {path}; uncomment the sources to audit, then run `assay audit -c {path}`")


# --- plumbing ---------------------------------------------------------------------------------------------


def _say(message: str) -> None:
    from assay.ui import say

    say(message, quiet=State.quiet)


def _err(message: str) -> None:
    from assay.ui import err_console

    err_console.print(f"[red]error:[/] {message}", markup=True, highlight=False)


_GLOBAL_FLAGS = ("--quiet", "-q", "--debug")


def main() -> None:
    """Entry point: one clear sentence for user errors, a traceback only with --debug."""
    args = sys.argv[1:]
    # Global flags are accepted anywhere on the line (`assay score B -q` as well as `assay -q score B`).
    flags = [a for a in args if a in _GLOBAL_FLAGS]
    args = flags + [a for a in args if a not in _GLOBAL_FLAGS]
    debug = "--debug" in flags
    try:
        rv = app(args=args, prog_name="assay", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _err("interrupted")
        sys.exit(130)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE)
    except AssayError as exc:
        if debug:
            raise
        _err(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        sys.exit(EXIT_INTERNAL)
    sys.exit(rv if isinstance(rv, int) else 0)


if __name__ == "__main__":
    main()
