"""audit.yaml: every kind of bad input gets one sentence naming the file and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field

from assay.collectors.base import CollectorRegistry, SourceConfig
from assay.config import load_config, parse_config, starter_config
from assay.errors import ConfigError
from tests.core.toys import ToyCollector


class ToyConfig(SourceConfig):
    url: str = Field(description="Where the toy lives.")
    token_env: str | None = Field(None, description="Variable holding the token.")
    lookback_days: int = 90


@pytest.fixture
def registry() -> CollectorRegistry:
    cls = type("Configured", (ToyCollector,), {"config_model": ToyConfig})
    cls.name = "toy"
    return CollectorRegistry({"toy": cls})


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audit.yaml"
    path.write_text(text)
    return path


def test_valid_config_with_env_reference(tmp_path: Path, registry, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TOY_URL", "http://toy.internal")
    cfg = load_config(write(tmp_path, "scope: acme\ncollectors:\n  toy:\n    url: ${TOY_URL}\n"), registry)
    assert cfg.settings.scope == "acme"
    assert cfg.sections["toy"].url == "http://toy.internal"  # type: ignore[attr-defined]
    assert cfg.settings.rulesets == ["ai-cmm", "mlops-report"]
    assert len(cfg.digest) == 64


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("scope: [unclosed\n", r"audit.yaml:\d+: invalid YAML"),
        ("- a\n- b\n", "must be a mapping"),
        ("scop: acme\n", r"unknown key scop \(did you mean scope\?\); valid keys: scope, rulesets"),
        (
            "collectors:\n  tyo: {url: x}\n",
            r"unknown collector section collectors.tyo \(did you mean toy\?\); valid: toy",
        ),
        (
            "collectors:\n  toy: {url: 'http://x', lookback: 3}\n",
            r"unknown key collectors.toy.lookback .*valid keys: .*lookback_days",
        ),
        (
            "collectors:\n  toy: {url: 'http://x', lookback_days: soon}\n",
            r"collectors.toy.lookback_days: .*valid integer.*'soon'",
        ),
        ("collectors:\n  toy: {}\n", "collectors.toy.url is required"),
        (
            "collectors:\n  toy: {url: 'http://x', token: abc123}\n",
            r"collectors.toy.token looks like a secret; set token_env",
        ),
        (
            "collectors:\n  toy: {url: 'https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@x'}\n",
            "looks like a credential",
        ),
        (
            "collectors:\n  toy: {url: '${NOT_SET_ANYWHERE_42}'}\n",
            r"references \$\{NOT_SET_ANYWHERE_42\}, which is not set",
        ),
        ("timeout_seconds: -1\ncollectors: {}\n", "timeout_seconds: .*greater than 0"),
    ],
)
def test_bad_config_is_one_clear_sentence(tmp_path: Path, registry, text: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path, registry)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_missing_file(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="no such config file; `assay init`"):
        load_config(tmp_path / "missing.yaml", registry)


def test_env_default_and_ruleset_files_relative_to_config(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    cfg = load_config(
        write(tmp_path, "ruleset_files: [mine.yaml]\ncollectors:\n  toy: {url: '${NOPE_9:-http://d}'}\n"),
        registry,
    )
    assert cfg.sections["toy"].url == "http://d"  # type: ignore[attr-defined]
    assert cfg.settings.ruleset_files == [tmp_path / "mine.yaml"]


def test_starter_config_lists_every_field_and_parses(registry) -> None:  # type: ignore[no-untyped-def]
    text = starter_config(registry)
    assert "#   url: <required>   # Where the toy lives." in text
    assert "#   token_env: null   # Variable holding the token." in text
    import yaml

    doc = yaml.safe_load(text)
    assert parse_config(doc, "starter", registry).sections == {}


def test_starter_config_shows_the_report_section_and_it_parses(registry) -> None:  # type: ignore[no-untyped-def]
    import yaml

    lines = starter_config(registry).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# report:"))
    section = [line.removeprefix("# ") for line in lines[start : start + 4]]
    doc = yaml.safe_load("\n".join(["scope: x", *section]))
    report = parse_config(doc, "starter", registry).settings.report
    assert (report.client, report.prepared_by, str(report.logo)) == (
        "Aurora Dynamics",
        "Platform team",
        "logo.svg",
    )
