"""Failing the Azure SQL failover group over: the request, the plan and its pre-flight rule (pure).

A failover is one plan step of kind "sql_failover" (primary_region before → after). The request
goes to the server in the target region, never to the primary (ARM refuses that with
FailoverGroupFailoverRequestOnPrimary). The links observed while planning travel in the step's
params, so the `sql_links_ready` safety rule can refuse a planned failover that ARM would fail,
and the journal shows what the operator saw. Rolling back is a planned failover back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcctl.domain.plan import Plan, PlanKind, Step
from mcctl.domain.regions import normalize_region
from mcctl.domain.sqlfailover_status import (
    CAUGHT_UP,
    NO_CONSISTENT_COPY,
    FailoverGroupStatus,
    ServerStatus,
    link_to_stopped,
    stopped_secondaries,
)
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate, SqlFailoverGroup, SqlServer
    from mcctl.domain.safety import RuleContext, Verdict
    from mcctl.domain.stampview import StampView

STEP_KIND = "sql_failover"
PLAN_KIND = PlanKind.SQL_FAILOVER
MODES = ("planned", "forced", "try-planned")
DATA_LOSS_MODES = ("forced", "try-planned")
# ARM gives no duration; these estimates match the simulator (planned waits for the secondaries).
EXPECTED_SECONDS = {"planned": 60, "forced": 30, "try-planned": 60}


def sql_config(estate: Estate) -> SqlFailoverGroup:
    if estate.sql is None:
        raise UsageError(
            f"estate '{estate.name}' has no SQL failover group",
            hint="add a `sql:` section (resource_group, failover_group, servers) to the estate file",
        )
    return estate.sql


def member_server(sql: SqlFailoverGroup, region: str) -> SqlServer:
    """The group's server in `region`, as the estate file names it."""
    server = sql.server_in(region)
    if server is None:
        raise UsageError(f"the estate file names no server of failover group {sql.name} in {region}")
    return server


@dataclass(frozen=True)
class FailoverObserved:
    """What the planner is given: the group as its members see it, and the estate's stamps."""

    status: FailoverGroupStatus
    views: tuple[StampView, ...]
    # mcctl operations (of this journal) whose failover step may still be running; None: not looked
    # up. With the group PENDING and none of them, the running failover was started outside mcctl.
    journaled_failovers: tuple[str, ...] | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class FailoverRequest:
    to: str | None = None  # target region; None = the only secondary
    mode: str = "planned"
    allow_data_loss: bool = False

    def validate(self, estate: Estate) -> None:
        """Argument checks that need no Azure call (a data-loss mode without the flag changes nothing)."""
        sql = sql_config(estate)
        if self.mode not in MODES:
            raise UsageError(f"--mode: must be one of {', '.join(MODES)}, got '{self.mode}'")
        if self.mode in DATA_LOSS_MODES and not self.allow_data_loss:
            what = "forced failover" if self.mode == "forced" else "try-planned (it may force)"
            raise UsageError(
                f"--mode {self.mode}: a {what} can lose the writes not yet replicated; "
                f"add --allow-data-loss to accept that; nothing was changed",
                hint="--mode planned loses no data but needs the primary and every replication link healthy",
            )
        # Not selection.known_region: the group's servers, not the stamps, say which regions are valid.
        if self.to is not None and sql.server_in(normalize_region(self.to)) is None:
            raise UsageError(
                f"--to: failover group {sql.name} has no server in '{self.to}' "
                f"(regions: {', '.join(s.region for s in sql.servers)})"
            )


def resolve_target(status: FailoverGroupStatus, request: FailoverRequest) -> ServerStatus:
    if request.to is not None:
        region = normalize_region(request.to)
        found = status.server_in(region)
        if found is None or found.role not in ("Primary", "Secondary"):
            raise UsageError(f"--to: {region} is not a member of failover group {status.name}")
        return found
    secondaries = status.secondaries
    if len(secondaries) == 1:
        return secondaries[0]
    if not secondaries:
        raise UsageError(f"failover group {status.name} has no secondary to fail over to")
    choices = ", ".join(f"{s.region} ({s.name})" for s in secondaries)
    raise UsageError(
        f"--to: failover group {status.name} has {len(secondaries)} secondaries; name one: {choices}",
        hint=f"e.g. mcctl sql failover --to {secondaries[0].region}",
    )


