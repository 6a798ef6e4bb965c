"""Fetch Prometheus evidence through prometheus-api-client with a fixed, small number of requests.

Targets and their health, the metric names worth a look, (job, metric, model) rows aggregated by the
server, alerting and recording rules with their active alerts, the alerts that fired in 30 days and their
history, GPU use, and (optionally) Alertmanager receivers. The number of requests does not grow with the
number of series: the collector never asks one question per series.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assay.collectors.base import CollectContext, Collector, SourceUnavailable
from assay.collectors.prometheus import queries
from assay.collectors.prometheus.classify import is_gpu_metric, is_interesting
from assay.collectors.prometheus.config import PrometheusConfig
from assay.collectors.prometheus.history import firing_runs
from assay.collectors.prometheus.permissions import PERMISSIONS
from assay.collectors.prometheus.signals import (
    ALERT_HISTORY,
    ALERTMANAGER,
    GPU,
    METRICS,
    RULE_GROUP,
    SCRAPE_POOL,
    SERIES,
    SERVER,
    signals,
)
from assay.collectors.prometheus.summaries import receivers_of, rule_summary, series_rows
from assay.evidence import Evidence, UnknownReason, utc_now

_STATUS = re.compile(r"HTTP Status Code (\d{3})")
RETRY_STATUSES = (429, 500, 502, 503, 504)
MIN_STEP_SECONDS = 240


class PrometheusCollector(Collector):
    """Monitoring of services and models from one Prometheus server (and its Alertmanager)."""

    name = "prometheus"
    title = "Prometheus"
    config_model = PrometheusConfig
    signals = signals

    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Yield evidence per scrape pool and rule group, then metrics, alerts, GPUs and the server."""
        config = config if isinstance(config, PrometheusConfig) else PrometheusConfig.model_validate(config)
        headers = {
            name: ctx.secret(env, field=f"headers_env.{name}") for name, env in config.headers_env.items()
        }
        if config.bearer_token_env:
            headers["Authorization"] = "Bearer " + ctx.secret(
                config.bearer_token_env, field="bearer_token_env"
            )
        from urllib3.util.retry import Retry

        from assay.collectors.prometheus.api import AlertmanagerAPI, PrometheusAPI

        def client(cls: type, url: str) -> Any:
            retry = Retry(
                total=config.max_retries,
                backoff_factor=0.2,
                status_forcelist=RETRY_STATUSES,
                raise_on_status=False,
            )
            api = cls(
                url=url.rstrip("/"),
                headers=headers or None,
                disable_ssl=not config.verify_tls,
                retry=retry,
                timeout=config.request_timeout,
            )
            if config.ca_bundle and config.verify_tls:
                api._session.verify = config.ca_bundle
            return api

        prom = client(PrometheusAPI, config.url)
        manager = client(AlertmanagerAPI, config.alertmanager_url) if config.alertmanager_url else None
        try:
            yield from _Reader(prom, manager, config, ctx).evidence()
        finally:
            prom.close()
            if manager is not None:
                manager.close()

    @classmethod
    def permissions(cls) -> str:
        """What the credentials given to the collector must be allowed to read."""
        return PERMISSIONS


