"""audit.yaml against hostile or mistaken input: bounded reading, env references, *_env names, URLs."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field

from assay.collectors.base import CollectorRegistry, SourceConfig
from assay.config import load_config
from assay.config.checks import require_enabled_source
from assay.errors import ConfigError
from tests.core.toys import ToyCollector


class UrlConfig(SourceConfig):
    url: str = Field(description="Base URL.")
    tracking_uri: str | None = None
    token_env: str | None = None
    headers_env: dict[str, str] = Field(default_factory=dict)


@pytest.fixture
def registry() -> CollectorRegistry:
    cls = type("Configured", (ToyCollector,), {"config_model": UrlConfig})
    cls.name = "toy"
    return CollectorRegistry({"toy": cls})


def load(tmp_path: Path, registry: CollectorRegistry, text: str | bytes):  # type: ignore[no-untyped-def]
    path = tmp_path / "audit.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path, lambda: load_config(path, registry)


def refused(tmp_path: Path, registry: CollectorRegistry, text: str | bytes, pattern: str) -> str:
    path, run = load(tmp_path, registry, text)
    with pytest.raises(ConfigError, match=pattern) as info:
        run()
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert "\n" not in message
    return message


TOY = "collectors:\n  toy:\n    url: {url}\n"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        (b"scope: caf\xe9\n", r"audit.yaml:1: the config file is not UTF-8 text \(byte 0xe9\)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        ("scope: ok\n\x00\n", r"audit.yaml:2: invalid YAML: character #x0000 is not allowed"),
        ("[" * 20_000, r"audit.yaml:1: the config is refused: nested deeper than 64 levels"),
        ("a: 1\n" + "x: " + "9" * 100_000 + "\n", "an integer longer than 4300 digits"),
        ("", r"the config is empty \(or only comments\)"),
        ("# just a comment\n\n# another\n", "the config is empty"),
        ("&a [*a]\n", "recursive alias"),
        ("1: x\ncollectors: {}\n", "the key 1 is not a name"),
    ],
)
def test_unreadable_configs_are_refused(tmp_path: Path, registry, text, pattern) -> None:  # type: ignore[no-untyped-def]
    refused(tmp_path, registry, text, pattern)


def test_billion_laughs_is_refused_at_once(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    refused(tmp_path, registry, "\n".join(lines) + "\n", "expands to more than 250000 values")


def test_an_oversized_config_is_refused_without_parsing(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    refused(tmp_path, registry, "# " + "x" * (300 * 1024) + "\n", "larger than the 256 KiB limit")


def test_aliases_within_budget_still_work(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    text = "base: &b {url: 'http://h'}\n"  # unknown key `base` is refused afterwards, not the alias
    _, run = load(tmp_path, registry, "collectors:\n  toy: &t {url: 'http://h:8080/p'}\n")
    assert run().sections["toy"].url == "http://h:8080/p"  # type: ignore[attr-defined]
    refused(tmp_path, registry, text + "collectors:\n  toy: *b\n", "unknown key base")


@pytest.mark.parametrize(
    ("value", "env", "pattern"),
    [
        ("${}", {}, r"collectors.toy.url holds an empty \$\{\}"),
        (
            "'${TOY_NEEDED:?set it to the toy server}'",
            {},
            r"needs \$\{TOY_NEEDED\}.*: set it to the toy server",
        ),
        ("'${TOY_NEEDED:?set it}'", {"TOY_NEEDED": ""}, r"needs \$\{TOY_NEEDED\}, which is not set: set it"),
        ("'${TOY_UNSET_1}'", {}, r"references \$\{TOY_UNSET_1\}, which is not set"),
        ("'${1BAD}'", {}, r"\$\{1BAD\} is not a variable reference"),
        ("'http://${TOY_HOST'", {"TOY_HOST": "h"}, r"has an unclosed \$\{"),
    ],
)
def test_env_references_that_cannot_expand_are_errors(  # type: ignore[no-untyped-def]
    tmp_path: Path, registry, monkeypatch, value, env, pattern
) -> None:
    monkeypatch.delenv("TOY_NEEDED", raising=False)
    for key, val in env.items():
        monkeypatch.setenv(key, val)
    refused(tmp_path, registry, TOY.format(url=value), pattern)


def test_env_reference_forms(tmp_path: Path, registry, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TOY_HOST", "h")
    monkeypatch.setenv("TOY_EMPTY", "")
    monkeypatch.delenv("TOY_GONE", raising=False)
    url = "'http://${TOY_HOST}:${TOY_GONE:-81}${TOY_EMPTY-/unused}${TOY_EMPTY:-/x}${TOY_HOST:?m}'"
    _, run = load(tmp_path, registry, TOY.format(url=url))
    assert run().sections["toy"].url == "http://h:81/xh"  # type: ignore[attr-defined]


PEM = "-----BEGIN RSA PRIVATE KEY-----"


@pytest.mark.parametrize(
    ("line", "pattern"),
    [
        (f"token_env: '{PEM}'", r"collectors.toy.token_env holds what looks like the secret itself"),
        ("token_env: ghp_abcdefghijklmnopqrstuvwxyz0123456789", "looks like the secret itself"),
        ("token_env: AKIAIOSFODNN7EXAMPLE", "looks like the secret itself"),
        ("token_env: 'my token'", r"token_env must be the NAME of an environment variable"),
        ("headers_env: {X-Org: 'not a name'}", r"collectors.toy.headers_env.X-Org must be the NAME"),
    ],
)
def test_env_keys_hold_variable_names(tmp_path: Path, registry, line, pattern) -> None:  # type: ignore[no-untyped-def]
    message = refused(tmp_path, registry, f"collectors:\n  toy:\n    url: 'http://h'\n    {line}\n", pattern)
    assert "ghp_abc" not in message and "AKIAIOS" not in message and "BEGIN" not in message


@pytest.mark.parametrize(
    ("url", "pattern"),
    [
        ("not a url", r"collectors.toy.url is not an http\(s\) URL \(got 'not a url'\)"),
        ("ftp://h/x", r"is not an http\(s\) URL"),
        ("http://", r"is not an http\(s\) URL"),
        ("'http://h:port/'", "is not a valid URL"),
        ("'http://user:pass@h/'", r"carries a user name or password; .* use token_env, headers_env"),
        ("'http://prom:9090/?token=X'", r"has a query string \(\?token=\.\.\.\)"),
        ("'http://h/#frag'", "has a #fragment"),
    ],
)
def test_base_urls_are_checked(tmp_path: Path, registry, url, pattern) -> None:  # type: ignore[no-untyped-def]
    message = refused(tmp_path, registry, TOY.format(url=url), pattern)
    assert "pass@" not in message


def test_uris_of_other_schemes_pass_but_http_ones_are_checked(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    _, run = load(
        tmp_path, registry, "collectors:\n  toy: {url: 'https://h', tracking_uri: 'sqlite:///m.db'}\n"
    )
    assert run().sections["toy"].tracking_uri == "sqlite:///m.db"  # type: ignore[attr-defined]
    refused(
        tmp_path,
        registry,
        "collectors:\n  toy: {url: 'https://h', tracking_uri: 'https://u:p@mlflow'}\n",
        "collectors.toy.tracking_uri carries a user name or password",
    )


def test_unknown_builtin_ruleset_names_file_and_field(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    refused(
        tmp_path,
        registry,
        "rulesets: [ai-cmm, ai-cm]\ncollectors: {}\n",
        r"audit.yaml: rulesets\[1\]: unknown builtin ruleset 'ai-cm'; did you mean 'ai-cmm'\?",
    )


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("scope: acme\ncollectors:\n  # toy: {url: 'http://h'}\n", "no source is configured"),
        ("collectors:\n  toy: {url: 'http://h', enabled: false}\n", r"every source is disabled \(toy\)"),
    ],
)
def test_audit_needs_an_enabled_source(tmp_path: Path, registry, text, pattern) -> None:  # type: ignore[no-untyped-def]
    path, run = load(tmp_path, registry, text)
    with pytest.raises(ConfigError, match=pattern) as info:
        require_enabled_source(run())
    assert str(info.value).startswith(str(path)) and "add one under `collectors:`" in str(info.value)
