"""Serve an estate's monitoring state with the real Prometheus binary (Debian package ``prometheus``).

Each scrape target is a real exporter (``prometheus_client`` HTTP server in a thread, on a free port)
exposing the fixture's metric families; down targets point at closed ports. Rule groups are written as rule
files (checked with ``promtool check rules``), and the 30-day ALERTS history of the fixture's alert
episodes is backfilled into the TSDB with ``promtool tsdb create-blocks-from openmetrics`` before the
server starts. Prometheus runs on 127.0.0.1 in its own process group with 1 s scrape and evaluation
intervals; ``start`` returns once every target has been scraped and the firing alerts fire.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from assay.errors import EstateError
from assay.sandbox.prometheus_fixture import BUCKETS, Family, Monitoring

START_TIMEOUT = 45.0
STOP_GRACE_S = 1.0  # a sandbox TSDB need not be flushed: SIGKILL after a second
BACKFILL_STEP_S = 60
BACKFILL_GAP_S = 120  # the backfill stops this long before now; the live rules take over from there
BACKFILL_PROCESSES = 12
BLOCK_S = 7200  # promtool's block range


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise EstateError(f"the {name} binary is not installed (Debian/Ubuntu: apt-get install prometheus)")
    return path


class Exporter:
    """One scrape target: the fixture's families served by prometheus_client on 127.0.0.1."""

    def __init__(self, families: list[Family]) -> None:
        from prometheus_client import CollectorRegistry, start_http_server

        self.families = families
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        self.server, self.thread = start_http_server(0, "127.0.0.1", registry=registry)
        self.port = self.server.server_port

    def collect(self) -> Any:
        """prometheus_client's custom-collector protocol: yield metric families (no _created series)."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

        for fam in self.families:
            names = list(fam.labels)
            if fam.type == "counter":
                metric: Any = CounterMetricFamily(fam.name, f"{fam.name} (sandbox)", labels=names)
            elif fam.type == "gauge":
                metric = GaugeMetricFamily(fam.name, f"{fam.name} (sandbox)", labels=names)
            else:
                metric = HistogramMetricFamily(fam.name, f"{fam.name} (sandbox)", labels=names)
            for labels, value in fam.series():
                values = [labels[n] for n in names]
                if fam.type == "histogram":
                    count = max(1, int(value * 100))
                    buckets = [(b, count if b == "+Inf" or float(b) >= value else 0) for b in BUCKETS]
                    metric.add_metric(values, buckets, value * count)
                else:
                    metric.add_metric(values, value)
            yield metric

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class RealPrometheus:
    """The real server for one estate; ``stop`` always kills its process group and the exporters."""

    def __init__(self, monitoring: Monitoring, workdir: Path, timeout: float = START_TIMEOUT) -> None:
        self.monitoring = monitoring
        self.workdir = workdir
        self.timeout = timeout
        self.exporters: list[Exporter] = []
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.started = 0.0

    def start(self) -> RealPrometheus:
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            config = self.write_config()
            self.backfill()
            self.launch(config)
            self.wait_until_settled()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        # Each exporter's shutdown waits for its serve loop to notice; stop them all at once.
        stopping = [threading.Thread(target=e.stop) for e in self.exporters]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        self.exporters.clear()

    # -- files ---------------------------------------------------------------------------------------------

    def write_config(self) -> Path:
        """prometheus.yml and rules.yml; the rule file is checked with promtool first."""
        scrape = []
        for job in self.monitoring.jobs:
            targets = []
            for _ in range(job.up):
                exporter = Exporter(job.families)
                self.exporters.append(exporter)
                targets.append(f"127.0.0.1:{exporter.port}")
            targets += [f"127.0.0.1:{free_port()}" for _ in range(job.down)]
            scrape.append(
                {"job_name": job.name, "scrape_timeout": "1s", "static_configs": [{"targets": targets}]}
            )
        rules = self.workdir / "rules.yml"
        rules.write_text(yaml.safe_dump({"groups": self.monitoring.groups}, sort_keys=False))
        check = subprocess.run(
            [binary("promtool"), "check", "rules", str(rules)], capture_output=True, text=True
        )
        if check.returncode != 0:
            raise EstateError(f"promtool rejected the fixture's rules: {check.stdout} {check.stderr}".strip())
        doc: dict[str, Any] = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "scrape_configs": scrape,
        }
        if self.monitoring.alertmanagers:
            managers = [f"127.0.0.1:{free_port()}" for _ in range(self.monitoring.alertmanagers)]
            doc["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": managers}]}]}
        config = self.workdir / "prometheus.yml"
        config.write_text(yaml.safe_dump(doc, sort_keys=False))
        return config

    def backfill(self) -> None:
        """Write the alert episodes' ALERTS samples (every 60 s) into TSDB blocks with promtool.

        promtool writes one block per 2-hour window and syncs each to disk, so the windows are split over
        several promtool processes running at once (each writes its own blocks into the same directory).
        """
        self.started = time.time()
        windows: dict[int, list[tuple[str, float]]] = {}
        for episode in self.monitoring.episodes:
            start, end = episode.window(self.started)
            end = min(end, self.started - BACKFILL_GAP_S)
            labels = {"alertstate": "firing", **self.monitoring.alert_labels(episode)}
            body = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
            t = start
            while t <= end:
                windows.setdefault(int(t // BLOCK_S), []).append((body, t))
                t += BACKFILL_STEP_S
        if not windows:
            return
        chunks: list[list[tuple[str, float]]] = [[] for _ in range(min(BACKFILL_PROCESSES, len(windows)))]
        for i, key in enumerate(sorted(windows)):
            chunks[i % len(chunks)].extend(windows[key])
        tsdb = self.workdir / "data"
        procs = []
        for i, chunk in enumerate(chunks):
            source = self.workdir / f"alerts-{i}.om"
            lines = [f"ALERTS{{{body}}} 1 {t:.3f}" for body, t in sorted(chunk)]
            source.write_text("\n".join(["# TYPE ALERTS gauge", *lines, "# EOF", ""]))
            cmd = [
                binary("promtool"),
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                "-q",
                str(source),
                str(tsdb),
            ]
            procs.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        failures = [p.communicate()[1].decode(errors="replace") for p in procs if p.wait() != 0]
        if failures:
            raise EstateError(f"promtool could not backfill the alert history: {failures[0].strip()}")

    # -- the server ----------------------------------------------------------------------------------------

    def launch(self, config: Path) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        cmd = [
            binary("prometheus"),
            f"--config.file={config}",
            f"--storage.tsdb.path={self.workdir / 'data'}",
            "--storage.tsdb.retention.time=400d",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]
        with open(self.workdir / "prometheus.log", "wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=2) as resp:
            return json.loads(resp.read())["data"]

    def wait_until_settled(self) -> None:
        """Every target scraped once, every rule evaluated, every alert the fixture says is firing firing."""
        deadline = time.monotonic() + self.timeout
        expected = {
            tuple(sorted(self.monitoring.alert_labels(e).items()))
            for e in self.monitoring.episodes
            if e.firing
        }
        total = sum(j.targets for j in self.monitoring.jobs)
        want_up = sum(j.up for j in self.monitoring.jobs)
        last = "not ready"
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise EstateError(f"prometheus exited with code {self.proc.returncode}: {self._log_tail()}")
            try:
                targets = self.get("/api/v1/targets?state=active")["activeTargets"]
                groups = self.get("/api/v1/rules")["groups"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.2)
                continue
            scraped = [t for t in targets if t.get("health") in ("up", "down")]
            # On a loaded machine one scrape of a live exporter can time out; wait until every exporter
            # the fixture says is up has been seen up, so the audit reads the state the fixture designs.
            up = sum(1 for t in scraped if t.get("health") == "up")
            rules = [r for g in groups for r in g["rules"]]
            firing = {
                tuple(sorted(a["labels"].items()))
                for r in rules
                for a in r.get("alerts") or []
                if a.get("state") == "firing"
            }
            evaluated = all(r.get("health") == "ok" for r in rules)
            if len(scraped) == total and up == want_up and evaluated and expected <= firing:
                return
            last = (
                f"{len(scraped)}/{total} targets scraped, {up}/{want_up} up, firing {sorted(firing)}, "
                f"want {sorted(expected)}"
            )
            time.sleep(0.2)
        raise EstateError(
            f"Prometheus did not settle within {self.timeout:.0f} s ({last}): {self._log_tail()}"
        )

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = (self.workdir / "prometheus.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.strip().splitlines()[-lines:])
