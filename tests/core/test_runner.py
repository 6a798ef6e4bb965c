"""The runner isolates failures, keeps what was collected, and counts real HTTP requests."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from assay.collectors.base import CollectorRegistry
from assay.collectors.runner import collect_bundle
from assay.evidence import SignalStatus, UnknownReason
from tests.core.toys import ToyCollector, ToyConfig, make_toy


class ItemHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def item_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ItemHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_single_ok_collector_counts_real_requests(item_server: str) -> None:
    registry = CollectorRegistry({"toy": ToyCollector})
    bundle = collect_bundle({"toy": ToyConfig(url=item_server, items=4)}, registry)
    (run,) = bundle.collectors
    assert run.status == "ok"
    assert run.api_calls == {"GET /item": 4}
    assert run.http_requests == 4
    assert run.evidence_count == 4
    sig = bundle.signal_map()
    assert sig["toy.items"].value == 4
    assert sig["toy.secure"].status == SignalStatus.OK
    assert len(sig["toy.items"].evidence) == 4


def test_failures_are_isolated_and_collected_evidence_is_kept() -> None:
    registry = CollectorRegistry(
        {"good": make_toy("good"), "boom": make_toy("boom"), "absent": make_toy("absent")}
    )
    bundle = collect_bundle(
        {"good": ToyConfig(items=2), "boom": ToyConfig(items=3, mode="boom"), "absent": None}, registry
    )
    runs = {r.name: r for r in bundle.collectors}
    assert runs["good"].status == "ok"
    assert runs["boom"].status == "failed"
    assert "RuntimeError: the toy broke after yielding" in runs["boom"].errors[0].message
    assert runs["boom"].evidence_count == 3, "evidence yielded before the failure is kept"
    assert runs["absent"].status == "not_configured"
    assert runs["absent"].errors[0].reason == UnknownReason.NOT_CONFIGURED
    sigs = bundle.signal_map()
    assert sigs["good.items"].value == 2, "a failing neighbour does not change a healthy source's signals"
    assert (sigs["boom.items"].status, sigs["boom.items"].reason) == (
        SignalStatus.UNKNOWN,
        UnknownReason.ERROR,
    )
    assert sigs["absent.items"].reason == UnknownReason.NOT_CONFIGURED
    assert "collectors.absent" in (sigs["absent.items"].message or "")


def test_timeout_marks_failed_and_keeps_evidence() -> None:
    registry = CollectorRegistry({"toy": ToyCollector})
    bundle = collect_bundle({"toy": ToyConfig(items=2, mode="hang", timeout_seconds=0.5)}, registry)
    (run,) = bundle.collectors
    assert run.status == "failed"
    assert "timed out after 0.5 s" in run.errors[0].message
    assert run.evidence_count == 2
    sig = bundle.signal_map()["toy.items"]
    assert sig.status == SignalStatus.UNKNOWN and sig.reason == UnknownReason.ERROR


def test_denied_source_makes_its_signals_unknown_denied() -> None:
    registry = CollectorRegistry({"toy": ToyCollector})
    bundle = collect_bundle({"toy": ToyConfig(mode="denied")}, registry)
    sig = bundle.signal_map()["toy.items"]
    assert (sig.status, sig.reason) == (SignalStatus.UNKNOWN, UnknownReason.DENIED)
    assert "token lacks read:toy" in (sig.message or "")


def test_partial_source_makes_only_the_dependent_signal_unknown() -> None:
    registry = CollectorRegistry({"toy": ToyCollector})
    bundle = collect_bundle({"toy": ToyConfig(items=2, mode="partial")}, registry)
    (run,) = bundle.collectors
    assert run.status == "partial"
    sigs = bundle.signal_map()
    assert sigs["toy.items"].value == 2
    assert sigs["toy.secure"].reason == UnknownReason.DENIED
    assert sigs["toy.secure"].message == "needs security scope"
    assert sigs["toy.secure"].evidence, "the unknown cites the gap evidence"


def test_missing_secret_is_not_configured_and_never_leaks(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    registry = CollectorRegistry({"toy": ToyCollector})
    monkeypatch.delenv("TOY_TOKEN_UNSET", raising=False)
    bundle = collect_bundle({"toy": ToyConfig(token_env="TOY_TOKEN_UNSET")}, registry)
    (run,) = bundle.collectors
    assert run.status == "failed"
    assert run.errors[0].reason == UnknownReason.NOT_CONFIGURED
    assert "TOY_TOKEN_UNSET (named by collectors.toy.token_env) is not set" in run.errors[0].message


def test_secret_values_are_redacted_from_errors(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TOY_TOKEN", "s3cr3t-value")

    class Leaky(ToyCollector):
        def collect(self, config, ctx):  # type: ignore[no-untyped-def]
            token = ctx.secret("TOY_TOKEN", field="token_env")
            yield ctx.evidence("toy.item", "x", "GET", {})
            raise RuntimeError(f"auth failed for {token}")

    bundle = collect_bundle({"toy": ToyConfig()}, CollectorRegistry({"toy": Leaky}))
    text = bundle.model_dump_json()
    assert "s3cr3t-value" not in text
    assert "auth failed for ***" in bundle.collectors[0].errors[0].message
