"""The HTTP server every in-process stand-in runs on: 127.0.0.1, a free port, a daemon thread."""

from __future__ import annotations

import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer:
    """Serve ``handler`` on 127.0.0.1 at a port the OS picks; ``stop`` is safe to call more than once."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], name: str, tls: ssl.SSLContext | None = None
    ) -> None:
        self._handler = handler
        self._name = name
        self._tls = tls
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> LoopbackServer:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler)
        self._server.daemon_threads = True
        if self._tls is not None:
            self._server.socket = self._tls.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=self._name, daemon=True
        ).start()
        return self

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https`` when serving TLS; no trailing slash)."""
        assert self._server is not None, f"the {self._name} is not started"
        host, port = self._server.server_address[:2]
        return f"{'https' if self._tls else 'http'}://{host}:{port}"

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
