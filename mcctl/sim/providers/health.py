"""Public health endpoints: each stamp's `health_url` (and each shared dependency's) answers with a
Mission-Critical style report, as the reference implementation's HealthService does (ASP.NET Core
health checks JSON: 200 Healthy/Degraded, 503 Unhealthy, a per-check `entries` map).

They are reached through the same transport as ARM: `Sim.route_path` maps a public host to
`/@web/{host}{path}`, and no token is needed. Routes: `/health/stamp` and `/health` on any host;
a host/path that is not a configured endpoint answers 404.

The stamps' web apps also answer other paths on their App Service host (`*.azurewebsites.*`, up to
six path segments; what `stamps validate --smoke PATH` asks of a candidate, directly, not through
Front Door): `GET /` and any other path → 200 `{"stamp", "region", "host", "path"}` with the
`x-mcctl-served-by: STAMP/REGION` header, as the edge's answers carry; `/missing` and paths under
it → 404; a host that is no web app's → 404. The same outage/stopped answers as the health endpoint
apply, and the stamp's health fault (`sim stamp MODE STAMP`) plays on these paths too: `fail` → 500,
`slow` → its latency, `down` → no answer; `degraded` is the report's business and changes nothing.

What an endpoint answers:
- the stamp's region is down (`sim outage start`): 503 from the App Service front end (not JSON);
- the stamp's web app is stopped: 403, as App Service answers for a stopped app;
- otherwise its simulated fault (`sim stamp MODE STAMP`, `sim dependency MODE NAME`):
  `ok` 200 Healthy in 40–140 ms, `slow` 200 Healthy after `latency` seconds, `degraded` 200 with a
  Degraded check, `fail` 503 with an Unhealthy check, `down` never answers (the client times out).
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mcctl.domain.regions import normalize_region
from mcctl.sim.http import SimRequest, SimResponse
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

MODES = ("ok", "slow", "degraded", "fail", "down")
HANG_SECONDS = 86400.0  # "down": longer than any client waits
DEFAULT_SLOW_SECONDS = 2.0
STAMP_CHECKS = ("Sql", "Redis", "StampStorage")
SITE_TYPE = "microsoft.web/sites"
SITE_HOST = "/@web/{app}.azurewebsites.{suffix}"  # a web app's default host name (any cloud's suffix)
SITE_PATH_SEGMENTS = 6  # paths a web app answers beyond its health endpoint: / up to /a/b/c/d/e/f
MISSING_PREFIX = "/missing"  # a web app's paths that do not exist (404), for smoke checks that must fail
SERVED_BY_HEADER = "x-mcctl-served-by"  # as the edge's answers (mcctl/sim/providers/cdn.py)


def endpoint_key(url: str) -> str:
    """`host/path` of a health URL, lower-cased: how endpoints and their faults are keyed."""
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}{(parts.path.rstrip('/') or '/').lower()}"


def health_state(sim: Sim) -> dict[str, Any]:
    state = sim.store.data.get("health")
    if state is None:  # a state seeded before this provider existed
        state = sim.store.data["health"] = {"endpoints": {}, "faults": {}}
        sim.store.dirty = True
    return state


def set_fault(
    sim: Sim,
    url: str,
    mode: str,
    *,
    target: str,
    latency: float | None = None,
    check: str | None = None,
) -> dict[str, Any]:
    """Make the endpoint at `url` answer as `mode` (`ok` clears its fault). Returns the fault."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}")
    with sim.store.transaction():
        faults = health_state(sim)["faults"]
        key = endpoint_key(url)
        fault: dict[str, Any] = {"target": target, "mode": mode}
        if mode == "ok":
            faults.pop(key, None)
        else:
            if mode == "slow":
                fault["latency"] = DEFAULT_SLOW_SECONDS if latency is None else latency
            if mode in ("degraded", "fail"):
                fault["check"] = check or STAMP_CHECKS[0]
            faults[key] = fault
        sim.store.dirty = True
    return fault


class HealthProvider:
    name = "health"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("GET", "/@web/{host}/health/stamp", _serve)
        router.add("GET", "/@web/{host}/health", _serve)
        # The App Service host only: a catch-all on any host would shadow the Front Door endpoint's.
        for depth in range(SITE_PATH_SEGMENTS + 1):
            router.add("GET", SITE_HOST + "".join(f"/{{p{i}}}" for i in range(depth)), _serve_site)

    def seed(self, sim: Sim, estate: Estate) -> None:
        endpoints: dict[str, dict[str, Any]] = {}
        for stamp in estate.stamps:
            endpoints[endpoint_key(stamp.health_url)] = {
                "kind": "stamp",
                "name": stamp.name,
                "region": stamp.region,
                "site_id": stamp.app_ref.id.lower(),
            }
        for dep in estate.health.dependencies:
            if dep.health_url:
                endpoints[endpoint_key(dep.health_url)] = {"kind": "dependency", "name": dep.name}
        sim.store.data["health"] = {"endpoints": endpoints, "faults": {}}
        sim.store.dirty = True


# -- answers ---------------------------------------------------------------------------------------
def _timespan(seconds: float) -> str:
    """A .NET TimeSpan as the health checks writer prints it: 00:00:00.0850000."""
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}.{round((seconds - whole) * 1e7):07d}"


