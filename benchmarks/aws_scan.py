"""Seed the advanced estate (cygnus-ai: an organisation, 3 accounts × 2 regions) into moto behind the
sandbox front, audit it with the AWS collector, and print requests and wall time per account × region.

    .venv/bin/python benchmarks/aws_scan.py [--estate cygnus-ai] [--concurrency 8]

"seconds" per account × region is the time spent in that cell's reads (they overlap: reads run
concurrently), so the cells add up to more than the wall time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from assay.collectors.base import installed_collectors
from assay.collectors.runner import collect_bundle
from assay.config import parse_config
from assay.sandbox.aws_sandbox import AwsMaterializer
from assay.sandbox.estate import load_estate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--estate", default="cygnus-ai")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--runs", type=int, default=2, help="audits of the same estate (the first pays imports)"
    )
    args = parser.parse_args()

    estate = load_estate(args.estate)
    mat = AwsMaterializer()
    started = time.perf_counter()
    result = mat.start(estate, estate.source("aws") or {}, Path(tempfile.mkdtemp(prefix="assay-bench-")))
    seeded = time.perf_counter() - started
    os.environ.update(result.env)
    names = {v: k for k, v in mat.accounts.items()}
    try:
        registry = installed_collectors()
        config = parse_config(
            {"collectors": {"aws": {**result.config, "concurrency": args.concurrency}}}, "bench", registry
        )
        walls = []
        for _ in range(args.runs):
            started = time.perf_counter()
            bundle = collect_bundle({"aws": config.sections["aws"]}, registry, scope=args.estate)
            walls.append(time.perf_counter() - started)
    finally:
        mat.stop()
    (run,) = [c for c in bundle.collectors if c.name == "aws"]
    print(f"estate {args.estate}: seeded moto in {seeded:.2f} s; collector status {run.status}")
    print(f"{'account':<16} {'name':<20} {'region':<10} {'calls':>6} {'seconds':>8}")
    for cell in run.details["cells"]:
        label = names.get(cell["account"], "(caller identity)" if not cell["account"] else "")
        account = cell["account"] or "-"
        print(f"{account:<16} {label:<20} {cell['region']:<10} {cell['calls']:>6} {cell['seconds']:>8.2f}")
    cells = [c for c in run.details["cells"] if c["account"]]
    print(
        f"total: {sum(run.api_calls.values())} API calls, {run.http_requests} HTTP requests, "
        f"{len(cells)} account × regions, {len(bundle.evidence)} evidence, concurrency {args.concurrency}"
    )
    print(
        "wall per audit: " + ", ".join(f"{w:.2f} s" for w in walls) + " (the first includes moto's imports)"
    )


if __name__ == "__main__":
    main()
