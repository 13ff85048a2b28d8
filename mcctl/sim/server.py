"""The simulated ARM over loopback HTTPS, for clients that cannot use the in-process transport
(a custom `arm_endpoint` with a CA bundle, and the az CLI itself), optionally with simulated time
running N times faster than the wall while it serves (`SpeedKeeper`)."""

from __future__ import annotations

import logging
import os
import ssl
import sys
import threading
import uuid
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from mcctl.sim.app import Sim
from mcctl.sim.clock import speed_problem

log = logging.getLogger(__name__)

LOOPBACK = "127.0.0.1"
LEASE_SECONDS = 4.0  # how long (wall) a speed outlives a server killed without a clean stop
RENEW_SECONDS = 1.0  # how often the keeper renews it: one state-file write per wall second


class SpeedKeeper:
    """Makes simulated time run `factor` times faster than the wall while it runs, for every process
    on the state file (mcctl.sim.clock.ClockSpeed): `renew()` extends the speed's lease, `release()`
    folds the time gained into the offset and goes back to wall speed. `start()` renews from a
    background thread every `every` wall seconds; tests call `renew()` themselves with a fake wall
    (the sim's SimClock `wall=`)."""

    def __init__(
        self, sim: Sim, factor: float, lease: float = LEASE_SECONDS, every: float = RENEW_SECONDS, label: str = ""
    ) -> None:
        problem = speed_problem(factor)
        if problem:
            raise ValueError(f"--speed: {problem}")
        self.sim = sim
        self.factor = float(factor)
        self.lease = lease
        self.every = every
        # Unique, so a clean stop never removes another server's speed; `label` (its URL and pid)
        # tells an operator which server holds the state.
        self.owner = f"{label} {uuid.uuid4().hex}".strip()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def renew(self) -> bool:
        """Run at `factor` for another lease (False: another server holds the clock at another speed)."""
        with self.sim.clock_transaction() as clock:
            return clock.keep_speed(self.factor, self.lease, self.owner)

    def release(self) -> None:
        with self.sim.clock_transaction() as clock:
            clock.drop_speed(self.owner)

    def start(self) -> None:
        """Take the clock (ValueError when another server holds it), then keep it."""
        if not self.renew():
            raise ValueError(served_elsewhere(self.sim) or "another server serves this simulator")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="mcctl-sim-speed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.release()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.renew()
            except Exception as exc:  # a damaged or unreadable state file must not end the keeper for good
                log.warning("mcctl: could not renew the simulated clock's speed: %s", exc)


def served_elsewhere(sim: Sim) -> str | None:
    """Why this state cannot be served now: another server holds it (None: nobody does). Read before
    binding a port, so a second server on the same port is told the same as on another."""
    with sim.clock_transaction() as clock:
        holder = clock.speed
        if holder is None or not holder.live(clock.wall()):
            return None
    who = holder.owner.rpartition(" ")[0] or "another server"
    return (
        f"another server serves this simulator ({who}, at speed {holder.factor:g}): one server per state; "
        f"stop it first, or use it (a server that was killed lets go within {LEASE_SECONDS:g} s)"
    )


HANDSHAKE_SECONDS = 10.0  # a client that connects and says nothing holds only its own thread, this long


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # (ssl.SSLError too) a client gone or not speaking TLS
            return
        super().handle_error(request, client_address)


class _QuietHandler(WSGIRequestHandler):
    def setup(self) -> None:
        # The TLS handshake happens here, in this connection's own thread, not in accept(): there
        # it would serialize every connection behind the slowest (or an idle) client's handshake.
        self.request.settimeout(HANDSHAKE_SECONDS)
        self.request.do_handshake()
        self.request.settimeout(None)
        super().setup()

    def log_message(self, format: str, *args: object) -> None:
        pass


class LoopbackServer:
    """Serves `sim` on https://127.0.0.1:<port>; use as a context manager or start()/stop()."""

    def __init__(
        self, sim: Sim, cert: Path, key: Path, port: int = 0, host: str = LOOPBACK, speed: float = 1.0
    ) -> None:
        """`speed`: simulated seconds per wall second while it serves (a finite number >= 1; ValueError
        naming --speed otherwise)."""
        if host not in (LOOPBACK, "localhost", "::1"):
            raise ValueError("the simulator only listens on loopback")
        problem = speed_problem(speed)
        if problem:
            raise ValueError(f"--speed: {problem}")
        self.speed = float(speed)
        self._server = make_server(host, port, sim, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
        # Kept at any speed, 1 included: the lease is also what says the state is being served, so
        # a second server on it is refused instead of fighting over its clock and files.
        self._keeper: SpeedKeeper | None = SpeedKeeper(sim, speed, label=f"{self.url} pid {os.getpid()}")
        self._keeping = False
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(cert), str(key))
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True, do_handshake_on_connect=False)
        self._server.base_environ["HTTPS"] = "on"  # wsgiref derives wsgi.url_scheme from it
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.socket.getsockname()[:2]  # (server_address types host as str | bytes)
        return f"https://{host}:{port}"

    def start(self) -> LoopbackServer:
        self._start_keeper()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="mcctl-sim-https", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted; the speed ends with it, however it ends."""
        self._start_keeper()
        try:
            self._server.serve_forever()
        finally:
            self._stop_keeper()
            self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)
        self._stop_keeper()

    def claim_speed(self) -> None:
        """Take the simulated clock at this server's speed now, before serving (ValueError when
        another server holds it at another speed), so a caller can refuse before it announces
        anything. Serving claims it anyway."""
        self._start_keeper()

    def _start_keeper(self) -> None:
        if self._keeper is not None and not self._keeping:
            try:
                self._keeper.start()
            except BaseException:
                self._server.server_close()  # nothing will serve: free the port
                raise
            self._keeping = True

    def _stop_keeper(self) -> None:
        if self._keeper is not None and self._keeping:
            self._keeper.stop()
            self._keeping = False

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *args: object) -> None:
        self.stop()
