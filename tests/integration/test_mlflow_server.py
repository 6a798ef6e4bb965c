"""The MLflow collector over REST: a real `mlflow server` per estate, and a local stub that refuses access.

Nothing is patched: the collector's MlflowClient talks HTTP to real processes.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assay.collectors.base import CollectContext, SourceUnavailable
from assay.collectors.derive import EvidenceView
from assay.collectors.mlflow import MlflowCollector, MlflowConfig
from assay.evidence import CollectorRun, Evidence, UnknownReason
from assay.sandbox.estate import load_estate
from assay.sandbox.mlflow_store import SERVER_ENV, MlflowMaterializer

pytestmark = pytest.mark.integration

# Each server costs ~5 s of CPU to start: serve the richest estate (cygnus: governance, retraining,
# lineage) and the one whose version comes from a run outside the window (aurora: get_run lookups).
# Borealis is covered over SQLite in test_mlflow_collector.py.
ESTATES = ["aurora-dynamics", "cygnus-ai"]


@dataclass
class Served:
    rest_uri: str
    sqlite_uri: str
    materializer: MlflowMaterializer = field(repr=False)


def _serve(name: str, workdir: Path, via_env: bool) -> Served:
    """Materialise with a server: asked for by the fixture, or forced by ASSAY_SANDBOX_MLFLOW_SERVER=1."""
    estate = load_estate(name)
    fixture = {**(estate.source("mlflow") or {}), "server": not via_env}
    saved = os.environ.get(SERVER_ENV)
    os.environ[SERVER_ENV] = "1" if via_env else "0"
    mat = MlflowMaterializer()
    try:
        started = time.perf_counter()
        config = mat.start(estate, fixture, workdir).config
        total = time.perf_counter() - started
        print(f"\n{name}: seeded in {mat.seed_seconds:.2f} s, served {total - mat.seed_seconds:.2f} s later")
        return Served(config["tracking_uri"], f"sqlite:///{workdir / 'mlflow.db'}", mat)
    except BaseException:
        mat.stop()
        raise
    finally:
        if saved is None:
            os.environ.pop(SERVER_ENV, None)
        else:
            os.environ[SERVER_ENV] = saved


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Served]]:
    """One real `mlflow server` per estate, each in its own process group, all killed at the end."""
    started = time.perf_counter()
    served: dict[str, Served] = {}
    try:
        try:
            for i, name in enumerate(ESTATES):
                served[name] = _serve(name, tmp_path_factory.mktemp(f"srv-{name}"), via_env=i == 0)
        except Exception as exc:
            reason = f"cannot start mlflow server: {exc}"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        print(f"\nseeded and served {len(served)} estates in {time.perf_counter() - started:.1f} s")
        yield served
    finally:
        for s in served.values():
            s.materializer.stop()


class _Refusing(BaseHTTPRequestHandler):
    """Answers every MLflow API call the way a server behind an auth proxy refuses it."""

    status = 403
    body = json.dumps({"error_code": "PERMISSION_DENIED", "message": "User alice lacks READ on experiments"})
    seen_auth: list[str] = []  # noqa: RUF012 - shared on purpose: the test reads what the client sent

    def _refuse(self) -> None:
        type(self).seen_auth.append(self.headers.get("Authorization", ""))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        payload = self.body.encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json" if self.body.startswith("{") else "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = _refuse

    def log_message(self, *args: Any) -> None:
        pass


class _Unauthorized(_Refusing):
    status = 401
    body = "Unauthorized"
    seen_auth: list[str] = []  # noqa: RUF012


@pytest.fixture(scope="module")
def refusing() -> Iterator[dict[str, str]]:
    """Two local HTTP servers: one answers 403 with MLflow's JSON error, one a bare 401."""
    httpds = [ThreadingHTTPServer(("127.0.0.1", 0), handler) for handler in (_Refusing, _Unauthorized)]
    threads = [threading.Thread(target=h.serve_forever, daemon=True) for h in httpds]
    for t in threads:
        t.start()
    try:
        yield {str(h.RequestHandlerClass.status): f"http://127.0.0.1:{h.server_address[1]}" for h in httpds}
    finally:
        for h in httpds:
            h.shutdown()
            h.server_close()


def collect(**config: Any) -> tuple[list[Evidence], CollectContext]:
    ctx = CollectContext("mlflow")
    return list(MlflowCollector().collect(MlflowConfig(**config), ctx)), ctx


def signal_values(evidence: list[Evidence], status: str = "ok") -> dict[str, Any]:
    view = EvidenceView(evidence, {"mlflow": CollectorRun(name="mlflow", status=status)})
    return {s.name: (s.value, s.reason) for s in MlflowCollector().derive(view)}


