"""Hostile files given to the real CLI: each exits 2 with one sentence naming the file, never a traceback,
and stays under 1 GiB of memory (measured with GNU time, as a user would see it)."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from assay.bundleio import write_bundle
from assay.scoring import results_to_json
from tests.reports import sample

pytestmark = pytest.mark.e2e

GNU_TIME = "/usr/bin/time"
MEMORY_LIMIT_KIB = 1024 * 1024  # 1 GiB
HANG_GUARD_S = 120  # a hang fails the test; no assertion on how fast it is


def run_measured(*args: str | Path, cwd: Path) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run `assay ARGS` under GNU time -v; return the process and its peak resident memory in KiB."""
    if not os.path.exists(GNU_TIME):
        if os.environ.get("CI") == "true":
            pytest.fail("GNU time (/usr/bin/time) is missing; .ci/run installs the `time` package")
        pytest.skip("GNU time (/usr/bin/time) is not installed")
    env = {**os.environ, "COLUMNS": "200", "ASSAY_MAX_BUNDLE_MB": ""}
    stats = cwd / "time.txt"
    proc = subprocess.run(
        [GNU_TIME, "-v", "-o", str(stats), sys.executable, "-m", "assay", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=HANG_GUARD_S,
    )
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stats.read_text())
    assert found, stats.read_text()
    return proc, int(found.group(1))


def assert_refused(proc: subprocess.CompletedProcess[str], rss_kib: int, named: Path, needle: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    message = proc.stderr.strip()
    assert str(named) in message, message
    assert needle in message, message
    assert len(message.splitlines()) == 1, message
    assert rss_kib < MEMORY_LIMIT_KIB, f"peak RSS {rss_kib} KiB"


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"scope: \xff\xfe binary \x00\x01\n", "is not UTF-8 text"),
        (b"[" * 20_000, "nested deeper than 64 levels"),
        (billion_laughs().encode(), "expands to more than"),
        (b"# " + b"x" * (50 * 1024 * 1024) + b"\n", "larger than the 256 KiB limit"),
    ],
    ids=["non-utf8", "deep-20000", "alias-bomb", "50MB"],
)
def test_hostile_configs(tmp_path: Path, content: bytes, needle: str) -> None:
    config = tmp_path / "audit.yaml"
    config.write_bytes(content)
    proc, rss = run_measured("audit", "-c", config, "--out", tmp_path / "out", "--no-history", cwd=tmp_path)
    assert_refused(proc, rss, config, needle)


