"""A drill's `fault` step: the failure a practice drill rehearses, injected into the simulator.

It is an ordinary change (read, apply, read back, undone by its inverse), made through the
simulator's own management routes (`/providers/Mcctl.Simulator/...`) over the session, so it works
in process and against `mcctl sim serve` alike. Against Azure the plan is refused before it starts
(`mcctl.domain.drill.spec.estate_problems`).

Params (as the plan file parser normalises them): {fault: outage|end_outage, region: R} — a region
down or back; {fault: stamp, stamp: S, mode: ok|slow|degraded|fail|down} — a stamp's health
endpoint; {fault: dependency, dependency: D, mode: ...} — a shared dependency.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from mcctl.ops.registry import StepKind

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.lro import WaitOptions
    from mcctl.domain.estate import Estate
    from mcctl.domain.plan import Step

ROOT = "/providers/Mcctl.Simulator"
HEALTHY = "ok"


def fault_values(spec: Mapping[str, Any]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(resource, before, after) of a fault step: what it changes, from what, to what."""
    fault = spec.get("fault")
    if fault == "outage":
        return f"{ROOT}/outages/{spec['region']}", {"down": False}, {"down": True}
    if fault == "end_outage":
        return f"{ROOT}/outages/{spec['region']}", {"down": True}, {"down": False}
    if fault == "stamp":
        return f"{ROOT}/stamps/{spec['stamp']}", {"mode": HEALTHY}, {"mode": str(spec.get("mode") or "down")}
    if fault == "dependency":
        return f"{ROOT}/dependencies/{spec['dependency']}", {"mode": HEALTHY}, {"mode": str(spec.get("mode") or "down")}
    raise ValueError(f"a fault is an outage, end_outage, stamp or dependency fault: {dict(spec)}")


def read_fault(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    from mcctl.adapters.probes import sim_admin

    state = sim_admin(session, "GET", step.resource_id)
    return {key: state.get(key) for key in step.after}


def _apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters.probes import sim_admin

    if "down" in step.after:
        sim_admin(session, "PUT" if step.after["down"] else "DELETE", step.resource_id)
    else:
        sim_admin(session, "PUT", step.resource_id, {"mode": step.after["mode"]})


FAULT_KIND = StepKind("drill.fault", _apply, read_fault)
