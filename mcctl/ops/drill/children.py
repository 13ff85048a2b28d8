"""A drill's changing steps, each made as a child operation: planned now, from the estate as it is
when the step starts, by the same planner as the command of that name (`mcctl evacuate`, `scale`,
`frontdoor drain`, ...), then run through the use cases — every safety rule, the journal, verify —
journaled with `drill: {operation, step}` in its header so a resume finds it and a rollback undoes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcctl.domain.drill.spec import DrillStepKind
from mcctl.domain.statuses import OperationStatus
from mcctl.errors import McctlError

if TYPE_CHECKING:
    from mcctl.domain.plan import Plan
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.journal import OperationRecord
    from mcctl.ops.services import Services


@dataclass(frozen=True)
class ChildPlan:
    plan: Plan
    before: EstateSnapshot
    touches: tuple[str, ...] = ()


def plan_child(services: Services, job: DrillStepKind, params: Mapping[str, Any], allow_data_loss: bool) -> ChildPlan:
    """The child operation's plan, made now by the job's own planner (`job`: a mutating kind)."""
    planners: dict[DrillStepKind, Callable[[Services, Mapping[str, Any], bool], ChildPlan]] = {
        DrillStepKind.EVACUATE: _evacuate,
        DrillStepKind.REINSTATE: _reinstate,
        DrillStepKind.SCALE: _scale,
        DrillStepKind.SQL_FAILOVER: _sql_failover,
    }
    if job in (DrillStepKind.DRAIN, DrillStepKind.RESTORE):
        return _shift(services, {**params, "verb": job.value}, allow_data_loss)
    return planners[job](services, params, allow_data_loss)


def _steps(params: Mapping[str, Any]) -> tuple[int, ...]:
    from mcctl.domain.evacuation import DEFAULT_STEPS

    steps = params.get("steps")
    return tuple(int(p) for p in steps) if steps else DEFAULT_STEPS


def _interval(params: Mapping[str, Any], default: float = 60.0) -> float:
    value = params.get("interval")
    return float(value) if value is not None else default


def _evacuate(services: Services, params: Mapping[str, Any], allow_data_loss: bool) -> ChildPlan:
    from mcctl.domain.evacuation import EvacuateRequest, plan_evacuation
    from mcctl.ops.evacuation import observe_evacuation

    sql = str(params.get("sql") or "auto")
    request = EvacuateRequest(
        str(params["region"]),
        _steps(params),
        _interval(params),
        to=params.get("to"),
        # auto: planned while the primary answers, forced (data loss) only when the drill allows it
        allow_data_loss=allow_data_loss and sql in ("auto", "forced"),
        unlink_redis=bool(params.get("unlink_redis")),
    )
    region = request.validate(services.estate)
    read = observe_evacuation(services.session, services.estate, services.journal.operations(), request)
    plan = plan_evacuation(services.estate, read.observed, request)
    if sql == "skip":
        plan = _without(plan, "sql_failover")
    return ChildPlan(plan, read.inventory.snapshot(), _origins(services, region))


def _reinstate(services: Services, params: Mapping[str, Any], allow_data_loss: bool) -> ChildPlan:
    from mcctl.domain.evacuation_reinstate import ReinstateRequest, plan_reinstatement
    from mcctl.ops.evacuation import observe_reinstatement

    request = ReinstateRequest(str(params["region"]), _steps(params), _interval(params), params.get("sql") == "planned")
    region = request.validate(services.estate)
    read = observe_reinstatement(services.session, services.estate, services.journal.operations(), request)
    plan = plan_reinstatement(services.estate, read.observed, request)
    return ChildPlan(plan, read.inventory.snapshot(), _origins(services, region))


def _scale(services: Services, params: Mapping[str, Any], allow_data_loss: bool) -> ChildPlan:
    from mcctl.domain.scale import ScaleRequest, plan_scale
    from mcctl.ops.scale import observe_scale

    capacity = params.get("capacity", params.get("instances"))
    request = ScaleRequest(
        params.get("stamp"),
        params.get("region"),
        int(capacity) if capacity is not None else None,
        int(params["by"]) if params.get("by") is not None else None,
        params.get("to_carry"),
        params.get("factor"),
        params.get("split"),
    )
    request.validate(services.estate)
    operations = services.journal.operations() if request.to_carry is not None else ()
    observed = observe_scale(services.session, services.estate, operations)
    return ChildPlan(plan_scale(services.estate, observed, request), observed.inventory.snapshot())


def _shift(services: Services, params: Mapping[str, Any], allow_data_loss: bool) -> ChildPlan:
    from mcctl.domain.frontdoor import ShiftRequest, Target, plan_drain, plan_restore
    from mcctl.ops.frontdoor import observe
    from mcctl.ops.inventory import read_inventory

    target = Target(params.get("region"), params.get("stamp"))
    target.validate(services.estate)
    inventory = read_inventory(services.session, services.estate)
    planner = plan_drain if params["verb"] == DrillStepKind.DRAIN else plan_restore
    steps = tuple(int(p) for p in params.get("steps") or ())
    plan = planner(
        services.estate,
        observe(inventory, services.journal.operations()),
        ShiftRequest(target, steps, _interval(params)),
    )
    origins = tuple(services.estate.frontdoor.origin_id(s.origin) for s in target.stamps(services.estate))
    return ChildPlan(plan, inventory.snapshot(), origins)


def _sql_failover(services: Services, params: Mapping[str, Any], allow_data_loss: bool) -> ChildPlan:
    from mcctl.domain.sqlfailover import FailoverRequest, plan_failover
    from mcctl.ops.sqlfailover import read_preflight

    mode = str(params.get("mode") or "planned")
    request = FailoverRequest(params.get("to"), mode, allow_data_loss and mode != "planned")
    request.validate(services.estate)
    preflight = read_preflight(services.session, services.estate)
    return ChildPlan(plan_failover(services.estate, preflight, request), preflight.inventory.snapshot())


def _origins(services: Services, region: str) -> tuple[str, ...]:
    estate = services.estate
    return tuple(estate.frontdoor.origin_id(s.origin) for s in estate.stamps_in(region))


def _without(plan: Plan, kind: str) -> Plan:
    from dataclasses import replace

    steps = tuple(step for step in plan.steps if step.kind != kind)
    note = "SQL: left where it is (the drill step says sql: skip)"
    return replace(plan, steps=steps, notes=(*plan.notes, note) if len(steps) != len(plan.steps) else plan.notes)


# -- afterwards: at the edge, as `mcctl evacuate` / `frontdoor drain --verify` check it ---------------
VERIFY_COUNT = 10  # consecutive answers from elsewhere that prove a drain reached the edge
VERIFY_TIMEOUT = 600.0
EDGE_JOBS = (DrillStepKind.EVACUATE, DrillStepKind.DRAIN, DrillStepKind.REINSTATE, DrillStepKind.RESTORE)


def verify_at_edge(
    services: Services, job: DrillStepKind, params: Mapping[str, Any], operation: str | None, progress: Any
) -> str | None:
    """Probe the Front Door endpoint until the change shows there (Front Door takes minutes to apply
    a change everywhere): a region drained or evacuated gets no more answers, one restored or
    reinstated answers. Journaled on the child operation; WaitTimeout when it does not show.
    Returns what was verified (None: nothing to verify)."""
    from mcctl.errors import WaitTimeout
    from mcctl.ops.evacuation import routed_stamps
    from mcctl.ops.frontdoor import verify_traffic

    if job not in EDGE_JOBS or params.get("verify") is False:
        return None
    estate = services.estate
    away = job in (DrillStepKind.EVACUATE, DrillStepKind.DRAIN)
    if params.get("stamp"):
        stamps = [str(params["stamp"])]
    elif away:
        stamps = [s.name for s in estate.stamps_in(str(params["region"]))]
    else:
        stamps = routed_stamps(services.session, estate, str(params["region"]))
    if not stamps:
        return None  # e.g. restored at a lower priority: a standby answers nothing
    result = verify_traffic(
        services.session,
        estate,
        stamps,
        mode="away" if away else "back",
        count=VERIFY_COUNT,
        timeout=VERIFY_TIMEOUT,
        on_probe=lambda verification: progress(f"verifying at the edge: {len(verification.probes)} probes"),
    )
    if operation is not None:
        event = "edge-verified" if result.passed else "edge-not-verified"
        services.journal.append({"type": "event", "op": operation, "event": event, "detail": result.describe()})
    if not result.passed:
        raise WaitTimeout(f"not seen at the edge: {result.describe()}")
    return result.describe()


# -- the children in the journal ---------------------------------------------------------------------
DRILL_FIELD = "drill"  # in a child's journal header: {"operation": drill id, "step": index}


def children(services: Services, drill: str, index: int) -> list[OperationRecord]:
    """Step `index`'s child operations of the drill (oldest first; refused ones left out)."""
    found = []
    for record in services.journal.operations():
        tag = record.header.get(DRILL_FIELD)
        if isinstance(tag, dict) and tag.get("operation") == drill and tag.get("step") == index:
            if record.status is not OperationStatus.REFUSED:
                found.append(record)
    return found


def header(drill: str, index: int, role: str = "step") -> dict[str, Any]:
    return {DRILL_FIELD: {"operation": drill, "step": index, "role": role}}


def check_applied(result_status: OperationStatus | None, operation: str | None, what: str) -> None:
    """A child that did not end succeeded stops its drill step (the engine journals which)."""
    if result_status is None or result_status is OperationStatus.SUCCEEDED:
        return
    raise McctlError(f"{what}: operation {operation} ended {result_status.value}")
