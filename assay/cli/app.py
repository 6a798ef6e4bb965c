"""The Typer application, its global options and the entry point with its exit-code mapping.

Exit codes: 0 ok, 1 internal error (or `verify` found a bundle not intact), 2 usage/config error,
3 below a --fail-under threshold or a drop under --fail-on-drop, 4 evidence incomplete under --strict.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import click
import typer

from assay import __version__
from assay.cli.usage import CLICK_ERRORS, NO_ARGS_HELP, typer_app, usage_line
from assay.errors import EXIT_INTERNAL, EXIT_USAGE, AssayError

app = typer_app(
    name="assay",
    help="Evidence-based AI/ML operational maturity: collect evidence from real infrastructure, infer a "
    "maturity level per area, and show the evidence behind every level.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="rich",
)
rules_app = typer_app(help="List, show and validate rulesets.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


class State:
    quiet = False
    debug = False


ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="The audit config (assay init writes one).")]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Directory for the outputs (fixed file names).")]
RulesetOpt = Annotated[
    list[Path] | None,
    typer.Option("--ruleset", metavar="FILE", help="Your own ruleset or override file (repeatable)."),
]
FailUnderOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--fail-under",
        metavar="N|AREA=N",
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
        metavar="LIST",
        help="Reports to write besides results.json: md, html, pdf, oscal, json, junit, sarif, prometheus, "
        "charts, summary or all (comma-separated or repeated; default md,html).",
    ),
]
HistoryOpt = Annotated[
    str | None,
    typer.Option(
        "--history",
        metavar="PATH|URL",
        help="History store: a SQLite file or SQLAlchemy URL (default: the config's `history`, "
        "else .assay/history.db).",
    ),
]
NoHistoryOpt = Annotated[bool, typer.Option("--no-history", help="Do not record this audit in the history.")]
AttestationsOpt = Annotated[
    Path | None,
    typer.Option(
        "--attestations",
        help="Attestations file for practices no infrastructure shows (default: the config's "
        "`attestations`); `assay attest` writes it.",
    ),
]
WaiversOpt = Annotated[
    Path | None,
    typer.Option("--waivers", help="Waivers file of accepted exceptions (default: the config's `waivers`)."),
]
NoWaiversOpt = Annotated[bool, typer.Option("--no-waivers", help="Apply no waiver: show the raw picture.")]
FailOnDropOpt = Annotated[
    bool,
    typer.Option(
        "--fail-on-drop",
        help="Exit 3 when the evidence decides a lower level for an area than the last complete audit of "
        "the same scope did (a fall caused by sources not read is reported, not failed; 4 with --strict).",
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
    from assay.logs import install_logging

    install_logging(debug=debug)  # every handler redacts secrets (assay/logs.py)


# --- collect, score, audit -------------------------------------------------------------------------


def _say(message: str) -> None:
    from assay.ui import say

    say(message, quiet=State.quiet)


def _err(message: str) -> None:
    from rich.markup import escape

    from assay.logs import redact
    from assay.ui import err_console

    # escape: a message quotes user input, which may look like markup ("[/x]" would even raise);
    # soft_wrap: one line whatever the terminal width, so the sentence can be grepped from CI logs
    line = f"[red]error:[/] {escape(redact(message))}"
    err_console.print(line, markup=True, highlight=False, soft_wrap=True)


def _note(message: str) -> None:
    """A line the gate's reader needs (what was compared, what is undecided): on stderr, even with -q."""
    from rich.markup import escape

    from assay.logs import redact
    from assay.ui import err_console

    line = f"[yellow]note:[/] {escape(redact(message))}"
    err_console.print(line, markup=True, highlight=False, soft_wrap=True)


_GLOBAL_FLAGS = ("--quiet", "-q", "--debug")


def _leave(code: int) -> NoReturn:
    """Exit the console command without interpreter finalization.

    Everything assay writes is closed and renamed into place before this point, so the only thing left at
    exit is tearing down the SDKs' module graphs (MLflow, SQLAlchemy, pandas, botocore), which takes
    seconds. Exit handlers still run (sandbox services are stopped) and the streams are flushed first.
    """
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is not None:
        run_exit_handlers()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def main() -> None:
    """Entry point: one clear sentence for user errors, a traceback only with --debug."""
    args = sys.argv[1:]
    # Global flags are accepted anywhere on the line (`assay score B -q` as well as `assay -q score B`).
    flags = [a for a in args if a in _GLOBAL_FLAGS]
    args = flags + [a for a in args if a not in _GLOBAL_FLAGS]
    debug = "--debug" in flags
    try:
        rv = app(args=args, prog_name="assay", standalone_mode=False)
    except (click.exceptions.Exit, typer.Exit) as exc:
        _leave(exc.exit_code)
    except (click.exceptions.Abort, typer.Abort):
        _err("interrupted")
        _leave(130)
    except NO_ARGS_HELP as exc:  # `assay` or `assay rules` alone: the help, as a usage error
        exc.show()  # type: ignore[attr-defined]
        _leave(EXIT_USAGE)
    except CLICK_ERRORS as exc:
        _err(usage_line(exc))
        _leave(EXIT_USAGE)
    except AssayError as exc:
        if debug:
            raise
        _err(str(exc))
        _leave(exc.exit_code)
    except KeyboardInterrupt:
        _err("interrupted")
        _leave(130)
    except Exception as exc:
        if debug:
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
        _leave(EXIT_INTERNAL)
    _leave(rv if isinstance(rv, int) else 0)
