"""How bundle I/O, verification and scoring scale with the amount of evidence.

Builds a synthetic bundle of N evidence items (default 10,000 and 100,000) carrying the real MLflow
signals, writes it, reads and verifies it, and scores it with the built-in rulesets. Prints wall time and
the process's peak resident memory after each step. Not part of the test run.

    .venv/bin/python benchmarks/bundle_scoring.py [N ...]
    .venv/bin/python benchmarks/bundle_scoring.py --items 300000 --bundle-out /tmp/b300k.json.gz

With ``--bundle-out`` it only writes the synthetic bundle, then measures `assay verify` and `assay score`
on it in fresh processes (wall time and peak RSS from the kernel's accounting of each child), as a user
runs them. Targets: a 300,000-item bundle verifies and scores in at most 600 MiB each; 1M in 1.5 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from assay.bundleio import read_bundle, write_bundle
from assay.collectors.base import installed_collectors
from assay.evidence import Bundle, CollectorRun, Evidence, Signal
from assay.scoring import builtin_ruleset_ids, load_rulesets, results_to_json, score

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def synthetic_bundle(n: int) -> Bundle:
    evidence = [
        Evidence.make(
            source="mlflow",
            kind="mlflow.experiment",
            subject=f"experiment-{i}",
            endpoint="search_runs",
            observed_at=T0,
            data={"runs": [{"user": f"u{i % 17}", "n_params": 3, "n_metrics": 2, "has_git_commit": True}]},
        )
        for i in range(n)
    ]
    catalog = installed_collectors().catalog()
    ids = [e.id for e in evidence[:50]]
    signals = [
        Signal.ok(name, spec.source, [] if spec.type.value == "list" else 1, ids)
        for name, spec in catalog.items()
    ]
    runs = [CollectorRun(name=s, status="ok") for s in sorted({spec.source for spec in catalog.values()})]
    return Bundle(tool_version="bench", created_at=T0, collectors=runs, evidence=evidence, signals=signals)


def step(label: str, fn):  # type: ignore[no-untyped-def]
    """Time one step; memory is the process's peak resident set so far (no tracing overhead)."""
    start = time.perf_counter()
    value = fn()
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {label:<22} {elapsed * 1000:9.1f} ms   peak RSS {peak:7.1f} MiB")
    return value


def main(sizes: list[int]) -> None:
    catalog = installed_collectors().catalog()
    rulesets = load_rulesets(builtin_ruleset_ids(), [], catalog)
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            measure(n, Path(tmp) / f"b{n}.json.gz", rulesets, catalog)


def measure(n: int, path: Path, rulesets, catalog) -> None:  # type: ignore[no-untyped-def]
    print(f"N = {n:,} evidence")
    bundle = step("build + seal", lambda: synthetic_bundle(n).seal())
    step("write (gzip, atomic)", lambda: write_bundle(bundle, path))
    print(f"  {'size on disk':<22} {path.stat().st_size / 2**20:9.2f} MiB")
    loaded = step("read + verify", lambda: read_bundle(path))
    step("score (2 rulesets)", lambda: results_to_json(score(loaded, rulesets, catalog)))


def child(label: str, args: list[str]) -> None:
    """Run `assay ARGS` in a fresh process; report its wall time and its own peak RSS.

    GNU time measures the child it starts itself: a child forked straight from this (large) process would
    be charged this process's memory too.
    """
    timer = ["/usr/bin/time", "-f", "ASSAY-TIME %e %M"]
    command = [*timer, sys.executable, "-m", "assay", "-q", *args]
    proc = subprocess.run(command, capture_output=True, text=True)
    lines = [line for line in proc.stderr.splitlines() if line.startswith("ASSAY-TIME ")]
    if not lines:
        raise SystemExit("GNU time (/usr/bin/time, Debian package `time`) is needed for these figures")
    wall, peak_kib = lines[-1].split()[1:]
    problem = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("ASSAY-TIME"))
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}: {problem.strip()[:200]}"
    print(f"  {label:<22} {float(wall):9.2f} s    peak RSS {int(peak_kib) / 1024:7.1f} MiB   {status}")


def fresh_processes(n: int, path: Path) -> None:
    print(f"N = {n:,} evidence, written to {path}")
    step("build, seal, write", lambda: write_bundle(synthetic_bundle(n).seal(), path))
    print(f"  {'size on disk':<22} {path.stat().st_size / 2**20:9.2f} MiB")
    child("assay verify", ["verify", str(path)])
    with tempfile.TemporaryDirectory() as out:
        child("assay score", ["score", str(path), "--out", out, "--no-history"])  # json, md, html


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, help="bundle sizes measured in this process")
    parser.add_argument("--items", type=int, help="with --bundle-out: the synthetic bundle's size")
    parser.add_argument("--bundle-out", type=Path, help="write the bundle here; measure verify and score")
    args = parser.parse_args()
    if args.bundle_out:
        os.environ.setdefault("ASSAY_MAX_BUNDLE_MB", "4096")
        fresh_processes(args.items or 300_000, args.bundle_out)
    else:
        main(args.sizes or [10_000, 100_000])
