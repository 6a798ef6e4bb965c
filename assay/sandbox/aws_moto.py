"""moto's server, once per process: moto keeps its state in process-wide backends, so two servers in one
process would share it anyway. Each AWS sandbox resets it and holds it exclusively while it runs."""

from __future__ import annotations

import contextlib
import logging
import threading
import urllib.request

from assay.errors import EstateError

_start_lock = threading.Lock()
_in_use = threading.Lock()
_server = None
_port = 0
WAIT_SECONDS = 120.0


def acquire() -> int:
    """Start moto's server if needed, wait for exclusive use, wipe its state; returns its port."""
    global _server, _port
    with _start_lock:
        if _server is None:
            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            _fix_moto_tagging()
            server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
            server.start()
            _port = server.get_host_and_port()[1]
            _server = server
    if not _in_use.acquire(timeout=WAIT_SECONDS):
        raise EstateError("another AWS sandbox has held moto's server for too long in this process")
    try:
        reset(_port)
    except BaseException:
        _in_use.release()
        raise
    return _port


def release() -> None:
    if _in_use.locked():
        _in_use.release()


def reset(port: int) -> None:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        if resp.status != 200:
            raise EstateError(f"moto's server did not reset: HTTP {resp.status}")


def _fix_moto_tagging() -> None:
    """Work around a moto 5.2 bug in the emulator (not in any SDK): SageMaker keeps model cards as
    name -> [versions], and its Resource Groups Tagging iterator then fails on the list with a 500.
    The replacement runs moto's own iterator over a view of the backend whose model cards are each
    card's latest version; the backend itself is not touched."""
    from moto.sagemaker.models import SageMakerModelBackend

    original = SageMakerModelBackend.iter_tagged_resources
    if getattr(original, "_assay_fixed", False):
        return

    class _LatestCards:
        def __init__(self, backend: object, cards: dict[str, object]) -> None:
            self._backend = backend
            self.model_cards = cards

        def __getattr__(self, name: str) -> object:
            return getattr(self._backend, name)

    def iter_tagged_resources(self):  # type: ignore[no-untyped-def]
        cards = {name: v[-1] for name, v in self.model_cards.items() if isinstance(v, list) and v}
        return original(_LatestCards(self, cards))

    iter_tagged_resources._assay_fixed = True  # type: ignore[attr-defined]
    SageMakerModelBackend.iter_tagged_resources = iter_tagged_resources  # type: ignore[method-assign]


def prewarm(services: list[str]) -> threading.Thread:
    """Load moto's service modules and botocore's models for ``services`` in the background.

    Both load lazily on the first request otherwise, which puts a second or two of imports on the audit's
    critical path; the sandbox starts this while the other sources are being materialised.
    """
    import importlib

    def work() -> None:
        from assay.collectors.aws.api import shared_loader

        loader = shared_loader()
        for service in services:
            for module in (f"moto.{service}.models", f"moto.{service}.responses"):
                with contextlib.suppress(ImportError):
                    importlib.import_module(module)
            for kind in ("service-2", "paginators-1", "endpoint-rule-set-1"):
                # a model botocore does not ship for a service (no paginators): nothing to warm
                with contextlib.suppress(Exception):
                    loader.load_service_model(service, kind)

    thread = threading.Thread(target=work, name="assay-moto-prewarm", daemon=True)
    thread.start()
    return thread
