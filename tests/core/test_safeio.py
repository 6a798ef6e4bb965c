"""assay.safeio, the shared helper every reader of user files calls (attestations and waivers too)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from assay.errors import AssayError, EstateError, RulesetError
from assay.safeio import parse_json, read_gzip, read_json_file, read_yaml_file
from assay.sandbox import load_estate


class AttestationError(AssayError):
    """What a new reader brings: its own error class (exit 2)."""


def test_read_yaml_file_returns_data_or_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "attest.yaml"
    good.write_text("base: &b {by: alice}\nitems: [*b, *b]\n")
    assert read_yaml_file(good, what="attestation file", error=AttestationError) == {
        "base": {"by": "alice"},
        "items": [{"by": "alice"}, {"by": "alice"}],
    }
    for content, needle in [
        (b"a: [1,\n", r"attest.yaml:\d+: invalid YAML"),
        (b"\xff", "attest.yaml:1: the attestation file is not UTF-8 text"),
        (b"x" * (5 * 1024 * 1024), "larger than the 4 MiB limit"),
    ]:
        good.write_bytes(content)
        with pytest.raises(AttestationError, match=needle):
            read_yaml_file(good, what="attestation file", error=AttestationError)
    with pytest.raises(AttestationError, match="no such attestation file"):
        read_yaml_file(tmp_path / "missing.yaml", what="attestation file", error=AttestationError)
    with pytest.raises(AttestationError, match="is a folder"):
        read_yaml_file(tmp_path, what="attestation file", error=AttestationError)


def test_read_json_file_refuses_nan_and_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "waivers.json"
    path.write_text('{"ratio": NaN}')
    with pytest.raises(AttestationError, match=r"waivers.json: the waiver file holds NaN, which is not"):
        read_json_file(path, what="waiver file", error=AttestationError)
    path.write_text("[" * 100_000)
    with pytest.raises(AttestationError, match="nested too deeply"):
        read_json_file(path, what="waiver file", error=AttestationError)
    assert parse_json('{"ratio": NaN}', "x", what="bundle", error=AttestationError, allow_nan=True)


def test_read_gzip_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "b.json.gz"
    path.write_bytes(gzip.compress(b'{"a": "' + b"x" * 3_000_000 + b'"}'))
    with pytest.raises(AttestationError, match="inflates to more than the 2 MiB limit"):
        read_gzip(path, what="bundle", max_bytes=2 * 1024 * 1024, error=AttestationError)
    inflated = read_gzip(path, what="bundle", max_bytes=4 * 1024 * 1024, error=AttestationError)
    assert inflated.startswith(b'{"a"')


@pytest.mark.parametrize("name", ["../../etc", "/tmp", "aurora-dynamics/../cygnus-ai", ".", ""])
def test_sandbox_estates_are_named_not_paths(name: str) -> None:
    with pytest.raises(EstateError, match="unknown sandbox estate"):
        load_estate(name)


def test_rules_show_names_the_argument() -> None:
    from typer.testing import CliRunner

    from assay.cli import app

    result = CliRunner().invoke(app, ["rules", "show", "ai-cm"])
    assert isinstance(result.exception, RulesetError)
    assert str(result.exception).startswith("rules show ID: unknown builtin ruleset 'ai-cm'; did you mean")
