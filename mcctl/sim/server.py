"""The simulated ARM over loopback HTTPS, for clients that cannot use the in-process transport
(a custom `arm_endpoint` with a CA bundle, and later the az CLI itself)."""

from __future__ import annotations

import ssl
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from mcctl.sim.app import Sim

LOOPBACK = "127.0.0.1"


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class LoopbackServer:
    """Serves `sim` on https://127.0.0.1:<port>; use as a context manager or start()/stop()."""

    def __init__(self, sim: Sim, cert: Path, key: Path, port: int = 0, host: str = LOOPBACK) -> None:
        if host not in (LOOPBACK, "localhost", "::1"):
            raise ValueError("the simulator only listens on loopback")
        self._server = make_server(host, port, sim, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.base_environ["HTTPS"] = "on"  # wsgiref derives wsgi.url_scheme from it
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]  # (server_address types host as str | bytes)
        return f"https://{host}:{port}"

    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="mcctl-sim-https", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()
