"""Fetch MLflow evidence through ``mlflow.MlflowClient``: experiments and their recent runs, the registry.

The MLflow SDK reads credentials, retries and timeouts from environment variables, so for the duration of a
collection this collector sets them from its config (and the secrets the config names), then restores them.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from assay.collectors.base import CollectContext, Collector, SourceUnavailable
from assay.collectors.mlflow.config import MlflowConfig
from assay.collectors.mlflow.failures import NEEDS, failure_reason, foreign_error, probe_status
from assay.collectors.mlflow.signals import MODEL, signals
from assay.collectors.mlflow.summaries import model_summary, run_summary, version_summary
from assay.evidence import Evidence, UnknownReason
from assay.kinds.mlflow import EXPERIMENT, SERVER

PAGE_SIZE = 1000
EXPERIMENTS_PER_SEARCH = 50
MAX_SOURCE_RUN_LOOKUPS = 1000
_USERINFO = re.compile(r"(\w[\w+.-]*://)[^/@\s]+@")


class MlflowCollector(Collector):
    """Experiment tracking, reproducibility, registry and production promotion, from one MLflow server."""

    name = "mlflow"
    title = "MLflow tracking & model registry"
    config_model = MlflowConfig
    signals = signals
    sharding = "partitioned"  # experiments and registered models, by name; the server's totals: shard 1

    @classmethod
    def permissions(cls) -> str:
        """Read access to experiments, runs and the model registry; MLflow's own permission is READ."""
        return _PERMISSIONS

    def collect(self, config: Any, ctx: CollectContext) -> Iterator[Evidence]:
        """Yield one evidence per active experiment and per registered model, then the server's totals."""
        config = config if isinstance(config, MlflowConfig) else MlflowConfig.model_validate(config)
        env = _sdk_environment(config, ctx)
        _require_local_store(config.tracking_uri)
        uri = public_uri(config.tracking_uri)
        with _environment(env):
            try:
                from mlflow import MlflowClient  # imported here: `assay --help` must not pay for mlflow
            except ImportError as exc:
                raise SourceUnavailable(
                    UnknownReason.UNSUPPORTED, f"mlflow is not installed: {exc}"
                ) from None
            registry_uri = config.registry_uri or config.tracking_uri
            try:
                client = MlflowClient(tracking_uri=config.tracking_uri, registry_uri=registry_uri)
            except ImportError as exc:  # mlflow-skinny cannot open SQL stores
                raise SourceUnavailable(
                    UnknownReason.UNSUPPORTED,
                    f"{uri} needs the full mlflow package (pip install mlflow): {exc}",
                ) from None
            except Exception as exc:
                detail = ctx.redact(short_message(exc))
                raise SourceUnavailable(
                    failure_reason(exc), f"cannot open MLflow at {uri}: {detail}"
                ) from None
            yield from _Reader(client, config, ctx).evidence()