def plan_failover(estate: Estate, observed: FailoverObserved, request: FailoverRequest) -> Plan:
    """One sql_failover step from the current primary to the target region, with the pre-flight."""
    request.validate(estate)
    sql = sql_config(estate)
    status = observed.status
    target = resolve_target(status, request)
    primary = status.primary
    data_loss = request.mode in DATA_LOSS_MODES
    if primary is None or status.primary_region is None:
        raise UsageError(f"failover group {status.name}: no single primary could be determined; see `mcctl sql status`")
    if target.region == status.primary_region:
        return Plan(
            kind=PLAN_KIND,
            summary=f"{target.region} ({target.name}) is already the primary of {status.name}",
            steps=(),
            data_loss=data_loss,
            confirm_name=sql.name,
        )
    links = [{**link.to_dict(), "text": link.describe()} for link in status.links]
    # secondaries other than the target that did not answer: their SUSPENDED links do not stop a
    # planned failover to the target (`sql status` calls that degraded, not not-ready)
    stopped = sorted(stopped_secondaries(status.servers, status.primary_region) - {target.name.lower()})
    target_server = member_server(sql, target.region)
    step = Step(
        kind=STEP_KIND,
        target=f"SQL failover group {status.name}",
        resource_id=f"{target_server.ref.id}/failoverGroups/{sql.name}",
        before={"primary_region": status.primary_region},
        after={"primary_region": target.region},
        params={
            "mode": request.mode,
            "rollback_mode": "planned",
            "to_region": target.region,
            "to_server": target.name,
            "from_region": status.primary_region,
            "from_server": primary.name,
            "primary_reachable": primary.error is None,
            "links": links,
            **({"stopped_secondaries": stopped} if stopped else {}),
            **in_progress_params(status, observed.journaled_failovers),
        },
        expected_seconds=EXPECTED_SECONDS[request.mode],
    )
    summary = (
        f"{request.mode} failover of SQL failover group {status.name}: "
        f"{status.primary_region} ({primary.name}) → {target.region} ({target.name})"
    )
    return Plan(
        kind=PLAN_KIND,
        summary=summary,
        steps=(step,),
        data_loss=data_loss,
        confirm_name=sql.name,
        notes=tuple(_notes(status, observed.views, request, target)),
    )


def in_progress_params(status: FailoverGroupStatus, journaled: tuple[str, ...] | None) -> dict[str, Any]:
    """What a failover step carries about a failover of the group already running (for
    `sql_links_ready`): nothing when none runs; the mcctl operations that may have started it, when
    known (an empty list: none did, it was started outside mcctl)."""
    if not status.failover_in_progress:
        return {}
    return {"failover_in_progress": True, **({} if journaled is None else {"in_progress_by": list(journaled)})}


