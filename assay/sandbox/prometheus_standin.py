"""A fixture-backed Prometheus HTTP API (and Alertmanager status) for machines without the real binary.

It serves exactly what the Prometheus collector asks, in Prometheus' own response shapes: targets, metric
names, the collector's aggregated queries (``assay.collectors.prometheus.queries``), the ALERTS range
query, rules with their active alerts, Alertmanagers, and Alertmanager's ``/api/v2/status``. Anything
else is answered the way Prometheus answers a query it cannot run (400 ``bad_data``).

``PrometheusMaterializer`` chooses: the real binary (``prometheus_real``) when ``ASSAY_SANDBOX_PROMETHEUS``
is ``real`` (or ``auto`` and the binary is installed), this stand-in otherwise. The demo uses the stand-in
by default: Prometheus waits about 5 s before it scrapes newly configured targets.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from assay.collectors.prometheus import queries
from assay.sandbox.base import Materialized
from assay.sandbox.estate import Estate
from assay.sandbox.loopback import LoopbackServer
from assay.sandbox.prometheus_fixture import BUCKETS, Monitoring, alertmanager_config, load_monitoring

MODE_ENV = "ASSAY_SANDBOX_PROMETHEUS"
BINARY = "prometheus"
LOOKBACK_S = 300.0
SCRAPE_SERIES = (
    "up",
    "scrape_duration_seconds",
    "scrape_samples_post_metric_relabeling",
    "scrape_samples_scraped",
    "scrape_series_added",
)
_GROUP_BY = re.compile(r'group by \(([^)]*)\) \(\{__name__=~"(.*)"\}\)')
_AGG = re.compile(r"(count|avg)\((?:avg_over_time\()?(\w+)(?:\[\w+\]\))?\)")


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def duration_seconds(text: Any) -> float:
    """A Prometheus duration (``0s``, ``5m``, ``1h30m``) in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(
        float(n) * units[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)", str(text or "0s"))
    )


