"""Usage errors as a CI log shows them: exit 2 and one clear line; help without type labels."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.e2e.test_cli import run

pytestmark = pytest.mark.e2e

TYPE_LABEL = re.compile(r"<(bool|int|str|float|list\[[^\]]*\]|Path|path|int range|text)>|\[x[<>]=")


def assert_usage_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and "internal error" not in lines[0], lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unknown_option_is_a_usage_error() -> None:
    assert_usage_error(run("audit", "--bogus"), "No such option: --bogus", "assay audit --help")


def test_unknown_command_is_a_usage_error() -> None:
    assert_usage_error(run("frobnicate"), "No such command 'frobnicate'", "assay --help")


def test_bad_values_and_missing_arguments_are_usage_errors() -> None:
    assert_usage_error(run("history", "--limit", "many"), "--limit")
    assert_usage_error(run("score"), "Missing argument 'BUNDLE'")
    assert_usage_error(run("history", "--limit", "0"), "--limit 0")


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_h_is_help(flag: str) -> None:
    top = run(flag)
    assert top.returncode == 0, top.stderr
    assert "Usage: assay" in top.stdout and "audit" in top.stdout
    sub = run("audit", flag)
    assert sub.returncode == 0 and "--fail-on-drop" in sub.stdout


def test_no_command_shows_help_as_a_usage_error() -> None:
    proc = run()
    assert proc.returncode == 2
    assert "Usage: assay" in proc.stdout + proc.stderr and "Traceback" not in proc.stderr


def commands() -> list[list[str]]:
    from typer.main import get_command

    from assay.cli import app

    group = get_command(app)
    ctx = group.make_context("assay", [], resilient_parsing=True)
    found: list[list[str]] = [[]]
    for name in group.list_commands(ctx):
        sub = group.get_command(ctx, name)
        if hasattr(sub, "list_commands"):
            found += [[name, inner] for inner in sub.list_commands(ctx)]  # type: ignore[union-attr]
        else:
            found.append([name])
    return found


def test_every_help_is_free_of_type_labels() -> None:
    names = commands()
    assert ["audit"] in names and ["rules", "validate"] in names
    for words in names:
        proc = subprocess.run(
            [sys.executable, "-m", "assay", *words, "--help"],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
            timeout=60,
        )
        assert proc.returncode == 0, (words, proc.stderr)
        assert not TYPE_LABEL.search(proc.stdout), (words, TYPE_LABEL.findall(proc.stdout))
