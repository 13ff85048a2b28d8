"""How each kind of plan step is applied and read back, through the adapters.

`read` returns the live values of the keys a step changes, so the executor can skip a step that is
already done (idempotence, resume), check a plan is still current once the lease is held, and verify
a step after it ran. New kinds register here (plugins later through the same table).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.lro import WaitOptions
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.plan import Step


@dataclass(frozen=True)
class StepKind:
    apply: Callable[[AzureSession, Estate, Step, WaitOptions], None]
    read: Callable[[AzureSession, Estate, Step], dict[str, Any]]
    # False when the before/after swap is not a safe undo (a Redis unlink: the way back discards
    # data); `rollback` then refuses before journaling anything and `undo_hint` says what to run.
    reversible: bool = True
    undo_hint: Callable[[Step], str] | None = None
    # Whether an Azure operation on the step's resource is still running (a provisioning state that
    # is not terminal). Lets rollback/resume wait for a change that a killed or --no-wait run left in
    # flight, and lets the safety rules count it as done until it settles. None: cannot be told.
    pending: Callable[[AzureSession, Estate, Step], bool] | None = None


TERMINAL_PROVISIONING_STATES = ("succeeded", "failed", "canceled", "cancelled")


def still_provisioning(state: str | None) -> bool:
    """A provisioning state that says an operation is running (Updating, InProgress, Creating, ...)."""
    return state is not None and state.strip().lower() not in TERMINAL_PROVISIONING_STATES


STEP_KINDS: dict[str, StepKind] = {}

# Modules that register more step kinds when imported. Imported on first lookup, so `resume` and
# `rollback` in a fresh process know every kind a journaled plan can contain.
STEP_KIND_MODULES = ("mcctl.ops.sqlfailover", "mcctl.ops.frontdoor", "mcctl.ops.redisgeo")


def step_kind(name: str, kind: StepKind) -> None:
    STEP_KINDS[name] = kind


# Gates of gradual plans, by the name a plan carries: build the `between_groups` callback.
# (session, estate, the whole plan, the snapshot before it, a note sink) -> callback(group done)
GateFactory = Callable[..., Callable[[int], None]]
GATES: dict[str, GateFactory] = {}


def gate_kind(name: str, factory: GateFactory) -> None:
    GATES[name] = factory


def gate_for(name: str) -> GateFactory:
    if name not in GATES:
        load_step_kinds()
    try:
        return GATES[name]
    except KeyError:
        raise ValueError(f"no gate named '{name}'") from None


def load_step_kinds() -> None:
    """Import every job module, so their step kinds and safety rules are registered."""
    import importlib

    for module in STEP_KIND_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def executor(step: Step) -> StepKind:
    if step.kind not in STEP_KINDS:
        load_step_kinds()
    try:
        return STEP_KINDS[step.kind]
    except KeyError:
        raise ValueError(f"no executor for step kind '{step.kind}'") from None


def _stamp(estate: Estate, step: Step) -> Stamp:
    stamp = estate.stamp(step.params["stamp"])
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


step_kind("scale_plan", StepKind(_scale_apply, _scale_read, pending=_scale_pending))


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


step_kind("set_origin", StepKind(_origin_apply, _origin_read, pending=_origin_pending))
