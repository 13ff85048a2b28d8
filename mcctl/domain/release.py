"""Bringing a stamp into a blue-green release and taking one out (pure): `stamps add` plans the
creation of its Front Door origin, `stamps retire` the deletion of it, the plan scaled to its
minimum and the stamp marked retired. (The traffic between the two moves in `mcctl shift`.)

Both refuse what would be unsafe or ambiguous before anything is planned: an origin that exists
with other settings than the stamp's (someone else's, or a typo in a pipeline), a stamp that still
serves, the last serving stamp of a region.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mcctl.domain.estate import Lifecycle
from mcctl.domain.lifecycle import lifecycle_step
from mcctl.domain.plan import Plan, PlanKind, Step
from mcctl.domain.safety import RuleContext, SafetyRule, Verdict
from mcctl.errors import SafetyRefusal, UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, Stamp
    from mcctl.domain.originspec import OriginSpec
    from mcctl.domain.snapshot import EstateSnapshot

ADD = PlanKind.STAMP_ADD
RETIRE = PlanKind.STAMP_RETIRE
CREATE_ORIGIN = "create_origin"
DELETE_ORIGIN = "delete_origin"
ORIGIN_CREATE_SECONDS = 45.0  # Front Door accepts a new origin in under a minute (plan estimate)
ORIGIN_DELETE_SECONDS = 30.0
PLAN_SCALE_SECONDS = 60.0
MIN_PLAN_CAPACITY = 1  # App Service keeps at least one instance of a plan that exists


@dataclass(frozen=True)
class ReleaseObserved:
    """What `stamps add` and `stamps retire` are planned from: the stamp's origin as it exists (None:
    no origin), the origin the stamp should have (`wanted`, for add), its plan's instances, and the
    other stamps of its region whose origins are enabled."""

    stamp: Stamp
    existing: OriginSpec | None
    wanted: OriginSpec | None = None
    capacity: int | None = None
    others_serving: tuple[str, ...] = ()
    existing_state: str | None = None  # the origin's provisioning state (`Failed`: its create failed)


def _origin_step(estate: Estate, stamp: Stamp, kind: str, before: dict, after: dict, spec: OriginSpec) -> Step:
    return Step(
        kind=kind,
        target=f"stamp {stamp.name} origin {stamp.origin}",
        resource_id=estate.frontdoor.origin_id(stamp.origin),
        before=before,
        after=after,
        params={"stamp": stamp.name, "origin": stamp.origin, "spec": spec.to_params()},
        expected_seconds=ORIGIN_CREATE_SECONDS if kind == CREATE_ORIGIN else ORIGIN_DELETE_SECONDS,
        group=0,
    )


def plan_add(
    estate: Estate, observed: ReleaseObserved, weight: int | None = None, validation: Mapping[str, Any] | None = None
) -> Plan:
    """Create the stamp's origin in the origin group: disabled (weight 1, so nothing can send it
    more than a trickle if someone enables it by hand), or enabled at `weight` (1..1000).
    `validation`: what `stamps validate` found (`verdict`, `failed`: the failed checks' lines), kept
    in the step for the rule `stamp-validated` (journaled with the plan: a resume is judged by it)."""
    stamp, wanted = observed.stamp, observed.wanted
    if wanted is None:
        raise UsageError(f"STAMP: the web app of {stamp.name} has no host name to send traffic to")
    if weight is not None and not 1 <= weight <= 1000:
        raise UsageError(f"--weight: Front Door weights are 1 to 1000, got {weight}")
    existing = observed.existing
    if existing is not None and (observed.existing_state or "").lower() == "failed":
        raise SafetyRefusal(
            f"origin {stamp.origin} exists but its creation failed (provisioning state Failed): Front Door does "
            "not route to it; nothing was changed",
            hint="`mcctl resume OP` of the `stamps add` that made it creates it again (`mcctl journal list`), "
            "`mcctl rollback OP` deletes it",
        )
    if existing is not None:
        differences = wanted.differences(existing)
        if differences:
            raise SafetyRefusal(
                f"origin {stamp.origin} already exists in origin group {estate.frontdoor.origin_group} with other "
                f"settings than stamp {stamp.name}'s ({'; '.join(differences)}); nothing was changed",
                hint="delete or rename that origin, or fix the stamp's web app, then run `stamps add` again",
            )
        summary = f"add stamp {stamp.name}: origin {stamp.origin} already exists as wanted"
        kept: tuple[str, ...] = ()
        if weight is not None and (existing.enabled, existing.weight) != (True, weight):
            state = f"enabled at weight {existing.weight}" if existing.enabled else "disabled"
            kept = (f"--weight {weight} not applied: the origin exists ({state}); `mcctl shift` moves its traffic",)
        return Plan(kind=ADD, summary=summary, steps=(), notes=kept)
    enabled = weight is not None
    spec = wanted.at(enabled=enabled, weight=weight or 1)
    after = {"exists": True, "enabled": enabled, "weight": spec.weight}
    step = _origin_step(estate, stamp, CREATE_ORIGIN, {"exists": False}, after, spec)
    if validation is not None:
        step = replace(step, params={**step.params, "validation": dict(validation)})
    how = f"enabled at weight {weight}" if enabled else "disabled"
    notes = [
        f"{stamp.origin} → {wanted.host_name} (priority {wanted.priority}), {how}: "
        + ("it gets a trickle of traffic once the edge has the change" if enabled else "no traffic until a shift"),
        f"next: mcctl shift --from <stamps of {stamp.region}> --to {stamp.name} --steps 10,50,100",
    ]
    return Plan(
        kind=ADD,
        summary=f"add stamp {stamp.name}: create origin {stamp.origin} ({how})",
        steps=(step,),
        notes=tuple(notes),
    )


def plan_retire(estate: Estate, observed: ReleaseObserved) -> Plan:
    """Mark the stamp retired, delete its (disabled) origin, scale its plan to the minimum."""
    stamp, existing = observed.stamp, observed.existing
    if existing is not None and existing.enabled:
        raise SafetyRefusal(
            f"stamp {stamp.name} still serves: its origin {stamp.origin} is enabled; nothing was changed",
            hint=f"move its traffic first: mcctl shift --from {stamp.name} --to <stamps> (or frontdoor drain --stamp)",
        )
    if not observed.others_serving:
        raise SafetyRefusal(
            f"stamp {stamp.name} is the last of region {stamp.region}: no other stamp there has an enabled origin; "
            "nothing was changed",
            hint="add and shift traffic to a new stamp of the region first (stamps add, shift)",
        )
    # Marked retired first: from then on nothing reads, judges or counts it (a run killed after the
    # delete must not leave a stamp whose missing origin stops every later plan), then its origin
    # goes, then its plan shrinks. A rollback does the reverse, the tag last.
    steps: list[Step] = []
    if stamp.lifecycle is not Lifecycle.RETIRED:
        steps.append(lifecycle_step(stamp, stamp.lifecycle, Lifecycle.RETIRED, group=0))
    if existing is not None:
        before = {"exists": True, "enabled": existing.enabled, "weight": existing.weight}
        steps.append(replace(_origin_step(estate, stamp, DELETE_ORIGIN, before, {"exists": False}, existing), group=1))
    if observed.capacity is not None and observed.capacity > MIN_PLAN_CAPACITY:
        steps.append(
            Step(
                kind="scale_plan",
                target=f"stamp {stamp.name} plan {stamp.app_service_plan} (to its minimum)",
                resource_id=stamp.plan_ref.id,
                before={"capacity": observed.capacity},
                after={"capacity": MIN_PLAN_CAPACITY},
                params={"stamp": stamp.name},
                expected_seconds=PLAN_SCALE_SECONDS,
                group=2,
            )
        )
    notes = [
        f"{', '.join(observed.others_serving)} keep serving {stamp.region}",
        "the web app and its plan stay (scaled to the minimum) for a rollback; delete them when the release is done",
    ]
    return Plan(kind=RETIRE, summary=f"retire stamp {stamp.name}", steps=tuple(steps), notes=tuple(notes))


# -- how the kinds move a snapshot -----------------------------------------------------------------
def project_presence(step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
    """A created origin serves only if created enabled; a deleted one serves nothing."""
    name = step.params["stamp"]
    if not any(s.name == name for s in snapshot.stamps):
        return snapshot  # a retired stamp whose web app is gone: nothing the rules count
    enabled = bool(step.after.get("exists")) and bool(step.after.get("enabled"))
    return snapshot.with_stamp(name, origin_enabled=enabled, origin_settled=True)


def project_lifecycle(step: Step, snapshot: EstateSnapshot) -> EstateSnapshot:
    return snapshot  # a label: nothing the safety rules count


# -- the rule: a candidate gets an origin only once it validated -----------------------------------
VALIDATED = "stamp-validated"


def stamp_validated(ctx: RuleContext) -> Verdict | None:
    """A `stamps add` plan creates an origin only for a stamp that passed `stamps validate` when the
    plan was made (overridable: `--override stamp-validated --reason TEXT`)."""
    checked = [s for s in ctx.plan.steps if s.kind == CREATE_ORIGIN and isinstance(s.params.get("validation"), dict)]
    if ctx.plan.kind != ADD or not checked:
        return None
    verdicts = {s.params["stamp"]: s.params["validation"] for s in checked}
    bad = {stamp: list(v.get("failed") or []) for stamp, v in verdicts.items() if v.get("verdict") != "passed"}
    numbers: dict[str, Any] = {"failed": bad}
    if bad:
        detail = "; ".join(f"{stamp}: {', '.join(lines) or 'failed'}" for stamp, lines in bad.items())
        return False, f"did not validate ({detail}); `mcctl stamps validate STAMP` shows every check", numbers
    return True, f"{', '.join(verdicts)} validated (every check of `stamps validate` passed)", numbers


VALIDATED_RULE = SafetyRule(VALIDATED, "a stamp gets its Front Door origin only once it validates", stamp_validated)
