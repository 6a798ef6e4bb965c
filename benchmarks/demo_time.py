"""Wall time of `assay demo` per sandbox estate (target: well under 20 s on a 2-core machine).

Runs the installed CLI as a user would, once per estate, and prints the wall time and the time the CLI
itself reports for the audit. Not part of the test run.

    .venv/bin/python benchmarks/demo_time.py [ESTATE ...]
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time

from assay.sandbox import list_estates


def main(estates: list[str]) -> None:
    with tempfile.TemporaryDirectory() as out:
        for name in estates:
            start = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "assay", "demo", "--org", name, "--out", f"{out}/{name}"],
                capture_output=True,
                text=True,
            )
            wall = time.perf_counter() - start
            reported = re.search(r"audit finished in ([\d.]+) s", proc.stderr)
            status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
            audit = f"{reported.group(1)} s" if reported else "?"
            print(f"{name:<18} wall {wall:6.1f} s   audit {audit:>8}   {status}")


if __name__ == "__main__":
    main(sys.argv[1:] or list_estates())
