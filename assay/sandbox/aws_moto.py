"""moto's server in a child process, once per Python process, reset and held exclusively by each AWS sandbox.

moto is the emulator, not the code under test, so it runs in its own process: its request handling then
uses the second core instead of competing with boto3 and the other sandboxes for this process's GIL, and
its service modules are imported there at start-up while this process seeds the other sources. Every
interaction with it is HTTP (moto's server and its /moto-api/ endpoints), exactly as before. The child
exits when its stdin closes, so it never outlives the process that started it.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import urllib.request

from assay.errors import EstateError, SandboxUnavailable

_start_lock = threading.Lock()
_in_use = threading.Lock()
_child: subprocess.Popen[str] | None = None
_port = 0
WAIT_SECONDS = 120.0
START_SECONDS = 60.0


def acquire() -> int:
    """Start moto's server if needed, wait for exclusive use, wipe its state; returns its port."""
    global _child, _port
    with _start_lock:
        if _child is None or _child.poll() is not None:
            _child, _port = _spawn()
    if not _in_use.acquire(timeout=WAIT_SECONDS):
        raise EstateError("another AWS sandbox has held moto's server for too long in this process")
    try:
        reset(_port)
    except BaseException:
        _in_use.release()
        raise
    return _port


def _spawn() -> tuple[subprocess.Popen[str], int]:
    from assay.collectors.aws.operations import OPERATIONS

    services = sorted({op.service for op in OPERATIONS.values()})
    child = subprocess.Popen(
        [sys.executable, "-m", "assay.sandbox.aws_moto", *services],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    port_line: list[str] = []
    reader = threading.Thread(target=lambda: port_line.append(child.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(START_SECONDS)
    if not port_line or not port_line[0].strip().isdigit():
        _kill(child)
        raise SandboxUnavailable(
            "moto's server did not start (is moto[server] installed? pip install 'assay[sandbox]')"
        )
    atexit.register(_kill, child)
    return child, int(port_line[0])


def _kill(child: subprocess.Popen[str]) -> None:
    with contextlib.suppress(Exception):
        if child.stdin:
            child.stdin.close()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGTERM)
    with contextlib.suppress(Exception):
        child.wait(timeout=5)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signal.SIGKILL)


def _serve(services: list[str]) -> None:
    """The child: start moto's threaded server, print its port, warm the services, wait for stdin to close."""
    import importlib

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _fix_moto_tagging()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    for service in services:  # moto loads a service's models on its first request otherwise
        for module in (f"moto.{service}.models", f"moto.{service}.responses"):
            with contextlib.suppress(Exception):
                importlib.import_module(module)
    sys.stdin.read()  # returns when the parent closes the pipe or exits
    server.stop()


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
    """Load botocore's models for ``services`` in the background (moto's child warms its own side).

    They load lazily on the first request otherwise, which puts a second of imports on the audit's
    critical path; the sandbox starts this while the other sources are being materialised.
    """

    def work() -> None:
        from assay.collectors.aws.api import shared_loader

        loader = shared_loader()
        for service in services:
            for kind in ("service-2", "paginators-1", "endpoint-rule-set-1"):
                # a model botocore does not ship for a service (no paginators): nothing to warm
                with contextlib.suppress(Exception):
                    loader.load_service_model(service, kind)

    thread = threading.Thread(target=work, name="assay-moto-prewarm", daemon=True)
    thread.start()
    return thread


if __name__ == "__main__":
    _serve(sys.argv[1:])
