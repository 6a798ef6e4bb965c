"""Commands about what assay knows: signals, rules, permissions, init."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assay.cli.app import _err, _say, app, rules_app
from assay.errors import AssayError


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


@rules_app.command("sources")
def rules_sources(
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, md or json.")] = "table",
) -> None:
    """Which sources can decide each criterion of the built-in rulesets (from the signal catalog)."""
    from assay.collectors.base import installed_collectors
    from assay.reports.catalog import render_criterion_sources
    from assay.scoring import builtin_ruleset_ids, load_rulesets
    from assay.scoring.sources import criterion_sources
    from assay.ui import out_console

    catalog = installed_collectors().catalog()
    rows = criterion_sources(load_rulesets(builtin_ruleset_ids(), [], catalog), catalog)
    sys.stdout.write(render_criterion_sources(out_console, rows, fmt))


@rules_app.command("show")
def rules_show(ruleset_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Print a ruleset as YAML (valid input for `rules validate` and `--ruleset`)."""
    from assay.collectors.base import installed_collectors
    from assay.scoring import dump_ruleset_yaml, load_rulesets
    from assay.scoring.loader import check_builtin_ids

    check_builtin_ids([ruleset_id], "rules show ID")
    catalog = installed_collectors().catalog()
    (ruleset,) = [r for r in load_rulesets([ruleset_id], [], catalog) if r.id == ruleset_id]
    sys.stdout.write(dump_ruleset_yaml(ruleset))


@rules_app.command("validate")
def rules_validate(files: Annotated[list[Path], typer.Argument(metavar="FILE")]) -> None:
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