def _notes(
    status: FailoverGroupStatus, views: tuple[StampView, ...], request: FailoverRequest, target: ServerStatus
) -> list[str]:
    notes: list[str] = []
    primary = status.primary
    assert primary is not None
    if request.mode == "forced":
        notes.append(
            f"forced: does not wait for {target.name} to catch up; writes not yet replicated from "
            f"{primary.name} are lost (replication is asynchronous)"
        )
    elif request.mode == "try-planned":
        notes.append("try-planned: a planned failover first; if it cannot complete, forced (writes can be lost)")
    if primary.error is not None:
        notes.append(f"the primary {primary.name} ({primary.region}) did not answer: {primary.error}")
    bad = [link for link in status.links if not link.ready]
    if bad:
        notes.append("replication links not caught up: " + ", ".join(link.describe() for link in bad))
    else:
        notes.append(f"replication links: all {len(status.links)} {CAUGHT_UP}")
    here = [v for v in views if v.stamp.region == target.region]
    if here:
        origins = ", ".join(_origin_text(v) for v in here)
        notes.append(f"Front Door in {target.region}: {origins}")
        if all(v.serving is False for v in here):
            # the way out of sql_failover_target_serving's refusal: traffic back first, then fail over
            notes.append(
                f"{target.region} serves no traffic: restore it first (`mcctl frontdoor restore {target.region}`, "
                f"or `mcctl reinstate {target.region}` after an evacuation), then fail over"
            )
        redis = here[0].redis
        if redis is not None:
            notes.append(f"Redis in {target.region}: {redis.verdict} ({redis.reason})")
    else:
        notes.append(f"{target.region} has no stamps in this estate: the new primary would be far from every app")
    if status.failover_policy:
        grace = f", grace period {status.grace_period_minutes} min" if status.grace_period_minutes else ""
        notes.append(f"read-write endpoint failover policy: {status.failover_policy}{grace}")
    notes.append(f"rollback fails back to {primary.region} with a planned failover")
    return notes


def _origin_text(view: StampView) -> str:
    origin = view.origin
    if origin is None:
        return f"{view.stamp.origin} unknown"
    state = "enabled" if origin.enabled else "disabled"
    serving = {True: "serving", False: "not serving", None: "serving unknown"}[view.serving]
    return f"{origin.name} {state} (weight {origin.weight}, priority {origin.priority}, {serving})"


def step_mode(step: Step) -> str:
    """The mode this step fails over with: the planned one towards its target; failing back (the
    inverse step of a rollback) is always a planned failover: no data loss on the way back."""
    if step.after.get("primary_region") == step.params.get("to_region"):
        return str(step.params.get("mode", "planned"))
    return str(step.params.get("rollback_mode", "planned"))


# -- the pre-flight safety rule's check (ops registers it as `sql_links_ready`) -------------------
def links_ready(ctx: RuleContext) -> Verdict | None:
    """A planned failover needs every replication link CATCH_UP (else ARM fails it with
    IncorrectReplicationLinkState or PlannedFailoverTimedOut), except the SUSPENDED links to another
    secondary that did not answer (its region is down: `sql status` calls that degraded); no failover at all can make a
    secondary primary while its copy is still SEEDING or PENDING. Judged on the links observed
    while planning, which the step carries (a rollback's inverse step carries none of its own)."""
    verdict: Verdict | None = None
    for step in ctx.plan.steps:
        if step.kind != STEP_KIND or step.after.get("primary_region") != step.params.get("to_region"):
            continue
        if step.params.get("failover_in_progress") and not ctx.plan.summary.startswith(RESUME_SUMMARY_PREFIX):
            # (a resume joins its own step's running failover: the engine waits for it, never sends twice)
            return False, _in_progress(step), {"mode": step.params.get("mode", "planned"), "failover_in_progress": True}
        mode = step.params.get("mode", "planned")
        links = step.params.get("links", [])
        target = step.params.get("to_server", "")
        numbers: dict[str, Any] = {"mode": mode, "links": len(links)}
        if mode == "planned":
            stopped = {str(name).lower() for name in step.params.get("stopped_secondaries", [])}
            bad = [
                link
                for link in links
                if link.get("replication_state") != CAUGHT_UP and not link_to_stopped(link, stopped)
            ]
            reachable = bool(step.params.get("primary_reachable", True))
            numbers["primary_reachable"] = reachable
            if not reachable:
                return (
                    False,
                    f"planned failover needs the primary {step.params.get('from_server')} "
                    f"({step.before.get('primary_region')}), which did not answer"
                    + (f"; links not caught up: {_texts(bad)}" if bad else "")
                    + f"; {_primary_lost_way_out(ctx.plan, step)}",
                    {**numbers, "not_caught_up": len(bad)},
                )
            if bad:
                return (
                    False,
                    f"planned failover needs every replication link {CAUGHT_UP}: {_texts(bad)}; wait for them "
                    f"to catch up (`mcctl sql status`), or {_links_way_out(ctx.plan, step)}",
                    {**numbers, "not_caught_up": len(bad)},
                )
            ok = f"all {len(links)} replication link(s) {CAUGHT_UP}"
            if stopped:
                counted = sum(1 for link in links if not link_to_stopped(link, stopped))
                ok = (
                    f"{counted} replication link(s) {CAUGHT_UP}; not counted: the links to "
                    f"{', '.join(sorted(stopped))}, which did not answer"
                )
            verdict = (True, ok, numbers)
        else:
            bad = [
                link
                for link in links
                if link.get("replication_state") in NO_CONSISTENT_COPY
                and target.lower() in (link.get("server", "").lower(), (link.get("partner_server") or "").lower())
            ]
            if bad:
                return (
                    False,
                    f"{target} holds no consistent copy yet ({_texts(bad)}): it cannot become primary, "
                    f"even with data loss; choose another --to or wait for seeding to finish",
                    {**numbers, "seeding": len(bad)},
                )
            verdict = (True, f"{target} holds a consistent copy of every database", numbers)
    return verdict


