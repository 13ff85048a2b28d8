"""A drill's synthetic probes: one read and one write against the public endpoint per interval.

The Prober rides on the session's clock (`Clock.every`): real time against Azure (a daemon thread),
simulated time against the simulator (called by whoever sleeps, as each interval passes), so the
probes see the estate exactly as the drill's steps leave it. Each probe is a `ProbeSample` handed to
`sink` as it is taken. At the end `verify_writes()` reads every acknowledged write back: a write
the endpoint acknowledged and the database no longer has is data lost (the RPO the report measures).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from mcctl.adapters.probes import send_probe
from mcctl.domain.drill.record import ProbeKind, ProbeSample
from mcctl.errors import EndpointUnreachable

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession, WebResponse
    from mcctl.domain.drill.spec import ProbeSpec

SERVED_BY_HEADER = "x-mcctl-served-by"  # `stamp/region`, as the simulated edge (and a real app) says
MISSING = "missing"  # a read-back's error when the write is not there: data lost
Sink = Callable[[ProbeSample], None]


class Prober:
    """`start()` probes every `spec.interval` until `stop()`; `probe_once(now)` is one round."""

    def __init__(
        self, session: AzureSession, spec: ProbeSpec, endpoint_url: str, sink: Sink, *, pace: float | None = None
    ) -> None:
        self.session = session
        self.spec = spec
        self.base = endpoint_url.rstrip("/")
        self.sink = sink
        self.pace = pace
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mcctl-probe")
        self._lock = threading.Lock()
        self._acknowledged: list[str] = []  # write ids, in the order they were acknowledged
        self._stop: Callable[[], None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self._stop is None:
            self._stop = self.session.clock.every(self.spec.interval, self._tick, self.pace)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None

    def close(self) -> None:
        self.stop()
        self._pool.shutdown(wait=True)

    def remember(self, write_ids: list[str]) -> None:
        """Writes an earlier run of the same drill had acknowledged (a resume): read back with these."""
        with self._lock:
            known = set(self._acknowledged)
            self._acknowledged[:0] = [w for w in write_ids if w not in known]

    @property
    def acknowledged(self) -> list[str]:
        with self._lock:
            return list(self._acknowledged)

    # -- probing -----------------------------------------------------------------------------------
    def _tick(self, now: float) -> None:
        self.probe_once(now)

    def probe_once(self, now: float | None = None) -> list[ProbeSample]:
        """One read and (unless the plan turned them off) one write, in parallel, each within
        `spec.timeout`. Each sample goes to the sink; returns them (read first)."""
        jobs = [self._pool.submit(self._probe, ProbeKind.READ, self.spec.read_method, self.spec.read_path)]
        if self.spec.write_path:
            jobs.append(self._pool.submit(self._probe, ProbeKind.WRITE, self.spec.write_method, self.spec.write_path))
        samples = [job.result() for job in jobs]
        for sample in samples:
            self.sink(sample)
        return samples

    def verify_writes(self) -> list[ProbeSample]:
        """Read back every acknowledged write (GET {write_path}/{id}): ok when found; `error`
        "missing" when the database answered it has no such row (lost); another error when the
        read-back itself failed (then the write is unverified, not lost). Not handed to the sink."""
        if not self.spec.write_path:
            return []
        path = self.spec.write_path.rstrip("/")
        return list(
            self._pool.map(lambda wid: self._probe(ProbeKind.READBACK, "GET", f"{path}/{wid}", wid), self.acknowledged)
        )

    def _probe(self, kind: ProbeKind, method: str, path: str, write_id: str | None = None) -> ProbeSample:
        url = f"{self.base}/{path.lstrip('/')}"
        at = self.session.clock.wall()
        try:
            response = send_probe(self.session, method, url, self.spec.timeout)
        except EndpointUnreachable as exc:
            error = f"timeout after {self.spec.timeout:g}s" if exc.timed_out else f"{exc.kind}: {exc.detail}"[:200]
            return ProbeSample(at, kind, False, None, None, None, None, error=error, write_id=write_id)
        return self._sample(kind, at, response, write_id)

    def _sample(self, kind: ProbeKind, at: float, response: WebResponse, write_id: str | None) -> ProbeSample:
        body = _json(response.body)
        stamp, region = _served_by(response.headers, body)
        ok = 200 <= response.status < 300
        error = None if ok else _error(response.status, body)
        if kind is ProbeKind.READBACK and response.status == 404:
            error = MISSING
        if kind is ProbeKind.WRITE and ok:
            write_id = str(body.get("id")) if body.get("id") is not None else None
            if write_id is None:
                ok, error = False, "acknowledged without a row id"
            else:
                with self._lock:
                    self._acknowledged.append(write_id)
        return ProbeSample(at, kind, ok, response.status, response.seconds, stamp, region, error, write_id)


def _json(content: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(content) if content else None
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _served_by(headers: dict[str, str], body: dict[str, Any]) -> tuple[str | None, str | None]:
    """(stamp, region) from the `x-mcctl-served-by` header, else the body's `served_by`."""
    header = next((v for k, v in headers.items() if k.lower() == SERVED_BY_HEADER), None)
    if header and "/" in header:
        stamp, _, region = header.partition("/")
        return stamp or None, region or None
    served = body.get("served_by")
    if isinstance(served, dict):
        return served.get("stamp"), served.get("region")
    return None, None


def _error(status: int, body: dict[str, Any]) -> str:
    """`HTTP 503 DatabaseUnavailable`: the status and the error code the endpoint gave, if any."""
    error = body.get("error")
    code = error.get("code") if isinstance(error, dict) else None
    return f"HTTP {status} {code}" if code else f"HTTP {status}"