def _report(status: str, checks: dict[str, tuple[str, str | None]], seconds: float) -> dict[str, Any]:
    entries = {}
    share = seconds / max(1, len(checks))
    for name, (check_status, description) in checks.items():
        entry: dict[str, Any] = {"data": {}, "duration": _timespan(share), "status": check_status, "tags": []}
        if description:
            entry["description"] = description
        entries[name] = entry
    return {"status": status, "totalDuration": _timespan(seconds), "entries": entries}


def _text(status: int, text: str, latency: float = 0.0) -> SimResponse:
    return SimResponse(status, text.encode(), {"Content-Type": "text/html; charset=utf-8"}, latency=latency)


def _site_for(sim: Sim, host: str, endpoint: dict[str, Any] | None) -> dict[str, Any] | None:
    if endpoint and endpoint.get("site_id"):
        return sim.store.get(endpoint["site_id"])
    for body in sim.store.resources.values():
        if body.get("type", "").lower() == SITE_TYPE:
            names = [h.lower() for h in body.get("properties", {}).get("hostNames", [])]
            if host in names:
                return body
    return None


def _serve(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    host = p["host"].lower()
    key = f"{host}{req.path.lower()}"
    state = health_state(sim)
    endpoint = state["endpoints"].get(key)
    site = None
    if endpoint is None or endpoint["kind"] == "stamp":
        site = _site_for(sim, host, endpoint)
        if endpoint is None and (site is None or req.path.lower() != "/health/stamp"):
            return _text(404, "<h1>404 Not Found</h1>")
    if site is not None:
        region = (endpoint or {}).get("region") or normalize_region(site.get("location", ""))
        if sim.region_down(region):
            return _text(503, "<h1>Service Unavailable</h1><p>The service is unavailable.</p>")
        if (site.get("properties", {}).get("state") or "").lower() == "stopped":
            return _text(403, "<h1>Error 403 - This web app is stopped.</h1>")
    fault = state["faults"].get(key, {})
    mode = fault.get("mode", "ok")
    checks: list[str] = list(STAMP_CHECKS) if site is not None else ["Service"]
    base = 0.04 + (zlib.crc32(key.encode()) % 100) / 1000
    if mode == "down":
        return _text(504, "", latency=HANG_SECONDS)
    if mode == "slow":
        seconds = float(fault.get("latency", DEFAULT_SLOW_SECONDS))
        return SimResponse(200, _report("Healthy", {c: ("Healthy", None) for c in checks}, seconds), latency=seconds)
    if mode in ("degraded", "fail"):
        failing = fault.get("check") or checks[0]
        verdict = "Degraded" if mode == "degraded" else "Unhealthy"
        entries: dict[str, tuple[str, str | None]] = {c: ("Healthy", None) for c in checks}
        entries[failing] = (verdict, "simulated failure")
        return SimResponse(200 if mode == "degraded" else 503, _report(verdict, entries, base), latency=base)
    return SimResponse(200, _report("Healthy", {c: ("Healthy", None) for c in checks}, base), latency=base)


# -- the web apps' other paths (smoke checks) ------------------------------------------------------
def _stamp_endpoint(state: dict[str, Any], host: str) -> tuple[str, dict[str, Any] | None]:
    """The fault key of the stamp served on `host` (its health endpoint's), and that endpoint if
    seeded; a stamp deployed later (a pipeline's candidate) has its fault at `host/health/stamp`."""
    for key, endpoint in state["endpoints"].items():
        if endpoint.get("kind") == "stamp" and key.split("/", 1)[0] == host:
            return key, endpoint
    return f"{host}/health/stamp", None


def _serve_site(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    host = f"{p['app']}.azurewebsites.{p['suffix']}".lower()
    state = health_state(sim)
    key, endpoint = _stamp_endpoint(state, host)
    site = _site_for(sim, host, endpoint)
    if site is None:
        return _text(404, "<h1>404 Web Site not found</h1>")
    region = (endpoint or {}).get("region") or normalize_region(site.get("location", ""))
    if sim.region_down(region):
        return _text(503, "<h1>Service Unavailable</h1><p>The service is unavailable.</p>")
    if (site.get("properties", {}).get("state") or "").lower() == "stopped":
        return _text(403, "<h1>Error 403 - This web app is stopped.</h1>")
    tags = {k.lower(): v for k, v in (site.get("tags") or {}).items()}
    name = (endpoint or {}).get("name") or tags.get("mcctl-stamp") or site.get("name", host)
    headers = {SERVED_BY_HEADER: f"{name}/{region}"}
    fault = state["faults"].get(key, {})
    mode = fault.get("mode", "ok")
    latency = 0.02 + (zlib.crc32(f"{host}{req.path}".encode()) % 50) / 1000
    if mode == "down":
        return _text(504, "", latency=HANG_SECONDS)
    if mode == "slow":
        latency = float(fault.get("latency", DEFAULT_SLOW_SECONDS))
    if mode == "fail":
        error = {"error": {"code": "InternalServerError", "message": "simulated failure"}}
        return SimResponse(500, error, headers, latency=latency)
    path = req.path.lower()
    if path == MISSING_PREFIX or path.startswith(MISSING_PREFIX + "/"):
        return SimResponse(404, {"error": {"code": "NotFound", "message": f"{req.path} not found"}}, headers, latency)
    body = {"stamp": name, "region": region, "host": host, "path": req.path}
    return SimResponse(200, body, headers, latency=latency)
