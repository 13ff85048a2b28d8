"""The built-in plugin for the step kinds of scaling and of Front Door origins, the rule that
survivors can carry a region they are scaled to carry, and the lookups every executor uses
(`executor`: from the registry a caller holds, else the process's).

A step kind is one `StepKind` object (mcctl.ops.registry), registered by the `register_step_kinds`
hook of the module that defines it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mcctl.domain.capacity import CARRY_RULE
from mcctl.domain.outside import still_provisioning
from mcctl.domain.projections import project_origin, project_scale
from mcctl.hookspecs import hookimpl
from mcctl.ops.registry import Registry, StepKind, current_registry

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.lro import WaitOptions
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.plan import Step
    from mcctl.domain.safety import SafetyRule


def executor(step: Step, registry: Registry | None = None) -> StepKind:
    """The kind of `step`, from `registry` (default: the process's)."""
    return (registry or current_registry()).executor(step)


def _stamp(estate: Estate, step: Step) -> Stamp:
    # a retired stamp too: rolling back its retirement scales its plan back up
    stamp = estate.stamp(step.params["stamp"]) or estate.retired_stamp(step.params["stamp"])
    if stamp is None:
        from mcctl.errors import UsageError

        raise UsageError(f"stamp '{step.params['stamp']}' is no longer in the estate file")
    return stamp


# -- scale_plan: App Service plan capacity ---------------------------------------------------------
def _scale_apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters import web

    web.set_plan_capacity(session, _stamp(estate, step), int(step.after["capacity"]), options)


def _scale_read(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    from mcctl.adapters import web

    return {"capacity": web.get_plan(session, _stamp(estate, step)).capacity}


def _scale_pending(session: AzureSession, estate: Estate, step: Step) -> bool:
    from mcctl.adapters import web

    return still_provisioning(web.get_plan(session, _stamp(estate, step)).provisioning_state)


SCALE_PLAN = StepKind("scale_plan", _scale_apply, _scale_read, project=project_scale, pending=_scale_pending)


# -- set_origin: Front Door origin enabled / weight / priority -------------------------------------
def _origin_apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters import frontdoor

    frontdoor.update_origin(
        session,
        estate.frontdoor,
        step.params["origin"],
        enabled=step.after.get("enabled"),
        weight=step.after.get("weight"),
        priority=step.after.get("priority"),
        options=options,
    )


def _origin_read(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    from mcctl.adapters import frontdoor

    origin = frontdoor.get_origin(session, estate.frontdoor, step.params["origin"])
    values = {"enabled": origin.enabled, "weight": origin.effective_weight, "priority": origin.effective_priority}
    return {k: values[k] for k in step.after}


def _origin_pending(session: AzureSession, estate: Estate, step: Step) -> bool:
    from mcctl.adapters import frontdoor

    return still_provisioning(frontdoor.get_origin(session, estate.frontdoor, step.params["origin"]).provisioning_state)


SET_ORIGIN = StepKind("set_origin", _origin_apply, _origin_read, project=project_origin, pending=_origin_pending)


@hookimpl
def register_step_kinds(register: Callable[[StepKind], None]) -> None:
    register(SCALE_PLAN)
    register(SET_ORIGIN)


@hookimpl
def register_safety_rules(register: Callable[[SafetyRule], None]) -> None:
    from mcctl.domain.safety import BUILTIN_RULES

    for rule in BUILTIN_RULES:  # the core rules: registered like any plugin's, so `plugins list` shows them
        register(rule)
    register(CARRY_RULE)  # scale --to-carry and evacuate size with mcctl.domain.capacity