def _gzip_stream(path: Path, prefix: bytes, filler: bytes, total: int) -> None:
    """A gzip member of `prefix` then `filler` repeated to `total` bytes, compressed as a stream."""
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = filler * (1024 * 1024 // len(filler))
    with path.open("wb") as out:
        out.write(deflate.compress(prefix))
        for _ in range(total // len(chunk)):
            out.write(deflate.compress(chunk))
        out.write(deflate.flush())


def test_gzip_bomb_of_512_mib_is_refused_while_inflating(tmp_path: Path) -> None:
    bomb = tmp_path / "evidence.json.gz"
    _gzip_stream(bomb, b'{"schema": "assay/bundle/v1", "tool_version": "', b"A", 512 * 1024 * 1024)
    assert bomb.stat().st_size < 2 * 1024 * 1024
    proc, rss = run_measured("score", bomb, "--out", tmp_path / "out", "--no-history", cwd=tmp_path)
    assert_refused(proc, rss, bomb, "inflates to more than the 256 MiB limit")


@pytest.mark.parametrize(
    ("payload", "needle"),
    [
        (b"[" * 100_000, "not valid JSON"),
        (b'{"schema": "assay/bundle/v1", "evidence": ' + b"[" * 100_000, "nested too deeply"),
        (b'{"schema": "assay/bundle/v1", "n": ' + b"9" * 100_000 + b"}", "an integer longer than 4300"),
    ],
    ids=["brackets", "nested", "digits"],
)
@pytest.mark.parametrize("verb", ["score", "verify", "diff"])
def test_hostile_bundles(tmp_path: Path, payload: bytes, needle: str, verb: str) -> None:
    bundle = tmp_path / "evidence.json.gz"
    bundle.write_bytes(gzip.compress(payload))
    args: list[str | Path] = {
        "score": ["score", bundle, "--no-history"],
        "verify": ["verify", bundle],
        "diff": ["diff", bundle, bundle],
    }[verb]
    proc, rss = run_measured(*args, cwd=tmp_path)
    assert_refused(proc, rss, bundle, needle)


@pytest.fixture(scope="module")
def good_results() -> dict:  # type: ignore[type-arg]
    return json.loads(results_to_json(sample.results()))


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        (lambda d: d["rulesets"][0]["areas"][0].update(level=-1), "greater than or equal to 0"),
        (lambda d: d["rulesets"][0]["areas"][0].update(level=10**30), "less than or equal to 5"),
        (lambda d: d["rulesets"][0]["areas"][0].update(coverage=float("nan")), "holds NaN, which is not"),
        (lambda d: d.pop("rulesets"), "malformed results at rulesets: Field required"),
        (lambda d: d["rulesets"][0]["areas"][0].pop("criteria"), "criteria: Field required"),
    ],
    ids=["level-1", "level-1e30", "nan-coverage", "no-rulesets", "no-criteria"],
)
@pytest.mark.parametrize("verb", ["report", "diff"])
def test_invalid_results_are_refused_before_report_or_diff(  # type: ignore[no-untyped-def]
    tmp_path: Path, good_results, change, needle: str, verb: str
) -> None:
    doc = json.loads(json.dumps(good_results))
    change(doc)
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc))
    args = ["report", path] if verb == "report" else ["diff", path, path]
    proc, rss = run_measured(*args, cwd=tmp_path)
    assert_refused(proc, rss, path, needle)
    assert proc.stdout == ""


def _huge_ruleset(path: Path, areas: int) -> None:
    with path.open("w") as out:
        out.write("id: huge\ntitle: Huge\nlevels: {1: a, 2: b, 3: c, 4: d, 5: e}\nareas:\n")
        for i in range(areas):
            out.write(f"  - {{id: a{i}, title: A}}\n")


@pytest.mark.parametrize("verb", ["validate", "score"])
def test_a_200000_area_ruleset_is_refused(tmp_path: Path, verb: str) -> None:
    rules = tmp_path / "huge.yaml"
    _huge_ruleset(rules, 200_000)
    if verb == "validate":
        proc, rss = run_measured("rules", "validate", rules, cwd=tmp_path)
    else:
        bundle = write_bundle(sample.bundle(), tmp_path / "evidence.json.gz")
        proc, rss = run_measured("score", bundle, "--ruleset", rules, "--no-history", cwd=tmp_path)
    assert_refused(proc, rss, rules, "larger than the 1 MiB limit")


def test_many_areas_within_the_size_limit_are_refused_by_count(tmp_path: Path) -> None:
    rules = tmp_path / "many.yaml"
    _huge_ruleset(rules, 1000)
    proc, rss = run_measured("rules", "validate", rules, cwd=tmp_path)
    assert_refused(proc, rss, rules, "the ruleset has 1000 areas; at most 200")


def test_unknown_builtin_ruleset_on_the_command_line(tmp_path: Path) -> None:
    bundle = write_bundle(sample.bundle(), tmp_path / "evidence.json.gz")
    proc, _rss = run_measured("score", bundle, "--rulesets", "ai-cmm,nope", "--no-history", cwd=tmp_path)
    assert proc.returncode == 2 and "--rulesets: unknown builtin ruleset 'nope'" in proc.stderr, proc.stderr


def test_an_error_quoting_markup_like_input_is_printed_as_is_on_one_line(tmp_path: Path) -> None:
    # rich used to read the quoted value as markup: "[/x]" raised MarkupError, a traceback with exit 1
    config = tmp_path / "audit.yaml"
    config.write_text(
        'collectors:\n  mlflow: {tracking_uri: "sqlite:///m.db", lookback_days: "[/x] [red]"}\n'
    )
    proc, rss = run_measured("audit", "-c", config, "--no-history", cwd=tmp_path)
    assert_refused(proc, rss, config, "(got '[/x] [red]')")