# The refusal names the way out that works for the plan judged: `sql failover` has --mode, evacuate
# fails over forced with --allow-data-loss when the primary does not answer; a rollback, a resume
# (its summary starts with RESUME_SUMMARY_PREFIX, `mcctl.ops.recovery.plan_resume`) or reinstate has
# neither, so theirs is the failover by hand, naming the region.
_EVACUATE = "evacuate"  # mcctl.domain.evacuation.EvacuationKind.EVACUATE (which imports this module)
RESUME_SUMMARY_PREFIX = "resume "


def _first_run(plan: Plan, kind: str) -> bool:
    return plan.kind == kind and not plan.summary.startswith(RESUME_SUMMARY_PREFIX)


def _by_hand(step: Step) -> str:
    return f"`mcctl sql failover --to {step.after.get('primary_region')} --mode forced --allow-data-loss`"


def _primary_lost_way_out(plan: Plan, step: Step) -> str:
    if _first_run(plan, PLAN_KIND):
        return (
            "if its region is lost, fail over with --mode forced --allow-data-loss "
            "(or --mode try-planned --allow-data-loss)"
        )
    if _first_run(plan, _EVACUATE):
        return (
            f"a forced failover to {step.after.get('primary_region')} loses the writes not yet replicated: "
            "pass --allow-data-loss to accept that (evacuate then fails over forced)"
        )
    return f"if its region is lost, fail over with data loss: {_by_hand(step)}"


def _links_way_out(plan: Plan, step: Step) -> str:
    if _first_run(plan, PLAN_KIND):
        return "fail over with data loss: --mode forced --allow-data-loss (or --mode try-planned --allow-data-loss)"
    return f"fail over with data loss: {_by_hand(step)}"


def _in_progress(step: Step) -> str:
    """Why no failover can start now: one is running (ARM would answer 409 FailoverGroupBusy)."""
    by = step.params.get("in_progress_by")
    group = step.target.removeprefix("SQL failover group ")
    if by is None:
        who = "started by another client or by an mcctl operation still in flight (`mcctl status` tells which)"
    elif not by:
        who = (
            "not started by mcctl (no mcctl operation has a failover in flight): another client — "
            "az, the portal, another machine"
        )
    else:
        who = f"possibly mcctl operation {by[0]}'s (`mcctl resume {by[0]}` waits for it)"
    return (
        f"a failover of SQL failover group {group} is already in progress (replicationState PENDING), {who}; "
        "no other failover can start until it ends: wait for it (`mcctl sql status` shows failover_in_progress), "
        "then plan again from the primary it leaves"
    )


def _texts(links: list[dict[str, Any]]) -> str:
    return ", ".join(link.get("text") or str(link) for link in links)
