"""Start-up latency of the CLI, as a user feels it (targets: `assay --help` ≤ 0.2 s; a one-source collect
sends its first request within 0.5 s of starting).

Each figure is measured on fresh processes, several times; the minimum is the cost of assay itself, the
median shows the machine's noise. The first-request time is taken by a loopback HTTP server that notes
when the first request arrives, pointed at by a one-source (Prometheus) config. Not part of the test run.

    .venv/bin/python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ASSAY = [sys.executable, "-m", "assay"]


class FirstRequest(BaseHTTPRequestHandler):
    """Notes the moment of the first request, then answers 503 so the collector gives up quickly."""

    seen: float | None = None
    lock = threading.Lock()

    def do_GET(self) -> None:
        with FirstRequest.lock:
            if FirstRequest.seen is None:
                FirstRequest.seen = time.perf_counter()
        self.send_response(503)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def help_times(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([*ASSAY, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return times


def first_request_times(runs: int) -> list[float]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FirstRequest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "audit.yaml"
        config.write_text(
            f"scope: startup\ncollectors:\n  prometheus:\n    url: http://127.0.0.1:{server.server_port}\n"
            "    timeout_seconds: 5\n"
        )
        for _ in range(runs):
            FirstRequest.seen = None
            start = time.perf_counter()
            subprocess.run([*ASSAY, "-q", "collect", "-c", config, "--out", tmp], capture_output=True)
            if FirstRequest.seen is not None:
                times.append(FirstRequest.seen - start)
    server.shutdown()
    return times


def show(label: str, times: list[float], target: float) -> None:
    best, median = min(times), statistics.median(times)
    verdict = "within" if best <= target else "over"
    print(f"{label}: min {best:.3f} s, median {median:.3f} s over {len(times)} runs ({verdict} {target} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    show("assay --help", help_times(args.runs), 0.2)
    show("one-source collect, first request", first_request_times(args.runs), 0.5)


if __name__ == "__main__":
    main()