def by_subject(evidence: list[Evidence], kind: str) -> dict[str, dict[str, Any]]:
    return {e.subject: e.data for e in evidence if e.kind == kind}


@pytest.mark.parametrize("name", ESTATES)
def test_rest_store_gives_the_same_evidence_as_sqlite(servers: dict[str, Served], name: str) -> None:
    started = time.perf_counter()
    rest, rest_ctx = collect(tracking_uri=servers[name].rest_uri)
    rest_seconds = time.perf_counter() - started
    local, _ = collect(tracking_uri=servers[name].sqlite_uri)
    print(f"\n{name}: REST collection {rest_seconds:.2f} s, {sum(rest_ctx.api_calls.values())} SDK calls")
    assert signal_values(rest) == signal_values(local)
    for kind in ("mlflow.experiment", "mlflow.registered_model"):
        assert by_subject(rest, kind) == by_subject(local, kind), kind
    for model in by_subject(rest, "mlflow.registered_model").values():
        assert all(isinstance(v["version"], str) for v in model["versions"])
        assert all(isinstance(v, str) for v in model["aliases"].values())
    server = next(e for e in rest if e.kind == "mlflow.server")
    assert server.subject == servers[name].rest_uri and server.data["store"] == "http"


def test_the_two_stores_really_differ_in_version_types(servers: dict[str, Served]) -> None:
    # Why the collector normalises: the REST store returns '2', the SQL store 2.
    from mlflow import MlflowClient

    rest = MlflowClient(tracking_uri=servers["cygnus-ai"].rest_uri).search_model_versions(max_results=1)[0]
    local = MlflowClient(tracking_uri=servers["cygnus-ai"].sqlite_uri).search_model_versions(max_results=1)[0]
    assert isinstance(rest.version, str) and isinstance(local.version, int)


def test_cygnus_over_rest_passes_governance(servers: dict[str, Served]) -> None:
    values = signal_values(collect(tracking_uri=servers["cygnus-ai"].rest_uri)[0])
    assert values["ml.governance.ratio"] == (1.0, None)
    assert values["ml.production.count"] == (3, None)


def test_unreachable_server_fails_fast() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    started = time.monotonic()
    with pytest.raises(SourceUnavailable) as info:
        collect(tracking_uri=f"http://127.0.0.1:{port}", request_timeout=5)
    elapsed = time.monotonic() - started
    print(f"\nunreachable server reported in {elapsed:.1f} s")
    assert elapsed < 15
    assert info.value.reason is UnknownReason.ERROR
    assert info.value.message.startswith(f"cannot reach MLflow at http://127.0.0.1:{port}: ")


def test_forbidden_server_is_denied_and_the_token_stays_secret(
    refusing: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "tok-9f8e7d6c5b4a"
    monkeypatch.setenv("ASSAY_TEST_MLFLOW_TOKEN", token)
    monkeypatch.delenv("MLFLOW_TRACKING_TOKEN", raising=False)
    _Refusing.seen_auth.clear()
    with pytest.raises(SourceUnavailable) as info:
        collect(tracking_uri=refusing["403"], token_env="ASSAY_TEST_MLFLOW_TOKEN")
    assert info.value.reason is UnknownReason.DENIED
    assert "lacks READ" in info.value.message and token not in info.value.message
    assert _Refusing.seen_auth == [f"Bearer {token}"]  # sent once: a 403 is not retried
    assert "MLFLOW_TRACKING_TOKEN" not in os.environ


def test_bare_401_is_denied_and_url_credentials_are_not_repeated(refusing: dict[str, str]) -> None:
    uri = refusing["401"].replace("http://", "http://alice:pw-31337@")
    with pytest.raises(SourceUnavailable) as info:
        collect(tracking_uri=uri)
    assert info.value.reason is UnknownReason.DENIED
    assert "pw-31337" not in info.value.message and refusing["401"] in info.value.message


def test_denied_registry_is_a_gap_while_tracking_works(
    servers: dict[str, Served], refusing: dict[str, str]
) -> None:
    evidence, ctx = collect(tracking_uri=servers["cygnus-ai"].rest_uri, registry_uri=refusing["403"])
    gaps = [e for e in evidence if e.kind == "mlflow.gap"]
    assert [g.subject for g in gaps] == ["registry"] and gaps[0].data["reason"] == "denied"
    assert [e.reason for e in ctx.errors] == [UnknownReason.DENIED]
    values = signal_values(evidence, status="partial")
    assert values["ml.tracking.runs_90d"] == (120, None)
    for name in (
        "ml.registry.models",
        "ml.governance.ratio",
        "ml.production.count",
        "data.lineage.versions_ratio",
    ):
        assert values[name] == (None, UnknownReason.DENIED), name
    assert next(e for e in evidence if e.kind == "mlflow.server").data["registered_models"] is None
