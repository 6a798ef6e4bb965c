"""Sharded collection end to end: `assay sandbox serve` keeps cygnus-ai up, one shell collects it whole,
another in three shards that `assay merge` joins, and both score to the same levels, criteria and signals.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sharding")]

ASSAY = [sys.executable, "-m", "assay"]


def assay(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ASSAY, *map(str, args)], capture_output=True, text=True, timeout=600, env=env, cwd=cwd
    )


def said(proc: subprocess.CompletedProcess[str]) -> str:
    """stderr with the console's line wrapping undone."""
    return " ".join(proc.stderr.split())


def read_env(path: Path) -> dict[str, str]:
    """The `export NAME=value` lines of the --env-out file, as a shell that sources it would see them."""
    found = {}
    for line in path.read_text().splitlines():
        if line.startswith("export "):
            name, _, value = line.removeprefix("export ").partition("=")
            (found[name],) = shlex.split(value)
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("serve")
    config, env_file = root / "audit.yaml", root / "sandbox.env"
    proc = subprocess.Popen(
        [*ASSAY, "sandbox", "serve", "--org", "cygnus-ai", "--config-out", config, "--env-out", env_file],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 300
    while not config.exists():
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        assert time.monotonic() < deadline, "the sandbox did not come up in 300 s"
        time.sleep(0.5)
    env = {**os.environ, **read_env(env_file)}
    yield {"root": root, "config": config, "env": env, "env_file": env_file}
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output
    assert "sandbox services stopped" in output


@pytest.fixture(scope="module")
def collected(served: dict[str, Any]) -> dict[str, Path]:
    root, config, env = served["root"], served["config"], served["env"]
    whole = assay("-q", "collect", "-c", config, "--out", root / "whole", env=env)
    assert whole.returncode == 0, whole.stderr
    for k in (1, 2, 3):
        part = assay("-q", "collect", "-c", config, "--out", root / f"part{k}", "--shard", f"{k}/3", env=env)
        assert part.returncode == 0, part.stderr
    merged = assay("merge", root / "part1", root / "part2", root / "part3", "--out", root / "merged", env=env)
    assert merged.returncode == 0, merged.stderr
    assert "3 shards" in said(merged)
    for name in ("whole", "merged"):
        scored = assay("-q", "score", root / name / "evidence.json.gz", "--out", root / name, env=env)
        assert scored.returncode == 0, scored.stderr
    return {name: root / name for name in ("whole", "merged")}


def bundle(path: Path) -> dict[str, Any]:
    return json.loads(gzip.decompress(path.read_bytes()))


def shard_file(root: Path, k: int) -> Path:
    return root / f"part{k}" / f"evidence-shard-{k}-of-3.json.gz"


def test_serve_writes_a_config_without_secrets_and_a_private_env_file(served: dict[str, Any]) -> None:
    doc = yaml.safe_load(served["config"].read_text())
    assert set(doc["collectors"]) == {"aws", "azure", "github", "jenkins", "mlflow", "prometheus"}
    secrets = read_env(served["env_file"]).values()
    text = served["config"].read_text()
    assert secrets and not [s for s in secrets if len(s) > 8 and s in text]
    assert served["env_file"].stat().st_mode & 0o777 == 0o600


def test_three_shards_merged_equal_one_collection(collected: dict[str, Path]) -> None:
    whole, merged = (bundle(collected[n] / "evidence.json.gz") for n in ("whole", "merged"))
    signals = {
        n: {s["name"]: (s["status"], s.get("value")) for s in b["signals"]}
        for n, b in (("w", whole), ("m", merged))
    }
    assert signals["m"] == signals["w"]
    subjects = {
        n: sorted((e["kind"], e["subject"]) for e in b["evidence"]) for n, b in (("w", whole), ("m", merged))
    }
    assert subjects["m"] == subjects["w"]
    assert {c["name"]: c["status"] for c in merged["collectors"]} == {
        c["name"]: c["status"] for c in whole["collectors"]
    }

    def verdicts(name: str) -> dict[str, Any]:
        results = json.loads((collected[name] / "results.json").read_text())
        return {
            f"{rs['id']}:{a['id']}": (a["level"], a["upper"], [(c["id"], c["status"]) for c in a["criteria"]])
            for rs in results["rulesets"]
            for a in rs["areas"]
        }

    assert verdicts("merged") == verdicts("whole")


def test_each_shard_reads_only_its_part(collected: dict[str, Path]) -> None:
    root = collected["whole"].parent
    parts = [bundle(shard_file(root, k)) for k in (1, 2, 3)]
    assert all(p["signals"] == [] for p in parts), "population signals are derived after the merge"
    ids = [{e["kind"] + e["subject"] for e in p["evidence"] if not e["kind"].endswith(".gap")} for p in parts]
    assert all(ids), "every shard owns part of cygnus-ai"
    assert not (ids[0] & ids[1]) and not (ids[1] & ids[2]) and not (ids[0] & ids[2])
    prometheus = [len([e for e in p["evidence"] if e["source"] == "prometheus"]) for p in parts]
    assert prometheus[0] > 0 and prometheus[1:] == [0, 0], "Prometheus is read whole, by shard 1"


def test_merge_refuses_a_missing_or_duplicate_shard(collected: dict[str, Path], tmp_path: Path) -> None:
    root = collected["whole"].parent
    missing = assay("merge", shard_file(root, 1), shard_file(root, 3), "--out", tmp_path)
    assert missing.returncode == 2 and "shard 2/3 is missing" in said(missing), missing.stderr
    twice = assay("merge", shard_file(root, 1), shard_file(root, 1), shard_file(root, 2), "--out", tmp_path)
    assert twice.returncode == 2 and "is given twice" in said(twice), twice.stderr
    copy = tmp_path / "copy.json.gz"
    copy.write_bytes(shard_file(root, 1).read_bytes())
    both = assay("merge", shard_file(root, 1), copy, shard_file(root, 2), "--out", tmp_path)
    assert both.returncode == 2 and "are both shard 1/3" in said(both), both.stderr
    assert "Traceback" not in missing.stderr + twice.stderr
    assert not (tmp_path / "evidence.json.gz").exists()


def test_merge_refuses_shards_of_another_config(served: dict[str, Any], collected: dict[str, Path]) -> None:
    root = collected["whole"].parent
    other = root / "other.yaml"
    doc = yaml.safe_load(served["config"].read_text())
    doc["timeout_seconds"] = 123
    other.write_text(yaml.safe_dump(doc))
    part = assay("-q", "collect", "-c", other, "--out", root / "other", "--shard", "2/3", env=served["env"])
    assert part.returncode == 0, part.stderr
    mixed = assay("merge", shard_file(root, 1), root / "other", shard_file(root, 3), "--out", root / "mixed")
    assert mixed.returncode == 2, mixed.stderr
    assert "not shards of one collection: their config digest differs" in said(mixed)


def test_a_lone_shard_is_not_scored(collected: dict[str, Path], tmp_path: Path) -> None:
    proc = assay("score", shard_file(collected["whole"].parent, 2), "--out", tmp_path)
    assert proc.returncode == 2 and "assay merge" in said(proc), proc.stderr


def test_a_bad_shard_spec_is_a_usage_error(served: dict[str, Any], tmp_path: Path) -> None:
    proc = assay("collect", "-c", served["config"], "--out", tmp_path, "--shard", "4/3")
    assert proc.returncode == 2 and "expected K/N with 1 <= K <= N" in said(proc), proc.stderr


def scale_example(name: str) -> str:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    match = re.search(rf"<!-- scale-example: {name} -->\n```\w+\n(.*?)\n```", readme, re.S)
    assert match, f"the README has no scale-example {name}"
    return match[1]


def run_line(line: str, cwd: Path, env: dict[str, str]) -> None:
    """One shell line of an example, without its package install (the runner's business, not ours)."""
    line = re.sub(r"^pip install assay && ", "", line)
    assert line.startswith("assay "), line
    path = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    done = subprocess.run(
        ["sh", "-c", line], cwd=cwd, env={**env, "PATH": path}, capture_output=True, text=True
    )
    assert done.returncode == 0, f"{line}\n{done.stderr}"


def test_the_github_actions_matrix_example_runs(served: dict[str, Any], tmp_path: Path) -> None:
    jobs = yaml.safe_load(scale_example("github"))["jobs"]
    shards = jobs["collect"]["strategy"]["matrix"]["shard"]
    assert shards == [1, 2, 3] and jobs["score"]["needs"] == "collect"
    downloaded = tmp_path / "score" / "parts"  # download-artifact with merge-multiple: every shard's files
    downloaded.mkdir(parents=True)
    for shard in shards:
        runner = tmp_path / f"runner-{shard}"
        runner.mkdir()
        (runner / "audit.yaml").write_text(served["config"].read_text())
        for step in jobs["collect"]["steps"]:
            if "run" in step and not step["run"].startswith("pip "):
                run_line(step["run"].replace("${{ matrix.shard }}", str(shard)), runner, served["env"])
        for produced in (runner / "parts").iterdir():
            produced.rename(downloaded / produced.name)
    for step in jobs["score"]["steps"]:
        if "run" in step and not step["run"].startswith("pip "):
            run_line(step["run"], tmp_path / "score", served["env"])
    assert (tmp_path / "score" / "assay-out" / "results.sarif").is_file()


def test_the_kubernetes_indexed_job_example_runs(served: dict[str, Any], tmp_path: Path) -> None:
    collect, score = yaml.safe_load_all(scale_example("kubernetes"))
    spec = collect["spec"]
    assert (spec["completionMode"], spec["completions"], spec["parallelism"]) == ("Indexed", 3, 3)
    (config, parts) = (tmp_path / "config", tmp_path / "parts")
    config.mkdir()
    (config / "audit.yaml").write_text(served["config"].read_text())

    def local(line: str) -> str:  # the pod's mounts, as folders here
        return line.replace("/config/", f"{config}/").replace("/parts", str(parts))

    (container,) = spec["template"]["spec"]["containers"]
    assert container["command"] == ["sh", "-c"]
    for index in range(spec["completions"]):
        run_line(local(container["args"][0]), tmp_path, {**served["env"], "JOB_COMPLETION_INDEX": str(index)})
    assert sorted(p.name for p in parts.glob("evidence-shard-*")) == [
        f"evidence-shard-{k}-of-3.json.gz" for k in (1, 2, 3)
    ]
    (scorer,) = score["spec"]["template"]["spec"]["containers"]
    run_line(local(scorer["args"][0]), tmp_path, served["env"])
    results = json.loads((parts / "merged" / "results.json").read_text())
    assert len([a for rs in results["rulesets"] for a in rs["areas"]]) == 10
