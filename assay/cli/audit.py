"""Commands that collect and score: audit, collect, score, demo."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.app import (
    AttestationsOpt,
    ConfigOpt,
    FailOnDropOpt,
    FailUnderOpt,
    FormatOpt,
    HistoryOpt,
    NoHistoryOpt,
    NoWaiversOpt,
    OutOpt,
    RulesetOpt,
    State,
    StrictOpt,
    WaiversOpt,
    _err,
    _say,
    app,
)
from assay.defaults import DEFAULT_HISTORY
from assay.errors import EXIT_BELOW_THRESHOLD, EXIT_INCOMPLETE, AssayError


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
    attestations: AttestationsOpt = None,
    waivers: WaiversOpt = None,
    no_waivers: NoWaiversOpt = False,
) -> None:
    """Collect evidence, score it, record it, and write the bundle, results and reports (md, html)."""
    from assay import pipeline
    from assay.collectors.base import installed_collectors
    from assay.config import load_config
    from assay.config.checks import require_enabled_source

    registry = installed_collectors()
    cfg = load_config(config, registry)
    require_enabled_source(cfg)
    thresholds = pipeline.Thresholds.parse(fail_under or [])
    opts = _output_options(fmt, history or cfg.settings.history, no_history, fail_on_drop, str(config))
    here = config.parent
    opts.paper = pipeline.Paper(
        attestations or _beside(here, cfg.settings.attestations),
        None if no_waivers else (waivers or _beside(here, cfg.settings.waivers)),
    )
    _audit(cfg, registry, out, [*cfg.settings.ruleset_files, *(ruleset or [])], thresholds, strict, opts)


def _beside(folder: Path, path: Path | None) -> Path | None:
    """A path from the config file, relative to the config file's folder."""
    if path is None:
        return None
    return path if path.is_absolute() else folder / path


@app.command()
def collect(
    config: ConfigOpt = Path("audit.yaml"),
    out: OutOpt = Path("assay-out"),
    shard: Annotated[
        str | None,
        typer.Option(
            "--shard",
            metavar="K/N",
            help="Collect shard K of N (a CI matrix, Kubernetes Indexed Jobs); join the parts with "
            "`assay merge`.",
        ),
    ] = None,
) -> None:
    """Collect evidence only and write the bundle (evidence.json.gz); score it later, offline."""
    from assay import collection
    from assay.bundleio import write_bundle
    from assay.collectors.base import installed_collectors
    from assay.config import load_config
    from assay.config.checks import require_enabled_source
    from assay.scale.shard import Shard

    part = Shard.parse(shard) if shard is not None else None
    registry = installed_collectors()
    cfg = load_config(config, registry)
    require_enabled_source(cfg)
    bundle = collection.collect(cfg, registry, progress=not State.quiet, shard=part)
    name = collection.shard_bundle_name(part) if part else collection.BUNDLE_NAME
    path = write_bundle(bundle, out / name)
    if part:
        _say(f"wrote {path} (shard {part}: {len(bundle.evidence)} evidence; signals are derived at merge)")
    else:
        _say(f"wrote {path} ({len(bundle.evidence)} evidence, {len(bundle.signals)} signals)")


