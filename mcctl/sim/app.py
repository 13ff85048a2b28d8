"""The simulated ARM application: routing, auth, faults (armed in `faults.py`), operations (LROs) and time."""

from __future__ import annotations

import copy
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from mcctl.sim.clock import ClockSpeed, SimClock
from mcctl.sim.credential import caller_of
from mcctl.sim.faults import FAULT_SIGNALS, Faults
from mcctl.sim.http import REASONS, ArmError, SimRequest, SimResponse, page
from mcctl.sim.operations import Operations
from mcctl.sim.outages import RegionOutages
from mcctl.sim.paging import page_size_for
from mcctl.sim.router import Router
from mcctl.sim.simtime import SimTime
from mcctl.sim.store import SimStore
from mcctl.sim.ticks import Ticks

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
META_KEY_PREFIX = "x_ms_meta_"  # blob metadata headers, as WSGI names them
OWN_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})  # the simulator served on loopback
MIN_RETRY_AFTER_MS = 50  # a fast clock still leaves a wall-clock poller time to breathe


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


class Sim(SimTime, Operations, RegionOutages):
    """Handles one ARM request at a time against the store; every request first settles time."""

    def __init__(self, store: SimStore, providers: Iterable[Provider], clock: SimClock | None = None) -> None:
        self.store = store
        self.clock = clock or SimClock(
            store.data.get("clock_offset", 0.0), speed=ClockSpeed.from_state(store.data.get("clock_speed"))
        )
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
        # Simulated seconds every request takes on top of its own (`MCCTL_SIM_LATENCY_MS`, set by the
        # CLI): the in-process transport sleeps it in simulated time, a served request on the wall.
        self.latency = 0.0
        # The clock moved in this process's memory only (see _move_clock), and the state it was synced
        # from; `store.generation` tells a state replaced in process (reset) from one another wrote.
        self._clock_moved = False
        self._synced_from: dict[str, Any] = store.data
        self._generation = store.generation
        from mcctl.sim.admin import register_admin_routes

        register_admin_routes(self.router)

    # -- entry points ------------------------------------------------------------------------------
    def handle(self, req: SimRequest, served: bool = False) -> SimResponse:
        """Answer one request. `served`: it came over the network (WSGI) from a client that sleeps on
        the wall clock, not through the in-process transport (whose sleeps are simulated time)."""
        with self.store.transaction():
            self._sync_clock()
            self.settle()
            self._thread_time.last = self.clock.now()
            self._thread_time.caller = caller_of(req.headers.get("authorization", ""))
            try:
                response = self._dispatch(req)
            except ArmError as err:
                response = err.response()
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                # A body the simulator cannot read: ARM answers 400, never a crash of the client.
                response = ArmError(400, "InvalidRequestContent", f"The request content was invalid: {exc}").response()
            self._decorate(req, response)
            if served:
                self._wall_retry(response)
            # Bodies are often the stored dicts themselves: copy them while the lock is held.
            if response.body is not None and not isinstance(response.body, bytes):
                response.body = copy.deepcopy(response.body)
            self._save_clock(persist=False)
            kill = self._faults.take_kill(req)
            self._thread_time.caller = None
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
        headers = {_header_name(k[5:]): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        if self.latency > 0:
            # The network's share of a served request, on the wall (its client sleeps on the wall) and
            # outside the store lock: concurrent requests overlap as they would over a network.
            time.sleep(self.latency)
        response = self.handle(SimRequest(environ["REQUEST_METHOD"], url, headers, body), served=True)
        content = response.content()
        start_response(f"{response.status} {REASONS.get(response.status, '')}", list(response.headers.items()))
        return [content]

    def current_caller(self) -> str | None:
        return getattr(self._thread_time, "caller", None)

    # -- dispatch ----------------------------------------------------------------------------------
    def _dispatch(self, req: SimRequest) -> SimResponse:
        req = _host_style(req)
        path = self.route_path(req)
        # Health endpoints, the Front Door endpoint, sign-in and cloud metadata: no token.
        public = path.startswith(WEB_PREFIX) or self.router.is_public(path)
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if not public and (scheme.lower() != "bearer" or not token.strip()):
            raise ArmError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
        fault = self._faults.take_response(req)
        if fault is not None:
            return fault
        handler, params, known = self.router.match(req.method, path)
        if handler is None:
            if known:
                raise ArmError(405, "MethodNotAllowed", f"The requested method {req.method} is not allowed.")
            raise ArmError(404, "NotFound", f"The simulated ARM has no route for {req.method} {req.path}.")
        # Data planes and sign-in endpoints carry no api-version.
        arm = not path.startswith((BLOB_PREFIX, WEB_PREFIX)) and not public
        if arm and "/operation" not in req.path.lower() and not req.param("api-version"):
            raise ArmError(
                400,
                "MissingApiVersionParameter",
                "The api-version query parameter (?api-version=) is required for all requests.",
            )
        return handler(self, req, params)

    def route_path(self, req: SimRequest) -> str:
        """One router serves every host the simulated estate has:

        - ARM: `/subscriptions/...` and `/providers/...` on any host;
        - the blob service: host `{account}.blob.<suffix>` → `/@blob/{account}/{container}/{blob}`, or
          path-style `/@blob/{account}/...` on any host (a loopback `lock.endpoint`);
        - public web endpoints (stamp health endpoints, the Front Door endpoint) → `/@web/{host}{path}`,
          or path-style `/@web/{host}{path}` on any host (`cloud.web_endpoint`: probes sent to loopback,
          made host-style first by `_host_style`);
        - a path the router knows, on the simulator's own hosts (loopback, `*.sim.mcctl.invalid`): as it
          is — the sign-in endpoints, `/tenants`, `/metadata/endpoints` (mcctl/sim/providers/identity.py);
          any other path there is a web endpoint too (a health URL on 127.0.0.1).
        """
        lowered = req.path.lower()
        if lowered.startswith(("/subscriptions/", "/providers/")) or lowered in ("/subscriptions", "/providers"):
            return req.path
        if lowered.startswith(BLOB_PREFIX + "/"):
            return req.path
        account, _, rest = req.host.partition(".")
        if rest.startswith("blob."):
            return f"{BLOB_PREFIX}/{account}{req.path if req.path != '/' else ''}"
        own = req.host in OWN_HOSTS or req.host.endswith(".sim.mcctl.invalid")
        if own and self.router.match(req.method, req.path)[2]:
            return req.path
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

    def _wall_retry(self, response: SimResponse) -> None:
        """While time runs faster than the wall (`sim serve --speed N`), a wait of S simulated seconds
        is S/N wall seconds: Retry-After says so in whole wall seconds (at least 1: what every client
        reads, azure-core first), `retry-after-ms` precisely. Only for served clients: in process,
        the transport turns the simulated seconds of Retry-After into simulated time."""
        factor = self.clock.factor()
        headers = response.headers
        if factor <= 1 or any(key.lower() == "retry-after-ms" for key in headers):
            return
        key = next((k for k in headers if k.lower() == "retry-after"), None)
        try:
            seconds = float(headers[key]) if key is not None else math.nan
        except ValueError:
            return  # an HTTP-date Retry-After: the simulator never sends one
        if key is not None and math.isfinite(seconds):
            wall = max(0.0, seconds) / factor
            headers[key] = str(max(1, math.ceil(wall)))
            headers["retry-after-ms"] = str(max(MIN_RETRY_AFTER_MS, round(wall * 1000)))

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
        """One page of a list, as many items as ARM puts in a page of it (mcctl/sim/paging.py), or
        `settings["page_size"]` when a test set one."""
        return page(req, items, page_size_for(req.path, self.settings))


def _host_style(req: SimRequest) -> SimRequest:
    """A path-style web request (`{web_endpoint}/@web/{host}{path}`: probes of a served estate) as the
    host-style request it stands for: the web endpoints key their answers on host and path."""
    if not req.path.lower().startswith(WEB_PREFIX + "/"):
        return req
    host, _, rest = req.path[len(WEB_PREFIX) + 1 :].partition("/")
    query = urlsplit(req.url).query
    return SimRequest(req.method, f"https://{host}/{rest}" + (f"?{query}" if query else ""), req.headers, req.body)


def _header_name(environ_key: str) -> str:
    """A header's name from its WSGI environ key (dashes there became underscores). Blob metadata
    names are C# identifiers — underscores, never dashes — so after `x-ms-meta-` the underscores are
    the name's own (`x-ms-meta-acquired_at`, as azure-storage-blob sends it)."""
    name = environ_key.lower()
    if name.startswith(META_KEY_PREFIX):
        return "x-ms-meta-" + name[len(META_KEY_PREFIX) :]
    return name.replace("_", "-")