class PrometheusStandin:
    """The stand-in server; ``faults`` maps a path regex to an HTTP status, for tests to inject failures."""

    def __init__(self, monitoring: Monitoring, bearer_token: str | None = None) -> None:
        self.monitoring = monitoring
        self.bearer_token = bearer_token
        self.started = time.time()
        self.faults: dict[str, int] = {}
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: LoopbackServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the stand-in is not started"
        return self._server.base_url

    def start(self) -> PrometheusStandin:
        standin = self

        class Handler(_Handler):
            state = standin

        self._server = LoopbackServer(Handler, "prometheus-standin").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    # -- the data ------------------------------------------------------------------------------------------

    def targets(self) -> list[dict[str, Any]]:
        out = []
        for job in self.monitoring.jobs:
            for i in range(job.targets):
                up = i < job.up
                instance = f"{job.name}-{i}:9100"
                out.append(
                    {
                        "discoveredLabels": {"__address__": instance, "job": job.name},
                        "labels": {"instance": instance, "job": job.name},
                        "scrapePool": job.name,
                        "scrapeUrl": f"http://{instance}/metrics",
                        "globalUrl": f"http://{instance}/metrics",
                        "lastError": "" if up else f'Get "http://{instance}/metrics": connection refused',
                        "lastScrape": _iso(time.time() - 1),
                        "lastScrapeDuration": 0.003,
                        "health": "up" if up else "down",
                        "scrapeInterval": "15s",
                        "scrapeTimeout": "10s",
                    }
                )
        return out

    def series(self) -> list[dict[str, str]]:
        """Every current series' labels (the scrape's own series included)."""
        out: list[dict[str, str]] = []
        for job in self.monitoring.jobs:
            for i in range(job.targets):
                base = {"job": job.name, "instance": f"{job.name}-{i}:9100"}
                out.extend({"__name__": name, **base} for name in SCRAPE_SERIES)
                if i >= job.up:
                    continue
                for fam in job.families:
                    for labels, _ in fam.series():
                        for name in fam.sample_names():
                            extra = [{"le": b} for b in BUCKETS] if name.endswith("_bucket") else [{}]
                            out.extend({"__name__": name, **base, **labels, **e} for e in extra)
        return out

    def gauge_values(self, name: str) -> list[float]:
        return [
            value
            for job in self.monitoring.jobs
            for _ in range(job.up)
            for fam in job.families
            if fam.name == name
            for _, value in fam.series()
        ]

    def names(self) -> list[str]:
        found = {s["__name__"] for s in self.series()}
        found |= {
            r["record"] for g in self.monitoring.groups for r in g.get("rules") or [] if r.get("record")
        }
        if self.monitoring.episodes:
            found.add("ALERTS")
        if any(e.firing for e in self.monitoring.episodes):
            found.add("ALERTS_FOR_STATE")
        return sorted(found)

    def rules(self) -> dict[str, Any]:
        groups = []
        for group in self.monitoring.groups:
            rules = []
            for rule in group.get("rules") or []:
                if rule.get("record"):
                    rules.append(
                        {
                            "name": rule["record"],
                            "query": rule["expr"],
                            "labels": rule.get("labels") or {},
                            "health": "ok",
                            "evaluationTime": 0.0005,
                            "lastEvaluation": _iso(time.time() - 0.5),
                            "type": "recording",
                        }
                    )
                    continue
                alerts = [
                    {
                        "labels": self.monitoring.alert_labels(e),
                        "annotations": rule.get("annotations") or {},
                        "state": "firing",
                        "activeAt": _iso(self.started - e.started_days_ago * 86400),
                        "value": "1e+00",
                    }
                    for e in self.monitoring.episodes
                    if e.firing and e.alert == rule["alert"]
                ]
                rules.append(
                    {
                        "state": "firing" if alerts else "inactive",
                        "name": rule["alert"],
                        "query": rule["expr"],
                        "duration": duration_seconds(rule.get("for")),
                        "keepFiringFor": 0,
                        "labels": rule.get("labels") or {},
                        "annotations": rule.get("annotations") or {},
                        "alerts": alerts,
                        "health": "ok",
                        "evaluationTime": 0.0005,
                        "lastEvaluation": _iso(time.time() - 0.5),
                        "type": "alerting",
                    }
                )
            groups.append(
                {
                    "name": group.get("name"),
                    "file": "/etc/prometheus/rules.yml",
                    "rules": rules,
                    "interval": 15,
                    "limit": 0,
                    "evaluationTime": 0.001,
                    "lastEvaluation": _iso(time.time() - 0.5),
                }
            )
        return {"groups": groups}

    def alert_windows(self) -> list[tuple[dict[str, str], float, float]]:
        """(ALERTS labels, first, last firing time) per episode; episodes still firing last until now."""
        now = time.time()
        out = []
        for e in self.monitoring.episodes:
            start, end = e.window(self.started)
            labels = {"__name__": "ALERTS", "alertstate": "firing", **self.monitoring.alert_labels(e)}
            out.append((labels, start, now if e.firing else end))
        return out

    # -- queries -------------------------------------------------------------------------------------------

    def instant(self, query: str) -> list[dict[str, Any]]:
        now = time.time()
        if match := _GROUP_BY.fullmatch(query):
            keep = [label.strip() for label in match.group(1).split(",")]
            pattern = re.compile(match.group(2))
            groups = {
                tuple((k, s[k]) for k in keep if k in s)
                for s in self.series()
                if pattern.fullmatch(s["__name__"])
            }
            return [{"metric": dict(g), "value": [now, "1"]} for g in sorted(groups)]
        if query == queries.FIRED:
            since = now - 30 * 86400
            out = []
            for labels, start, end in self.alert_windows():
                if end > since:
                    samples = max(1, int((min(end, now) - max(start, since)) // 60))
                    metric = {k: v for k, v in labels.items() if k != "__name__"}
                    out.append({"metric": metric, "value": [now, str(samples)]})
            return out
        if match := _AGG.fullmatch(query):
            values = self.gauge_values(match.group(2))
            if not values:
                return []
            result = len(values) if match.group(1) == "count" else sum(values) / len(values)
            return [{"metric": {}, "value": [now, str(result)]}]
        raise _BadQuery(f"the Prometheus stand-in cannot evaluate {query!r}")

    def range(self, query: str, start: float, end: float, step: float) -> list[dict[str, Any]]:
        if query != queries.HISTORY:
            raise _BadQuery(f"the Prometheus stand-in cannot evaluate the range query {query!r}")
        if (end - start) / step > 11000:
            raise _BadQuery("exceeded maximum resolution of 11,000 points per timeseries")
        out = []
        for labels, s, e in self.alert_windows():
            points, t = [], start
            while t <= end:
                if s <= t and t - LOOKBACK_S < e:
                    points.append([t, "1"])
                t += step
            if points:
                out.append({"metric": labels, "values": points})
        return out


class _BadQuery(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    state: PrometheusStandin
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_GET(self) -> None:
        self._handle(parse_qs(urlsplit(self.path).query))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self._handle({**parse_qs(urlsplit(self.path).query), **parse_qs(body)})

    def _handle(self, params: dict[str, list[str]]) -> None:
        state, path = self.state, urlsplit(self.path).path
        with state._lock:
            state.requests[path] += 1
        for pattern, status in list(state.faults.items()):
            if re.search(pattern, path):
                return self._send(
                    status, {"status": "error", "errorType": "server_error", "error": "injected"}
                )
        if state.bearer_token and self.headers.get("Authorization") != f"Bearer {state.bearer_token}":
            return self._send(401, {"status": "error", "errorType": "unauthorized", "error": "bad token"})
        one = {k: v[0] for k, v in params.items() if v}
        try:
            self._route(path, one)
        except _BadQuery as exc:
            self._send(400, {"status": "error", "errorType": "bad_data", "error": str(exc)})

    def _route(self, path: str, params: dict[str, str]) -> None:
        state = self.state
        if path in ("/-/ready", "/-/healthy"):
            return self._send(200, "Prometheus Server is Ready.\n")
        if path == "/api/v1/targets":
            return self._ok({"activeTargets": state.targets(), "droppedTargets": []})
        if path == "/api/v1/label/__name__/values":
            return self._ok(state.names())
        if path == "/api/v1/query":
            return self._ok({"resultType": "vector", "result": state.instant(params.get("query", ""))})
        if path == "/api/v1/query_range":
            start, end = float(params.get("start", 0)), float(params.get("end", 0))
            result = state.range(params.get("query", ""), start, end, float(params.get("step", 60)))
            return self._ok({"resultType": "matrix", "result": result})
        if path == "/api/v1/rules":
            return self._ok(state.rules())
        if path == "/api/v1/alertmanagers":
            managers = [
                {"url": f"http://alertmanager-{i}:9093/api/v2/alerts"}
                for i in range(state.monitoring.alertmanagers)
            ]
            return self._ok({"activeAlertmanagers": managers, "droppedAlertmanagers": []})
        if path == "/alertmanager/api/v2/status" and state.monitoring.receivers is not None:
            config = alertmanager_config(state.monitoring.receivers)
            status = {
                "cluster": {"status": "disabled"},
                "config": {"original": config},
                "versionInfo": {"version": "0.25.0"},
                "uptime": _iso(state.started),
            }
            return self._send(200, status)  # fmt: skip
        self._send(404, "404 page not found\n")

    def _ok(self, data: Any) -> None:
        self._send(200, {"status": "success", "data": data})

    def _send(self, status: int, body: Any) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        payload = text.encode()
        self.send_response(status)
        kind = "text/plain; charset=utf-8" if isinstance(body, str) else "application/json"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def use_real_binary() -> bool:
    """real: always; standin: never; auto: when the binary is installed. The default is standin."""
    mode = os.environ.get(MODE_ENV, "standin").strip().lower()
    if mode == "real":
        return True
    return mode == "auto" and shutil.which(BINARY) is not None


class PrometheusMaterializer:
    """Serves an estate's ``prometheus.yaml``: the real binary or the stand-in (see the module docstring)."""

    source = "prometheus"

    def __init__(self) -> None:
        self.standin: PrometheusStandin | None = None
        self.real: Any = None
        self.mode = ""

    def start(self, estate: Estate, fixture: dict[str, Any], workdir: Path) -> Materialized:
        """Start the service and return the collector's config pointing at it."""
        monitoring = load_monitoring(fixture, f"{estate.path / 'prometheus.yaml'}")
        if use_real_binary():
            from assay.sandbox.prometheus_real import RealPrometheus

            self.mode = "real"
            self.real = RealPrometheus(monitoring, Path(workdir)).start()
            self.standin = PrometheusStandin(monitoring).start() if monitoring.receivers is not None else None
            url = self.real.url
        else:
            self.mode = "standin"
            self.standin = PrometheusStandin(monitoring).start()
            url = self.standin.url
        config: dict[str, Any] = {"url": url}
        if monitoring.receivers is not None and self.standin is not None:
            config["alertmanager_url"] = f"{self.standin.url}/alertmanager"
        return Materialized(config=config)

    def stop(self) -> None:
        real, self.real = self.real, None
        standin, self.standin = self.standin, None
        try:
            if real is not None:
                real.stop()
        finally:
            if standin is not None:
                standin.stop()