@app.command()
def merge(
    parts: Annotated[
        list[Path],
        typer.Argument(
            metavar="PART…", help="Every shard's bundle (files, or folders holding evidence-shard-*.json.gz)."
        ),
    ],
    out: OutOpt = Path("assay-out"),
) -> None:
    """Join the shards of one collection (`assay collect --shard K/N`) into one bundle, then score it."""
    from assay import collection
    from assay.bundleio import read_bundle, write_bundle
    from assay.collectors.base import installed_collectors
    from assay.collectors.runner import derive_signals
    from assay.scale.merge import merge_bundles

    files = [f for p in parts for f in (sorted(p.glob("evidence-shard-*.json.gz")) if p.is_dir() else [p])]
    registry = installed_collectors()
    bundle = merge_bundles(
        [(f, read_bundle(f)) for f in files],
        lambda evidence, runs: derive_signals(registry, evidence, runs),
    )
    path = write_bundle(bundle, out / collection.BUNDLE_NAME)
    _say(
        f"wrote {path} ({len(files)} shards: {len(bundle.evidence)} evidence, "
        f"{len(bundle.signals)} signals); score it with `assay score {path}`"
    )


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
    attestations: AttestationsOpt = None,
    waivers: WaiversOpt = None,
    no_waivers: NoWaiversOpt = False,
) -> None:
    """Score a bundle offline (no credentials, no network) and write results.json and the reports."""
    from assay import pipeline
    from assay.bundleio import read_bundle
    from assay.collectors.base import installed_collectors

    opts = _output_options(fmt, history or DEFAULT_HISTORY, no_history, fail_on_drop)
    registry = installed_collectors()
    bundle = read_bundle(bundle_path)
    from assay.scoring.loader import check_builtin_ids

    ids = check_builtin_ids([r.strip() for r in rulesets.split(",") if r.strip()], "--rulesets")
    paper = pipeline.Paper(attestations, None if no_waivers else waivers)
    scorer = pipeline.scorer(registry, ids, ruleset or [], paper)
    results = scorer(bundle)
    target = out or bundle_path.parent
    recorded = pipeline.record_audit(opts.history, results, bundle, bundle_path=bundle_path, rescore=scorer)
    thresholds = pipeline.Thresholds.parse(fail_under or [])
    pipeline.write_outputs(
        target,
        results,
        bundle,
        write_evidence=False,
        formats=opts.formats,
        recorded=recorded,
        thresholds=thresholds,
    )
    _finish(results, bundle, target, thresholds, strict, opts, recorded)


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
    attestations: AttestationsOpt = None,
    waivers: WaiversOpt = None,
    no_waivers: NoWaiversOpt = False,
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
        for why in sandbox.unavailable:
            _say(f"[yellow]left out of the sandbox:[/] {why}")
        cfg = parse_config(sandbox.config, f"sandbox:{org}", registry)
        opts = _output_options(fmt, history or cfg.settings.history, no_history, fail_on_drop)
        opts.paper = pipeline.Paper(attestations, None if no_waivers else waivers)
        _audit(cfg, registry, out, [], thresholds, strict, opts, started=started)


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
    # the rules load (and bad ones fail) before anything is collected
    scorer = pipeline.scorer(registry, cfg.settings.rulesets, ruleset_files, opts.paper)
    bundle = pipeline.collect(cfg, registry, progress=not State.quiet)
    results = scorer(bundle)
    recorded = pipeline.record_audit(
        opts.history, results, bundle, bundle_path=out / pipeline.BUNDLE_NAME, rescore=scorer
    )
    pipeline.write_outputs(
        out,
        results,
        bundle,
        formats=opts.formats,
        recorded=recorded,
        artifact=opts.artifact,
        meta=pipeline.report_meta(cfg),
        thresholds=thresholds,
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
            since = f"; baseline (last complete audit): #{previous.id}" if previous else ""
            _say(f"recorded as audit #{recorded.record.id} in the history{since}")
    incomplete = pipeline.incomplete_sources(bundle)
    judgement = _judge_drops(recorded, incomplete) if opts.fail_on_drop and recorded else None
    if strict and incomplete:
        _err(f"evidence incomplete (--strict): {', '.join(incomplete)}")
        raise typer.Exit(EXIT_INCOMPLETE)
    breaches = thresholds.breaches(results)
    drops = judgement.drop_words() if judgement else []
    if breaches:
        _err(f"below --fail-under: {'; '.join(breaches)}")
    if drops:
        _err(f"level dropped since {judgement.baseline} (--fail-on-drop): {'; '.join(drops)}")  # type: ignore[union-attr]
    if breaches or drops:
        raise typer.Exit(EXIT_BELOW_THRESHOLD)
    if strict and judgement and judgement.undecided:
        _err("levels undecided since the baseline (--strict): the evidence no longer decides them")
        raise typer.Exit(EXIT_INCOMPLETE)


def _judge_drops(recorded, incomplete: list[str]):  # type: ignore[no-untyped-def]
    """Say what --fail-on-drop compares and what it found besides drops; return the judgement."""
    from assay.cli.app import _note

    if incomplete:
        _note(
            f"audit #{recorded.record.id} is incomplete ({', '.join(incomplete)} not read in full): "
            "recorded, but it will not serve as a baseline"
        )
    if recorded.judgement is None:
        _note(
            f"no complete earlier audit of scope {recorded.record.scope!r} to compare with (--fail-on-drop)"
        )
        return None
    _note(
        f"--fail-on-drop compares with {recorded.judgement.baseline}, the last complete audit of scope "
        f"{recorded.record.scope!r}"
    )
    for line in recorded.judgement.notes():
        _note(line)
    return recorded.judgement


# --- reading results ---------------------------------------------------------------------------------