class _Reader:
    """One collection's worth of calls, with the bookkeeping the evidence reports."""

    def __init__(self, client: Any, config: MlflowConfig, ctx: CollectContext) -> None:
        self.client = client
        self.config = config
        self.ctx = ctx
        self.uri = public_uri(config.tracking_uri)
        self.since = ctx.now - timedelta(days=config.lookback_days)
        self.truncated = False
        self.lookups = 0

    def evidence(self) -> Iterator[Evidence]:
        experiments = {k: e for k, e in self._experiments().items() if self.ctx.owns(f"experiment:{e.name}")}
        runs_by_exp, tracking_gap = self._runs(experiments)
        if tracking_gap is not None:
            yield tracking_gap
        summaries: dict[str, dict[str, Any]] = {}
        for exp_id, runs in runs_by_exp.items():
            exp = experiments[exp_id]
            data = {"experiment_id": exp_id, "runs": [run_summary(r) for r in runs]}
            summaries.update((s["run_id"], s) for s in data["runs"])
            yield self.ctx.evidence(EXPERIMENT, exp.name, "MlflowClient.search_runs", data)
        self.lineage_gaps: list[Evidence] = []
        models, registry_gap = self._registry(summaries)
        if registry_gap is not None:
            yield registry_gap
        yield from self.lineage_gaps
        for name, data in models.items():
            yield self.ctx.evidence(
                MODEL, name, "MlflowClient.search_registered_models, MlflowClient.search_model_versions", data
            )
        totals = {
            "experiments_seen": len(experiments),
            "experiments_active": len(runs_by_exp),
            "runs_in_window": len(summaries),
            "registered_models": None if registry_gap else len(models),
            "model_versions": None if registry_gap else sum(len(m["versions"]) for m in models.values()),
            "lookback_days": self.config.lookback_days,
            "window_start": self.since.isoformat().replace("+00:00", "Z"),
            "max_runs": self.config.max_runs,
            "truncated": self.truncated,
            "source_run_lookups": self.lookups,
            "store": store_kind(self.config.tracking_uri),
        }
        self.ctx.details.update(truncated=self.truncated, runs_in_window=len(summaries))
        if self.ctx.shard is not None:
            totals["shard"] = str(self.ctx.shard)  # the counts above are this shard's
        if not self.ctx.leads:
            return
        yield self.ctx.evidence(SERVER, self.uri, "MlflowClient.search_experiments", totals)

    # -- tracking ------------------------------------------------------------------------------------------

    def _experiments(self) -> dict[str, Any]:
        """Every active experiment. This is the first call: if it fails, the whole source is unavailable."""
        found: dict[str, Any] = {}
        token = None
        try:
            while True:
                page = self.ctx.call(
                    "MlflowClient.search_experiments",
                    self.client.search_experiments,
                    max_results=PAGE_SIZE,
                    page_token=token,
                )
                found.update((e.experiment_id, e) for e in page)
                token = page.token
                if not token:
                    return found
        except Exception as exc:
            raise self._unavailable("MlflowClient.search_experiments", exc) from None

    def _runs(self, experiments: dict[str, Any]) -> tuple[dict[str, list[Any]], Evidence | None]:
        """Runs started in the window, newest first, grouped by experiment; at most ``max_runs``."""
        ms = int(self.since.timestamp() * 1000)
        by_exp: dict[str, list[Any]] = {}
        seen = 0
        ids = sorted(experiments)
        for start in range(0, len(ids), EXPERIMENTS_PER_SEARCH):
            chunk, token = ids[start : start + EXPERIMENTS_PER_SEARCH], None
            while True:
                try:
                    page = self.ctx.call(
                        "MlflowClient.search_runs",
                        self.client.search_runs,
                        chunk,
                        filter_string=f"attributes.start_time >= {ms}",
                        max_results=PAGE_SIZE,
                        order_by=["attributes.start_time DESC"],
                        page_token=token,
                    )
                except Exception as exc:
                    return by_exp, self._gap("tracking", "MlflowClient.search_runs", exc)
                for run in page:
                    if seen >= self.config.max_runs:
                        self.truncated = True
                        return by_exp, None
                    by_exp.setdefault(run.info.experiment_id, []).append(run)
                    seen += 1
                token = page.token
                if not token:
                    break
        return by_exp, None

    # -- registry ------------------------------------------------------------------------------------------

    def _registry(self, runs: dict[str, dict[str, Any]]) -> tuple[dict[str, dict[str, Any]], Evidence | None]:
        """Registered models with their versions; a failure here is a gap, not the end of the collection."""
        try:
            models = self._paged(
                "MlflowClient.search_registered_models", self.client.search_registered_models
            )
        except Exception as exc:
            return {}, self._gap("registry", "MlflowClient.search_registered_models", exc)
        try:
            versions = self._paged("MlflowClient.search_model_versions", self.client.search_model_versions)
        except Exception as exc:
            return {}, self._gap("registry", "MlflowClient.search_model_versions", exc)
        models = [m for m in models if self.ctx.owns(f"model:{m.name}")]
        owned = {m.name for m in models}
        versions = [v for v in versions if v.name in owned]
        wanted = {v.run_id for v in versions if v.run_id} - set(runs)
        found, self.lineage_gaps = self._lookup_runs(wanted, versions)
        source_runs = {**found, **runs}
        by_model: dict[str, list[dict[str, Any]]] = {m.name: [] for m in models}
        for v in versions:
            if v.name in by_model:
                by_model[v.name].append(version_summary(v, source_runs.get(v.run_id or "")))
        return {
            m.name: model_summary(m, by_model[m.name]) for m in sorted(models, key=lambda m: m.name)
        }, None

    def _paged(self, endpoint: str, method: Any) -> list[Any]:
        items: list[Any] = []
        token = None
        while True:
            page = self.ctx.call(endpoint, method, max_results=PAGE_SIZE, page_token=token)
            items.extend(page)
            token = page.token
            if not token:
                return items

    def _lookup_runs(
        self, run_ids: set[str], versions: list[Any]
    ) -> tuple[dict[str, dict[str, Any]], list[Evidence]]:
        """Source runs of versions that fall outside the window: fetched one by one, so capped. A run that
        cannot be read (deleted, or in an experiment the credentials may not read) is a gap naming the
        model versions it produced, so their lineage is unknown rather than missing."""
        wanted = sorted(run_ids)[:MAX_SOURCE_RUN_LOOKUPS]
        self.lookups = len(wanted)

        def fetch(run_id: str) -> tuple[str, dict[str, Any] | None, Exception | None]:
            try:
                run = self.ctx.call("MlflowClient.get_run", self.client.get_run, run_id)
                return run_id, run_summary(run), None
            except Exception as exc:
                return run_id, None, exc

        found: dict[str, dict[str, Any]] = {}
        gaps: list[Evidence] = []
        for run_id, summary, exc in self.ctx.map(fetch, wanted):
            if summary is not None:
                found[run_id] = summary
                continue
            if getattr(exc, "error_code", None) == "RESOURCE_DOES_NOT_EXIST":
                continue  # the run was deleted: the version has no lineage left, which is an answer
            made = ", ".join(f"{v.name} version {v.version}" for v in versions if v.run_id == run_id)
            reason = failure_reason(exc) if exc is not None else UnknownReason.ERROR
            verb = "denied" if reason is UnknownReason.DENIED else "failed"
            need = f"; the credentials need {NEEDS['MlflowClient.get_run']}" if verb == "denied" else ""
            detail = self.ctx.redact(short_message(exc)) if exc is not None else "no answer"
            gaps.append(
                self.ctx.gap(
                    "registry.lineage",
                    "MlflowClient.get_run",
                    reason,
                    f"MLflow at {self.uri}: MlflowClient.get_run {verb} for run {run_id}, the source of "
                    f"{made}: {detail}{need}",
                )
            )
        return found, gaps

    # -- errors --------------------------------------------------------------------------------------------

    def _reason(self, endpoint: str, exc: BaseException) -> UnknownReason:
        """Why a call failed. A JSON error body without MLflow's ``error_code`` (what auth proxies and API
        gateways send) hides the HTTP status inside MlflowClient's exception: ask once more, plainly."""
        reason = failure_reason(exc)
        if reason is UnknownReason.ERROR and foreign_error(exc):
            status = probe_status(self.config.tracking_uri, endpoint, self.config.request_timeout)
            if status in (401, 403):
                return UnknownReason.DENIED
        return reason

    def _unavailable(self, endpoint: str, exc: Exception) -> SourceUnavailable:
        reason = self._reason(endpoint, exc)
        detail = self.ctx.redact(short_message(exc))
        if reason is UnknownReason.DENIED:
            return SourceUnavailable(
                reason,
                f"MLflow at {self.uri} denied {endpoint}: {detail}; check the "
                f"credentials named by token_env or username_env/password_env (they need {NEEDS[endpoint]})",
            )
        return SourceUnavailable(reason, f"cannot reach MLflow at {self.uri}: {detail}")

    def _gap(self, scope: str, endpoint: str, exc: Exception) -> Evidence:
        reason = self._reason(endpoint, exc)
        verb = "denied" if reason is UnknownReason.DENIED else "failed"
        need = f"; the credentials need {NEEDS[endpoint]}" if reason is UnknownReason.DENIED else ""
        detail = self.ctx.redact(short_message(exc))
        return self.ctx.gap(
            scope, endpoint, reason, f"MLflow {scope} at {self.uri}: {endpoint} {verb}: {detail}{need}"
        )


