"""The built-in plugin for the step kinds of a blue-green release: a Front Door origin created or
deleted whole (`create_origin`, `delete_origin`) and a stamp's lifecycle tag (`set_lifecycle`).

All three are ordinary CHANGE steps: read back, skipped when already done, undone by swapping
before and after — undoing a delete creates the origin again from the settings the step recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import TAG_LIFECYCLE
from mcctl.domain.lifecycle import SET_LIFECYCLE
from mcctl.domain.originspec import OriginSpec
from mcctl.domain.outside import still_provisioning
from mcctl.domain.release import (
    CREATE_ORIGIN,
    DELETE_ORIGIN,
    VALIDATED_RULE,
    project_lifecycle,
    project_presence,
)
from mcctl.hookspecs import hookimpl
from mcctl.ops.registry import StepKind

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.adapters.lro import WaitOptions
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.plan import Step
    from mcctl.domain.safety import SafetyRule


def _stamp(estate: Estate, step: Step) -> Stamp:
    name = step.params["stamp"]
    stamp = estate.stamp(name) or estate.retired_stamp(name)
    if stamp is None:
        from mcctl.errors import UsageError

        raise UsageError(f"stamp '{name}' is neither in the estate file nor tagged on ARM any more")
    return stamp


# -- an origin created or deleted whole ------------------------------------------------------------
def _presence_apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters import frontdoor_origins

    origin = step.params["origin"]
    if step.after.get("exists"):
        spec = OriginSpec.from_params(step.params["spec"])
        wanted = spec.at(enabled=bool(step.after.get("enabled")), weight=int(step.after.get("weight") or spec.weight))
        frontdoor_origins.create_origin(session, estate.frontdoor, origin, wanted, options)
    else:
        frontdoor_origins.delete_origin(session, estate.frontdoor, origin, options)


def _presence_read(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    """`{"exists": False}`, or `{"exists": True, "enabled": ..., "weight": ...}`: the two shapes a
    create's before and after (and a delete's after and before) have. For a create, an origin still
    being created, or whose creation failed (`Failed`: Front Door never deploys it), is not done: it
    reads its `provisioning` state too, so the step is neither skipped nor verified, a rollback waits
    for a running create before deleting, and a resume creates a failed one again (a PUT replaces
    it); for a delete it is an origin like any other, to be deleted."""
    from mcctl.adapters import frontdoor_origins

    found = frontdoor_origins.read_origin(session, estate.frontdoor, step.params["origin"])
    if found is None:
        return {"exists": False}
    spec, state = found
    live: dict[str, Any] = {"exists": True, "enabled": spec.enabled, "weight": spec.weight}
    if step.after.get("exists") and (state or "succeeded").lower() != "succeeded":
        live["provisioning"] = state  # still Creating (a killed run's create), or Failed
    return live


def _presence_pending(session: AzureSession, estate: Estate, step: Step) -> bool:
    from mcctl.adapters import frontdoor
    from mcctl.errors import ResourceMissingError

    try:
        origin = frontdoor.get_origin(session, estate.frontdoor, step.params["origin"])
    except ResourceMissingError:
        return False
    return still_provisioning(origin.provisioning_state)


CREATE_ORIGIN_KIND = StepKind(
    CREATE_ORIGIN, _presence_apply, _presence_read, project=project_presence, pending=_presence_pending
)
DELETE_ORIGIN_KIND = StepKind(
    DELETE_ORIGIN, _presence_apply, _presence_read, project=project_presence, pending=_presence_pending
)


# -- a stamp's lifecycle tag -----------------------------------------------------------------------
def _lifecycle_apply(session: AzureSession, estate: Estate, step: Step, options: WaitOptions) -> None:
    from mcctl.adapters import tags

    tags.merge_tags(session, _stamp(estate, step).app_ref.id, {TAG_LIFECYCLE: str(step.after["lifecycle"])})


def _lifecycle_read(session: AzureSession, estate: Estate, step: Step) -> dict[str, Any]:
    """The tag; without one, what the estate file says (the tag is only written once mcctl moves it)."""
    from mcctl.adapters import tags

    stamp = _stamp(estate, step)
    tagged = tags.read_tags(session, stamp.app_ref.id).get(TAG_LIFECYCLE)
    return {"lifecycle": tagged or stamp.lifecycle.value}


SET_LIFECYCLE_KIND = StepKind(
    SET_LIFECYCLE, _lifecycle_apply, _lifecycle_read, project=project_lifecycle, undo_last=True
)


@hookimpl
def register_safety_rules(register: Callable[[SafetyRule], None]) -> None:
    register(VALIDATED_RULE)


@hookimpl
def register_step_kinds(register: Callable[[StepKind], None]) -> None:
    register(CREATE_ORIGIN_KIND)
    register(DELETE_ORIGIN_KIND)
    register(SET_LIFECYCLE_KIND)
