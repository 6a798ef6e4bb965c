"""Help without type labels, and usage errors told in one line with exit 2.

Typer 0.29 ships its own copy of click (`typer._click`), so `click.ClickException` does not match the
errors it raises; both families are caught here. Help labels come from each option's metavar: flags
get none, other options a plain placeholder (PATH, N, or their own name), arguments only their name, so
`--help` never shows `<bool>`, `<list[Path]>` or `<int range>`. Options declare no `min=`/`max=` (Typer
would print `[x>=1]`); the commands check ranges themselves.
"""

from __future__ import annotations

from typing import Any

import click
import typer
from typer.core import TyperGroup

try:  # Typer >= 0.20 vendors click
    from typer._click.exceptions import ClickException as _TyperClickException
    from typer._click.exceptions import NoArgsIsHelpError as _TyperNoArgsIsHelp
except ImportError:  # pragma: no cover - an older Typer on the stock click
    _TyperClickException = click.ClickException  # type: ignore[assignment,misc]
    _TyperNoArgsIsHelp = getattr(click.exceptions, "NoArgsIsHelpError", click.UsageError)  # type: ignore[assignment,misc]

CLICK_ERRORS: tuple[type[Exception], ...] = (click.ClickException, _TyperClickException)
NO_ARGS_HELP: tuple[type[Exception], ...] = (_TyperNoArgsIsHelp,)
HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


def usage_line(exc: Exception) -> str:
    """One line: what was wrong, and where the help is (`assay audit --help`)."""
    message = " ".join(getattr(exc, "format_message", lambda: str(exc))().split())
    ctx = getattr(exc, "ctx", None)
    where = getattr(ctx, "command_path", None) or "assay"
    return f"{message} (see `{where} --help`)"


def plain_metavars(params: list[Any]) -> list[Any]:
    """Give every option without a metavar a plain one: none for flags, PATH, N or its own name."""
    for param in params:
        if getattr(param, "param_type_name", "") == "argument":
            # an argument's name column already says what it is (BUNDLE, FILE...); no `<Path>` beside it
            param.display_type_rich = _no_label
            continue
        if getattr(param, "param_type_name", "") != "option" or param.metavar is not None:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
            continue
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is not None and getattr(descriptor, "is_path", False):
            param.metavar = "PATH"
        elif descriptor is not None and getattr(descriptor, "annotation", None) is int:
            param.metavar = "N"
        else:
            longest = max(param.opts, key=len).lstrip("-")
            param.metavar = longest.upper().replace("-", "_")
    return params


def _no_label(ctx: Any) -> None:
    return None


class AssayGroup(TyperGroup):
    """A Typer group whose commands (and itself) show help with plain metavars."""

    def get_params(self, ctx: Any) -> list[Any]:
        return plain_metavars(super().get_params(ctx))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if isinstance(command, TyperGroup) and not isinstance(command, AssayGroup):
            command.__class__ = AssayGroup  # a sub-app made with a plain typer.Typer(): same layout
        if command is not None and not isinstance(command, AssayGroup):
            plain_metavars(command.get_params(ctx))  # also the cached help option
        return command


def typer_app(**kwargs: Any) -> typer.Typer:
    """A Typer app with `-h` as `--help` and plain metavars."""
    return typer.Typer(cls=AssayGroup, context_settings=HELP_OPTIONS, **kwargs)