def short_message(exc: BaseException, limit: int = 300) -> str:
    """The first line of an exception, without URL credentials, short enough for a report."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = _USERINFO.sub(r"\1", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def public_uri(uri: str) -> str:
    """The tracking URI without user info, query or fragment: safe to show and to use as a subject."""
    scheme, sep, rest = uri.partition("://")
    if sep:
        authority, slash, path = rest.partition("/")
        rest = authority.rsplit("@", 1)[-1] + slash + path
    return (scheme + sep + rest).split("?", 1)[0].split("#", 1)[0]


def store_kind(uri: str) -> str:
    """What kind of store a tracking URI names: http, https, sqlite, file, databricks, ..."""
    scheme = urlsplit(uri).scheme
    return scheme or ("file" if uri.startswith(("/", ".")) else uri)


def _require_local_store(uri: str) -> None:
    """A SQL or file store that does not exist would be created empty by MLflow; refuse instead."""
    parts = urlsplit(uri)
    path: str | None = None
    if parts.scheme == "sqlite":
        path = unquote(uri.split(":///", 1)[1].split("?", 1)[0]) if ":///" in uri else None
        if path in (None, "", ":memory:"):
            return
    elif parts.scheme == "file" or (not parts.scheme and uri.startswith(("/", "."))):
        path = unquote(parts.path)
    if path is not None and not Path(path).exists():
        raise SourceUnavailable(
            UnknownReason.ERROR, f"cannot reach MLflow at {public_uri(uri)}: {path} does not exist"
        )


def _sdk_environment(config: MlflowConfig, ctx: CollectContext) -> dict[str, str]:
    """The MLflow environment variables for this collection: retries, timeout and credentials."""
    env = {
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": str(config.max_retries),
        "MLFLOW_HTTP_REQUEST_TIMEOUT": str(max(1, math.ceil(config.request_timeout))),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": "1",
        "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": "0",
    }
    if config.token_env:
        env["MLFLOW_TRACKING_TOKEN"] = ctx.secret(config.token_env, field="token_env")
    if config.username_env:
        env["MLFLOW_TRACKING_USERNAME"] = ctx.secret(config.username_env, field="username_env")
    if config.password_env:
        env["MLFLOW_TRACKING_PASSWORD"] = ctx.secret(config.password_env, field="password_env")
    return env


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set environment variables for a block and put back exactly what was there before."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


_PERMISSIONS = """\
MLflow — read-only; the collector never creates, updates or deletes runs, models or aliases.

With MLflow's basic-auth app (mlflow server --app-name basic-auth), give a dedicated user READ on every
experiment and registered model to audit (or set default_permission = READ); on Databricks or a managed
MLflow, a read-only/viewer role on the workspace's experiments and models. Calls made:
  MlflowClient.search_experiments       experiments (name, id)
  MlflowClient.search_runs              runs started within lookback_days: user, params/metrics counts,
                                        whitelisted tags (git commit, source type, environment),
                                        dataset inputs
  MlflowClient.search_registered_models registered models: description, tags, aliases
  MlflowClient.search_model_versions    versions: run id, stage, creation time, tags
  MlflowClient.get_run                  source runs of registered versions older than the window (lineage)
Credentials: token_env (bearer token) or username_env/password_env, by environment variable name only.
"""