class _Reader:
    def __init__(self, prom: Any, manager: Any, config: PrometheusConfig, ctx: CollectContext) -> None:
        self.prom = prom
        self.manager = manager
        self.config = config
        self.ctx = ctx
        self.url = public_url(config.url)

    def evidence(self) -> Iterator[Evidence]:
        yield from self._targets()
        names = yield from self._metric_names()
        yield from self._series()
        alertmanagers = yield from self._rules()
        yield from self._alert_history()
        if names is not None and any(is_gpu_metric(n) for n in names):
            yield from self._gpu()
        if self.manager is not None:
            yield from self._alertmanager()
        queries_made = sum(self.ctx.api_calls.values())
        self.ctx.details.update(queries=queries_made)
        summary = {
            "queries": queries_made,
            "alertmanagers": alertmanagers,
            "alertmanager_url": public_url(self.config.alertmanager_url)
            if self.config.alertmanager_url
            else None,
            "window_days": 30,
        }
        yield self.ctx.evidence(SERVER, self.url, "Prometheus HTTP API v1", summary)

    # -- each part -----------------------------------------------------------------------------------------

    def _targets(self) -> Iterator[Evidence]:
        """The first call: if it fails, the whole source is unavailable."""
        try:
            data = self.ctx.call("PrometheusConnect.get_targets", self.prom.get_targets, state="active")
        except Exception as exc:
            reason = failure_reason(exc)
            detail = self.ctx.redact(short_message(exc))
            if reason is UnknownReason.DENIED:
                raise SourceUnavailable(
                    reason,
                    f"Prometheus at {self.url} refused the request ({detail}); check the token named by "
                    "collectors.prometheus.bearer_token_env / headers_env",
                ) from None
            raise SourceUnavailable(reason, f"cannot reach Prometheus at {self.url}: {detail}") from None
        pools: dict[str, dict[str, int]] = {}
        for target in data.get("activeTargets") or []:
            pool = str(target.get("scrapePool") or (target.get("labels") or {}).get("job") or "")
            health = str(target.get("health") or "unknown")
            counts = pools.setdefault(pool, {"targets": 0, "up": 0, "down": 0, "unknown": 0})
            counts["targets"] += 1
            counts[health if health in ("up", "down") else "unknown"] += 1
        for pool, counts in sorted(pools.items()):
            yield self.ctx.evidence(SCRAPE_POOL, pool, "GET /api/v1/targets?state=active", counts)

    def _metric_names(self) -> Iterator[Evidence]:
        try:
            names = self.ctx.call("PrometheusConnect.all_metrics", self.prom.all_metrics)
        except Exception as exc:
            yield self._gap("metrics", "GET /api/v1/label/__name__/values", exc)
            return None
        kept = sorted(n for n in names if is_interesting(n))
        data = {"total": len(names), "names": kept}
        yield self.ctx.evidence(METRICS, self.url, "GET /api/v1/label/__name__/values", data)
        return names

    def _series(self) -> Iterator[Evidence]:
        try:
            result = self.ctx.call("PrometheusConnect.custom_query", self.prom.custom_query, queries.SERIES)
        except Exception as exc:
            yield self._gap("series", "GET /api/v1/query (group by job, __name__, model)", exc)
            return
        rows, truncated = series_rows(result, self.config.max_series_rows)
        data = {"query": queries.SERIES, "rows": rows, "truncated": truncated}
        yield self.ctx.evidence(SERIES, self.url, "GET /api/v1/query", data)

    def _rules(self) -> Iterator[Evidence]:
        try:
            groups = self.ctx.call("PrometheusAPI.get_rules", self.prom.get_rules).get("groups") or []
        except Exception as exc:
            yield self._gap("rules", "GET /api/v1/rules", exc)
            groups = None
        for group in groups or []:
            data = {
                "file": group.get("file"),
                "name": group.get("name"),
                "rules": [rule_summary(r) for r in group.get("rules") or []],
            }
            yield self.ctx.evidence(
                RULE_GROUP, f"{group.get('file')}:{group.get('name')}", "GET /api/v1/rules", data
            )
        try:
            managers = self.ctx.call("PrometheusAPI.get_alertmanagers", self.prom.get_alertmanagers)
        except Exception:  # informative only; a proxy may not expose it
            return None
        return len(managers.get("activeAlertmanagers") or [])

    def _alert_history(self) -> Iterator[Evidence]:
        end = utc_now()
        start = end - timedelta(days=30)
        # Prometheus answers at most 11,000 points per series: 30 days need a step of at least 236 s.
        step = max(self.config.alert_step_seconds, MIN_STEP_SECONDS)
        try:
            fired = self.ctx.call("PrometheusConnect.custom_query", self.prom.custom_query, queries.FIRED)
            history = self.ctx.call(
                "PrometheusConnect.custom_query_range",
                self.prom.custom_query_range,
                queries.HISTORY,
                start_time=start,
                end_time=end,
                step=str(step),
            )
        except Exception as exc:
            yield self._gap("alerts", "GET /api/v1/query_range (ALERTS)", exc)
            return
        data = {
            "window_days": 30,
            "step_s": step,
            "start": iso(start.timestamp()),
            "end": iso(end.timestamp()),
            "fired": sorted((_labels(r["metric"]) for r in fired), key=_key),
            "runs": firing_runs(history, step),
        }
        yield self.ctx.evidence(ALERT_HISTORY, "ALERTS", "GET /api/v1/query, /api/v1/query_range", data)

    def _gpu(self) -> Iterator[Evidence]:
        try:
            devices = self.ctx.call(
                "PrometheusConnect.custom_query", self.prom.custom_query, queries.GPU_DEVICES
            )
            util = self.ctx.call(
                "PrometheusConnect.custom_query", self.prom.custom_query, queries.GPU_UTILISATION
            )
        except Exception as exc:
            yield self._gap("gpu", "GET /api/v1/query (DCGM)", exc)
            return
        count = _sample(devices)
        pct = _sample(util)
        data = {
            "devices": int(count) if count is not None else 0,
            "avg_utilisation_pct": round(pct, 2) if pct is not None else None,  # NaN: no usable figure
        }
        yield self.ctx.evidence(GPU, self.url, "GET /api/v1/query", data)

    def _alertmanager(self) -> Iterator[Evidence]:
        url = public_url(self.config.alertmanager_url or "")
        try:
            status = self.ctx.call("AlertmanagerAPI.get_status", self.manager.get_status)
        except Exception as exc:
            yield self._gap("alertmanager", "GET /api/v2/status", exc)
            return
        original = ((status.get("config") or {}).get("original")) or ""
        yield self.ctx.evidence(
            ALERTMANAGER, url, "GET /api/v2/status", {"receivers": receivers_of(original)}
        )

    def _gap(self, scope: str, endpoint: str, exc: Exception) -> Evidence:
        reason = failure_reason(exc)
        verb = "denied" if reason is UnknownReason.DENIED else "failed"
        message = f"Prometheus at {self.url}: {endpoint} {verb}: {self.ctx.redact(short_message(exc))}"
        return self.ctx.gap(scope, endpoint, reason, message)


def _labels(metric: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in sorted(metric.items()) if k not in ("__name__", "alertstate")}


def _key(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def iso(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(ts), UTC).isoformat().replace("+00:00", "Z")


def failure_reason(exc: BaseException) -> UnknownReason:
    """DENIED for HTTP 401/403, ERROR for everything else (unreachable, 5xx, bad response)."""
    match = _STATUS.search(str(exc))
    if match and int(match.group(1)) in (401, 403):
        return UnknownReason.DENIED
    return UnknownReason.ERROR


def short_message(exc: BaseException, limit: int = 240) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def public_url(url: str) -> str:
    """The URL without user info, query or fragment: safe to show and to use as a subject."""
    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


def _sample(result: list[dict[str, Any]]) -> float | None:
    """The first sample's value of an instant-query result; None when there is none or it is not finite
    (Prometheus answers "NaN", "+Inf" and "-Inf" as strings)."""
    value = float(result[0]["value"][1]) if result else None
    return value if value is not None and math.isfinite(value) else None
