"""Admin routes of the simulator: `/providers/Mcctl.Simulator/...`, authenticated like ARM.

What `mcctl sim outage|stamp|dependency` do to the state in process, over the simulated ARM, so a
drill's `fault` step works the same in process and against `mcctl sim serve` (through the session).
Azure has no such routes: a 404 there tells a client it is not talking to the simulator. Unknown
names and modes answer 400 (never 404, which means "not a simulator").

- `GET /outages` → `{"value": [{"region", "down", "since"}]}` (the regions that are down)
- `GET|PUT|DELETE /outages/{region}` → `{"region", "down", "since"}` (PUT starts, DELETE ends it)
- `GET|PUT /stamps/{stamp}` body `{"mode", "latency"?, "check"?}` → `{"stamp", "region", "mode", ...}`
- `GET|PUT /dependencies/{name}` body `{"mode", "latency"?}` → `{"name", "mode", ...}`

Modes are the health modes (ok | slow | degraded | fail | down), plus the drill plan's words
healthy (ok), unhealthy and error (fail), hang (down).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from mcctl.domain.regions import normalize_region
from mcctl.sim.clock import iso
from mcctl.sim.http import ArmError, SimRequest, SimResponse
from mcctl.sim.providers.health import MODES, health_state, set_fault

if TYPE_CHECKING:
    from mcctl.sim.app import Sim
    from mcctl.sim.router import Router

PREFIX = "/providers/Mcctl.Simulator"
ALIASES = {"healthy": "ok", "unhealthy": "fail", "error": "fail", "hang": "down"}
MAX_LATENCY = 3600.0


def register_admin_routes(router: Router) -> None:
    """Add the admin routes to the simulator's router."""
    router.add("GET", f"{PREFIX}/outages", _list_outages)
    router.add("GET", f"{PREFIX}/outages/{{region}}", _get_outage)
    router.add("PUT", f"{PREFIX}/outages/{{region}}", _put_outage)
    router.add("DELETE", f"{PREFIX}/outages/{{region}}", _delete_outage)
    router.add("GET", f"{PREFIX}/stamps/{{stamp}}", _get_stamp)
    router.add("PUT", f"{PREFIX}/stamps/{{stamp}}", _put_stamp)
    router.add("GET", f"{PREFIX}/dependencies/{{name}}", _get_dependency)
    router.add("PUT", f"{PREFIX}/dependencies/{{name}}", _put_dependency)


def _invalid(message: str) -> ArmError:
    return ArmError(400, "InvalidAdminRequest", message)


# -- outages ---------------------------------------------------------------------------------------
def _known_regions(sim: Sim) -> list[str]:
    """The estate's regions as the simulator knows them: its stamps' and its SQL servers'."""
    regions = [e["region"] for e in health_state(sim)["endpoints"].values() if e.get("kind") == "stamp"]
    for group in sim.store.data.get("sql", {}).get("groups", {}).values():
        regions += [sim.store.require(server)["location"] for server in group["servers"]]
    return list(dict.fromkeys(normalize_region(r) for r in regions))


def _region(sim: Sim, raw: str) -> str:
    name = normalize_region(raw)
    known = _known_regions(sim)
    if name not in known:
        raise _invalid(f"region: '{raw}' is not a region of this estate ({', '.join(known)})")
    return name


def _outage(sim: Sim, region: str) -> dict[str, Any]:
    since = sim.outage_started(region)
    return {"region": region, "down": sim.region_down(region), "since": iso(since) if since is not None else None}


def _list_outages(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, {"value": [_outage(sim, region) for region in sim.outages]})


