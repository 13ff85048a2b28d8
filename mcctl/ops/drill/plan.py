"""A drill plan file as an engine Plan: one step of a registered `drill.*` kind per plan-file step,
the `parallel:` blocks as step groups, the drill's spec journaled with it so resume and the report
read the same plan back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.domain.drill.spec import (
    DrillPlanError,
    DrillSpec,
    DrillStepKind,
    DrillStepSpec,
    duration_text,
    estate_problems,
)
from mcctl.domain.plan import Plan, PlanKind, Step
from mcctl.ops.drill.faults import fault_values
from mcctl.ops.drill.kinds import kind_name

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate

DRILL_KIND = PlanKind.DRILL.value
SPEC_FIELD = "drill_spec"  # the DrillSpec in the drill operation's journal header
FILE_FIELD = "drill_file"


def drill_plan(spec: DrillSpec, estate: Estate, simulated: bool, label: str = "drill plan") -> Plan:
    """The engine plan of a drill; refuses (exit 2) what the estate cannot run, naming the field."""
    regions = {region for stamp in estate.stamps for region in (stamp.region,)}
    stamps = {stamp.name for stamp in estate.stamps}
    problems = estate_problems(spec, regions, stamps, simulated)
    if problems:
        raise DrillPlanError(label, problems)
    steps = tuple(_step(index, item) for index, item in enumerate(spec.steps))
    data_loss = _may_lose_data(spec)
    notes = [f"drill {spec.name}: {len(steps)} steps" + (f" — {spec.description}" if spec.description else "")]
    if data_loss:
        notes.append("a step may fail SQL over forced: writes not yet replicated are lost (--allow-data-loss)")
    return Plan(
        kind=DRILL_KIND,
        summary=f"drill {spec.name}",
        steps=steps,
        data_loss=data_loss,
        confirm_name=spec.name if data_loss else None,
        notes=tuple(notes),
    )


def _step(index: int, item: DrillStepSpec) -> Step:
    params: dict[str, Any] = {
        "index": index,
        "spec": dict(item.params),
        "timeout": item.timeout,
        "on_failure": item.on_failure.value,
    }
    resource = f"drill-step/{index}"
    before: dict[str, Any] = {}
    after: dict[str, Any] = {"action": _describe(item)}  # (`Step.change` shows just this phrase)
    if item.kind is DrillStepKind.FAULT:
        resource, before, after = fault_values(item.params)
    expected = float(item.params.get("seconds") or 0)  # a hold's or a timed wait's
    return Step(
        kind=kind_name(item.kind.value),
        target=item.name,
        resource_id=resource,
        before=before,
        after=after,
        params=params,
        expected_seconds=expected,
        group=item.group,
    )


def _describe(item: DrillStepSpec) -> str:
    """What the step does, in the words of the plan table and the live view."""
    p = {k: v for k, v in item.params.items() if v not in (None, "", [], {})}
    kind = item.kind
    if kind is DrillStepKind.CHECK or kind is DrillStepKind.WAIT and p.get("for") != "time":
        return ("until " if kind is DrillStepKind.WAIT else "") + _condition(p)
    if kind in (DrillStepKind.HOLD, DrillStepKind.WAIT):
        return f"{duration_text(float(p.get('seconds') or 0))}, probing"
    if kind is DrillStepKind.APPROVAL:
        return f"a person types approve: {p.get('message', '')}"
    if kind is DrillStepKind.EVACUATE:
        sql = f"SQL {p.get('sql', 'auto')}" + (f" to {p['to']}" if p.get("to") else "")
        return f"evacuate {p['region']} ({sql})"
    if kind is DrillStepKind.REINSTATE:
        return f"reinstate {p['region']} (SQL {p.get('sql', 'skip')})"
    if kind is DrillStepKind.SQL_FAILOVER:
        return f"fail SQL over to {p.get('to') or 'the secondary'} ({p.get('mode', 'planned')})"
    if kind is DrillStepKind.SCALE:
        return f"scale {p.get('stamp') or p.get('region')} to {p.get('capacity')} instances"
    return f"{kind.value} {p.get('stamp') or p.get('region')}"


def _condition(p: dict[str, Any]) -> str:
    what = p.get("check") or p.get("for")
    if what == "health":
        scope = f"stamp {p['stamp']}" if p.get("stamp") else p.get("region") or "the estate"
        return f"health of {scope} at least {p.get('status', 'healthy')}"
    if what == "sql":
        parts = [f"SQL primary in {p['primary_region']}"] if p.get("primary_region") else []
        return ", ".join([*parts, *(["SQL failover-ready"] if p.get("ready") else [])]) or "SQL"
    if what == "redis":
        return "Redis linked" if p.get("linked", True) else "Redis not linked"
    bounds = [
        f">= {p['min_share']:.0%}" if "min_share" in p else "",
        f"<= {p['max_share']:.0%}" if "max_share" in p else "",
    ]
    return f"{p.get('region')}'s share of edge traffic {' and '.join(b for b in bounds if b)}"


def _may_lose_data(spec: DrillSpec) -> bool:
    """A forced SQL failover is possible: a forced sql-failover step, an evacuation told to force,
    or one left to decide (`auto`) after the drill takes a region down."""
    outage = False
    for item in spec.steps:
        params = item.params
        if item.kind is DrillStepKind.FAULT and params.get("fault") == "outage":
            outage = True
        if item.kind is DrillStepKind.SQL_FAILOVER and params.get("mode") in ("forced", "try-planned"):
            return True
        if item.kind is DrillStepKind.EVACUATE and (
            params.get("sql") == "forced" or (params.get("sql") == "auto" and outage)
        ):
            return True
    return False


def check_faults(session: AzureSession, spec: DrillSpec, label: str) -> None:
    """The shared dependencies the plan's `fault` steps name, asked of the simulator before anything
    runs (which it plays depends on the estate file and the installed plugins): an unknown one is a
    plan error naming the field, not a failure half way through the drill."""
    from mcctl.adapters.probes import sim_admin
    from mcctl.errors import McctlError

    problems = []
    for item in spec.steps:
        name = item.params.get("dependency")
        if item.kind is not DrillStepKind.FAULT or item.params.get("fault") != "dependency" or not name:
            continue
        try:
            sim_admin(session, "GET", f"/providers/Mcctl.Simulator/dependencies/{name}")
        except McctlError:
            problems.append(
                f"{item.path or 'steps'}.fault.dependency: the simulator plays no shared dependency '{name}' "
                "(the estate file's health.dependencies with a health_url, or one a simulated provider "
                "plays); to take the SQL primary's region down use `fault: {outage: REGION}`"
            )
    if problems:
        raise DrillPlanError(label, problems)


def spec_of(header: dict[str, Any]) -> DrillSpec:
    return DrillSpec.from_dict(header[SPEC_FIELD])
