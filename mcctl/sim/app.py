"""The simulated ARM application: routing, auth, faults (armed in `faults.py`), operations (LROs) and time."""

from __future__ import annotations

import copy
import math
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from mcctl.sim.clock import SimClock, iso
from mcctl.sim.faults import FAULT_SIGNALS, Faults
from mcctl.sim.http import REASONS, ArmError, SimRequest, SimResponse, page
from mcctl.sim.outages import RegionOutages
from mcctl.sim.router import Router
from mcctl.sim.store import SimStore
from mcctl.sim.ticks import Callback, Ticks

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate

__all__ = [
    "BLOB_PREFIX",
    "FAULT_SIGNALS",
    "WEB_PREFIX",
    "DependencyProvider",
    "Effect",
    "Provider",
    "RequestLogEntry",
    "Sim",
]

Effect = Callable[..., None]
BLOB_PREFIX = "/@blob"
WEB_PREFIX = "/@web"


class Provider(Protocol):
    """One resource provider of the simulated ARM (Microsoft.Web, Microsoft.Sql, ...)."""

    name: str

    def register(self, router: Router) -> None: ...

    def seed(self, sim: Sim, estate: Estate) -> None: ...

    @property
    def effects(self) -> Mapping[str, Effect]: ...


@runtime_checkable
class DependencyProvider(Protocol):
    """The optional part of a Provider that plays shared dependencies (a plugin's resource type with
    no health endpoint, e.g. App Configuration): `mcctl sim dependency MODE NAME` turns to it when
    NAME is not in the estate file's `health.dependencies`.

    `dependencies`: the names it plays. `set_dependency(sim, name, mode)` puts the simulated resource
    in `mode` (ok | slow | degraded | fail | down, as the provider chooses to model them) and returns
    what it did in words; it raises ValueError, its message naming the argument ("MODE: ...",
    "NAME: ..."), for a mode it cannot play or a dependency this estate does not have."""

    dependencies: tuple[str, ...]

    def set_dependency(self, sim: Sim, name: str, mode: str) -> str: ...


@dataclass
class RequestLogEntry:
    method: str
    path: str
    status: int