def _get_outage(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return SimResponse(200, _outage(sim, _region(sim, p["region"])))


def _put_outage(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    region = _region(sim, p["region"])
    sim.set_outage(region, True)
    return SimResponse(200, _outage(sim, region))


def _delete_outage(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    region = _region(sim, p["region"])
    sim.set_outage(region, False)
    return SimResponse(200, _outage(sim, region))


# -- health endpoints: stamps and shared dependencies ----------------------------------------------
def _endpoint(sim: Sim, kind: str, name: str) -> tuple[str, dict[str, Any]] | None:
    """(endpoint key `host/path`, its entry) of the stamp or dependency called `name`."""
    for key, entry in health_state(sim)["endpoints"].items():
        if entry.get("kind") == kind and entry.get("name", "").lower() == name.lower():
            return key, entry
    return None


def _names(sim: Sim, kind: str) -> list[str]:
    return [e["name"] for e in health_state(sim)["endpoints"].values() if e.get("kind") == kind]


def _fault_view(sim: Sim, key: str) -> dict[str, Any]:
    fault = health_state(sim)["faults"].get(key, {})
    view: dict[str, Any] = {"mode": fault.get("mode", "ok")}
    for extra in ("latency", "check"):
        if extra in fault:
            view[extra] = fault[extra]
    return view


def _mode_request(req: SimRequest) -> tuple[str, float | None, str | None]:
    body = req.json()
    if not isinstance(body, dict):
        raise _invalid("body: must be a JSON object with a 'mode'")
    raw = body.get("mode")
    mode = ALIASES.get(raw, raw) if isinstance(raw, str) else None
    if mode not in MODES:
        raise _invalid(f"mode: must be one of {', '.join([*MODES, *ALIASES])}, got {raw!r}")
    latency = body.get("latency")
    if latency is not None:
        valid = isinstance(latency, int | float) and not isinstance(latency, bool) and math.isfinite(latency)
        if mode != "slow" or not valid or not 0 < latency <= MAX_LATENCY:
            raise _invalid(f"latency: only with 'slow', greater than 0 and at most {MAX_LATENCY:g} seconds")
    check = body.get("check")
    if check is not None and not isinstance(check, str):
        raise _invalid("check: must be a string")
    return mode, latency, check


def _stamp(sim: Sim, name: str) -> tuple[str, dict[str, Any]]:
    found = _endpoint(sim, "stamp", name)
    if found is None:
        raise _invalid(f"stamp: unknown stamp '{name}' (stamps: {', '.join(_names(sim, 'stamp'))})")
    return found


def _stamp_view(sim: Sim, key: str, entry: dict[str, Any]) -> dict[str, Any]:
    return {"stamp": entry["name"], "region": entry.get("region"), **_fault_view(sim, key)}


def _get_stamp(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    key, entry = _stamp(sim, p["stamp"])
    return SimResponse(200, _stamp_view(sim, key, entry))


def _put_stamp(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    key, entry = _stamp(sim, p["stamp"])
    mode, latency, check = _mode_request(req)
    set_fault(sim, f"https://{key}", mode, target=f"stamp {entry['name']}", latency=latency, check=check)
    return SimResponse(200, _stamp_view(sim, key, entry))


def _played(sim: Sim) -> dict[str, Any]:
    """The last mode set on each dependency a provider plays (providers keep no such view)."""
    return sim.store.data.get("admin", {}).get("dependencies", {})


def _remember_played(sim: Sim, name: str, mode: str) -> None:
    sim.store.data.setdefault("admin", {}).setdefault("dependencies", {})[name] = mode
    sim.store.dirty = True


def _get_dependency(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    name = p["name"]
    found = _endpoint(sim, "dependency", name)
    if found is not None:
        return SimResponse(200, {"name": found[1]["name"], **_fault_view(sim, found[0])})
    if sim.dependency_provider(name) is None:
        raise _unknown_dependency(sim, name)
    return SimResponse(200, {"name": name, "mode": _played(sim).get(name, "ok")})


def _put_dependency(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    name = p["name"]
    mode, latency, _ = _mode_request(req)
    found = _endpoint(sim, "dependency", name)
    if found is not None:
        key, entry = found
        set_fault(sim, f"https://{key}", mode, target=f"dependency {entry['name']}", latency=latency, check="Service")
        return SimResponse(200, {"name": entry["name"], **_fault_view(sim, key)})
    provider = sim.dependency_provider(name)
    if provider is None:
        raise _unknown_dependency(sim, name)
    if latency is not None:
        raise _invalid(f"latency: only for a dependency with a health endpoint, and '{name}' has none")
    try:
        done = provider.set_dependency(sim, name, mode)
    except ValueError as exc:
        raise _invalid(str(exc)) from None
    _remember_played(sim, name, mode)
    return SimResponse(200, {"name": name, "mode": mode, "detail": done})


def _unknown_dependency(sim: Sim, name: str) -> ArmError:
    known = _names(sim, "dependency") + sim.played_dependencies()
    return _invalid(f"name: unknown shared dependency '{name}' ({', '.join(known) or 'none'})")