class Sim(RegionOutages):
    """Handles one ARM request at a time against the store; every request first settles time."""

    def __init__(self, store: SimStore, providers: Iterable[Provider], clock: SimClock | None = None) -> None:
        self.store = store
        self.clock = clock or SimClock(store.data.get("clock_offset", 0.0))
        self.providers = list(providers)
        self.router = Router()
        self.effects: dict[str, Effect] = {}
        for provider in self.providers:
            provider.register(self.router)
            self.effects.update(provider.effects)
        self._faults = Faults(store)
        self.requests: list[RequestLogEntry] = []  # in memory only: lets tests count ARM calls
        self._thread_time = threading.local()
        self.ticks = Ticks()  # in memory only: listeners of this process (mcctl/sim/ticks.py)
        from mcctl.sim.admin import register_admin_routes

        register_admin_routes(self.router)

    # -- entry points ------------------------------------------------------------------------------
    def handle(self, req: SimRequest) -> SimResponse:
        with self.store.transaction():
            self._sync_clock()
            self.settle()
            self._thread_time.last = self.clock.now()
            try:
                response = self._dispatch(req)
            except ArmError as err:
                response = err.response()
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                # A body the simulator cannot read: ARM answers 400, never a crash of the client.
                response = ArmError(400, "InvalidRequestContent", f"The request content was invalid: {exc}").response()
            self._decorate(req, response)
            # Bodies are often the stored dicts themselves: copy them while the lock is held.
            if response.body is not None and not isinstance(response.body, bytes):
                response.body = copy.deepcopy(response.body)
            self._save_clock()
            kill = self._faults.take_kill(req)
        self.requests.append(RequestLogEntry(req.method, req.path, response.status))
        if kill is not None:
            # The request reached "Azure" and its state is saved; then the client gets the signal
            # before the answer: SIGKILL is a kill -9 mid-request, TERM/HUP/INT what a supervisor or
            # an operator sends. Only meaningful in process (the default).
            os.kill(os.getpid(), kill)
        return response

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """WSGI, for the loopback HTTPS server."""
        scheme = environ.get("wsgi.url_scheme", "https")
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        query = environ.get("QUERY_STRING")
        url = f"{scheme}://{host}{environ.get('PATH_INFO', '/')}" + (f"?{query}" if query else "")
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        response = self.handle(SimRequest(environ["REQUEST_METHOD"], url, headers, body))
        content = response.content()
        start_response(f"{response.status} {REASONS.get(response.status, '')}", list(response.headers.items()))
        return [content]

    def sleep(self, seconds: float) -> None:
        """What a client's sleep means here: simulated time passes (parallel sleepers overlap), in
        chunks that stop at each tick listener's due instant (`every`)."""
        with self.store.transaction():
            self._sync_clock()
            start = getattr(self._thread_time, "last", self.clock.now())
        self.ticks.pass_time(start + seconds, self._move_clock, self.clock.now)

    def every(self, interval: float, callback: Callback, pace: float | None = None) -> Callable[[], None]:
        """Call `callback(simulated now)` each time `interval` simulated seconds pass, from the
        sleeps and advances of this process (mcctl/sim/ticks.py). `pace`: wall seconds to sleep per
        simulated second between ticks (None: no waiting). Returns a function that stops it."""
        with self.store.transaction():
            self._sync_clock()
            # Counted from this thread's own simulated time, which its next sleep starts from.
            base = getattr(self._thread_time, "last", self.clock.now())
        return self.ticks.add(interval, callback, base, pace)

    def _move_clock(self, instant: float, settle: bool) -> float:
        """One chunk of a sleep or advance (Ticks.pass_time): the clock to `instant`; returns now."""
        with self.store.transaction():
            self._sync_clock()
            self.clock.advance_to(instant)
            self._thread_time.last = self.clock.now()
            if settle:
                self.settle()
            self._save_clock()
            return self.clock.now()

    # -- dispatch ----------------------------------------------------------------------------------
    def _dispatch(self, req: SimRequest) -> SimResponse:
        path = self.route_path(req)
        public_web = path.startswith(WEB_PREFIX)  # health endpoints, the Front Door endpoint: no token
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if not public_web and (scheme.lower() != "bearer" or not token.strip()):
            raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        fault = self._faults.take_response(req)
        if fault is not None:
            return fault
        handler, params, known = self.router.match(req.method, path)
        if handler is None:
            if known:
                raise ArmError(405, "MethodNotAllowed", f"The requested method {req.method} is not allowed.")
            raise ArmError(404, "NotFound", f"The simulated ARM has no route for {req.method} {req.path}.")
        arm = not path.startswith((BLOB_PREFIX, WEB_PREFIX))  # data planes carry no api-version
        if arm and "/operation" not in req.path.lower() and not req.param("api-version"):
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        return handler(self, req, params)

    @staticmethod
    def route_path(req: SimRequest) -> str:
        """One router serves every host the simulated estate has:

        - ARM: `/subscriptions/...` and `/providers/...` on any host;
        - the blob service: host `{account}.blob.<suffix>` → `/@blob/{account}/{container}/{blob}`, or
          path-style `/@blob/{account}/...` on any host (a loopback `lock.endpoint`);
        - public web endpoints (stamp health endpoints, the Front Door endpoint) → `/@web/{host}{path}`.
        """
        lowered = req.path.lower()
        if lowered.startswith(("/subscriptions/", "/providers/")) or lowered in ("/subscriptions", "/providers"):
            return req.path
        if lowered.startswith(BLOB_PREFIX + "/"):
            return req.path
        account, _, rest = req.host.partition(".")
        if rest.startswith("blob."):
            return f"{BLOB_PREFIX}/{account}{req.path if req.path != '/' else ''}"
        return f"{WEB_PREFIX}/{req.host}{req.path if req.path != '/' else ''}"

    def _decorate(self, req: SimRequest, response: SimResponse) -> None:
        headers = response.headers
        headers.setdefault("x-ms-request-id", str(uuid.uuid4()))
        headers.setdefault(
            "x-ms-correlation-request-id", req.headers.get("x-ms-client-request-id", headers["x-ms-request-id"])
        )
        if req.method == "GET":
            headers.setdefault("x-ms-ratelimit-remaining-subscription-reads", "249")
        else:
            headers.setdefault("x-ms-ratelimit-remaining-subscription-writes", "199")
        if response.body is not None:
            headers.setdefault("Content-Type", "application/json; charset=utf-8")

    # -- time --------------------------------------------------------------------------------------
    def _sync_clock(self) -> None:
        self.clock.offset = self.store.data.get("clock_offset", 0.0)

    def _save_clock(self) -> None:
        if self.store.data.get("clock_offset") != self.clock.offset:
            self.store.data["clock_offset"] = self.clock.offset
            self.store.dirty = True

    def now(self) -> float:
        return self.clock.now()

    def now_iso(self) -> str:
        return iso(self.clock.now())

    def advance(self, seconds: float) -> None:
        """Let simulated time pass (the `mcctl sim advance` command and tests)."""
        with self.store.transaction():
            self._sync_clock()
            if not self.ticks:
                self.clock.advance(seconds)
                self._save_clock()
                self.settle()
                return
            SimClock(self.clock.offset).advance(seconds)  # refuse a bad amount before the first chunk
            target = self.clock.now() + max(0.0, seconds)
        self.ticks.pass_time(target, self._move_clock, self.clock.now, settle=True)

    def settle(self) -> None:
        """Complete every operation whose simulated duration has elapsed, oldest first."""
        ops = self.store.data["operations"]
        due = sorted(
            (op for op in ops.values() if op["status"] == "InProgress" and op["due"] <= self.clock.now()),
            key=lambda op: (op["due"], op["seq"]),
        )
        for op in due:
            self._finish(op)

    def _finish(self, op: dict[str, Any]) -> None:
        op["end"] = op["due"]
        self.store.dirty = True
        if op.get("fail"):
            self._fail(op, op["fail"])
            return
        effect = op.get("effect")
        try:
            if effect:
                self.effects[effect["name"]](self, **effect.get("args", {}))
        except ArmError as err:
            self._fail(op, {"status": err.status, "code": err.code, "message": err.message})
            return
        except Exception as exc:  # a simulator bug must fail the operation, not wedge every later request
            self._fail(op, {"status": 500, "code": "InternalServerError", "message": f"{type(exc).__name__}: {exc}"})
            return
        op["status"] = "Succeeded"

    def _fail(self, op: dict[str, Any], error: dict[str, Any]) -> None:
        """A failed operation leaves the resource settled again (e.g. provisioningState Failed)."""
        op["status"] = "Failed"
        op["error"] = error
        on_failure = op.get("on_failure")
        if on_failure:
            self.effects[on_failure["name"]](self, **on_failure.get("args", {}))

    # -- operations (LROs) -------------------------------------------------------------------------
    @property
    def settings(self) -> dict[str, Any]:
        return self.store.data["settings"]

    def start_operation(
        self,
        kind: str,
        *,
        resource_id: str,
        location: str,
        duration: float,
        effect: str | None = None,
        args: dict[str, Any] | None = None,
        result_id: str | None = None,
        on_failure: str | None = None,
    ) -> dict[str, Any]:
        """Record an operation that completes `duration` simulated seconds from now.

        `effect` names a registered function applied at completion (state is persisted, so effects
        are data, not closures). An armed `lro_failure` fault matching `kind` makes it fail instead,
        and then the `on_failure` effect (same args) puts the resource back in a settled state.
        """
        op_id = str(uuid.uuid4())
        op = {
            "id": op_id,
            "seq": self.store.next_seq(),
            "kind": kind,
            "resource_id": resource_id,
            "location": location,
            "start": self.clock.now(),
            "due": self.clock.now() + max(0.0, duration),
            "status": "InProgress",
            "effect": {"name": effect, "args": args or {}} if effect else None,
            "on_failure": {"name": on_failure, "args": args or {}} if on_failure else None,
            "result_id": result_id,
            "fail": self._faults.take_lro_failure(kind, resource_id),
            "error": None,
        }
        self.store.data["operations"][op_id] = op
        self.store.dirty = True
        if duration <= 0:
            self.settle()
        return op

    def operation(self, op_id: str) -> dict[str, Any]:
        op = self.store.data["operations"].get(op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
        return op

    def retry_after(self, op: dict[str, Any]) -> str:
        remaining = max(0.0, op["due"] - self.clock.now())
        return str(max(1, min(math.ceil(remaining), int(self.settings.get("poll_seconds", 10)))))

    def async_operation_status(self, op_id: str, status_url: str | None = None) -> SimResponse:
        """An Azure-AsyncOperation monitor: 200 with a mandatory `status`."""
        op = self.operation(op_id)
        body: dict[str, Any] = {
            "id": status_url or op_id,
            "name": op_id,
            "status": op["status"],
            "startTime": iso(op["start"]),
        }
        headers: dict[str, str] = {}
        if op["status"] == "InProgress":
            headers["Retry-After"] = self.retry_after(op)
        else:
            body["endTime"] = iso(op["end"])
        if op["status"] == "Failed" and op.get("error"):
            body["error"] = {"code": op["error"]["code"], "message": op["error"]["message"]}
        return SimResponse(200, body, headers)

    def location_status(self, op_id: str, result: Callable[[], Any] | None = None) -> SimResponse:
        """A Location monitor: 202 while running, the result (200) or 204 when done, an error if failed."""
        op = self.operation(op_id)
        if op["status"] == "InProgress":
            return SimResponse(202, None, {"Retry-After": self.retry_after(op)})
        if op["status"] == "Failed":
            err = op.get("error") or {}
            raise ArmError(err.get("status", 400), err.get("code", "OperationFailed"), err.get("message", "failed"))
        if result is not None:
            return SimResponse(200, result())
        return SimResponse(204)

    # -- faults (mcctl/sim/faults.py) --------------------------------------------------------------
    @property
    def faults(self) -> list[dict[str, Any]]:
        return self._faults.armed

    def add_fault(self, fault: dict[str, Any]) -> dict[str, Any]:
        """Arm a fault (kinds and keys: `Faults.add`)."""
        return self._faults.add(fault)

    def clear_faults(self) -> None:
        self._faults.clear()

    # -- shared dependencies a provider plays ------------------------------------------------------
    def dependency_provider(self, name: str) -> DependencyProvider | None:
        """The provider that plays the shared dependency `name` (DependencyProvider), if any."""
        for provider in self.providers:
            if isinstance(provider, DependencyProvider) and name in provider.dependencies:
                return provider
        return None

    def played_dependencies(self) -> list[str]:
        """Every shared dependency a provider plays, in provider order."""
        return [n for p in self.providers if isinstance(p, DependencyProvider) for n in p.dependencies]

    # -- helpers for providers ---------------------------------------------------------------------
    def page(self, req: SimRequest, items: list[Any]) -> SimResponse:
        return page(req, items, int(self.settings.get("page_size", 5)))
