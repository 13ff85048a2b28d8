"""A drill as it ran, read back: the journal's drill operation and its child operations, and the
files kept beside the journal (probe samples, the estate's state before and after, the rollback) —
assembled into the `DrillRecord` the report is computed from (`mcctl.domain.drill.report`).
Reading twice gives the same record: `drill report` re-renders what `drill run` wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcctl.domain.drill.record import STEP_NOT_RUN, DrillOutcome, DrillRecord, ProbeSample, StepRun
from mcctl.domain.statuses import OperationStatus
from mcctl.ops.drill.children import DRILL_FIELD
from mcctl.ops.drill.kept import drill_dir
from mcctl.ops.drill.plan import DRILL_KIND, SPEC_FIELD
from mcctl.ops.drill.usecase import ROLLBACK_KIND, drill_record
from mcctl.ops.journal_records import actor_name

if TYPE_CHECKING:
    from mcctl.ops.journal import OperationRecord
    from mcctl.ops.services import Services


def read_drill(services: Services, operation: str) -> DrillRecord:
    record = drill_record(services, operation)
    return assemble(services, record, services.journal.operations())


def past_drills(services: Services) -> list[DrillRecord]:
    """Every drill of this estate in the journal, oldest first."""
    operations = services.journal.operations()
    return [
        assemble(services, record, operations)
        for record in operations
        if record.kind == DRILL_KIND and SPEC_FIELD in record.header and record.estate == services.estate.name
    ]


def assemble(services: Services, record: OperationRecord, operations: list[OperationRecord]) -> DrillRecord:
    folder = drill_dir(services, record.id)
    spec = dict(record.header[SPEC_FIELD])
    children = [r for r in operations if _tag(r).get("operation") == record.id]
    rollback = _rollback(record, operations, folder)
    steps = tuple(_step(record, index, children) for index in range(len(record.plan.steps)))
    started = _started(record, steps)
    incident = _incident(steps)
    return DrillRecord(
        operation=record.id,
        name=str(spec.get("name") or record.plan.summary),
        estate=str(record.header.get("estate")),
        simulated=bool(record.header.get("simulated")),
        actor=actor_name(record.header.get("actor")),
        host=str(record.header.get("host") or "?"),
        command=str(record.header.get("command") or ""),
        started=started,
        ended=_ended(record, steps),
        outcome=_outcome(record, rollback),
        from_region=spec.get("from_region"),
        to_region=spec.get("to_region"),
        steps=steps,
        probes=tuple(_samples(folder / "probes.jsonl")),
        rules=_decisions(record, children, "rules"),
        overrides=_decisions(record, children, "overrides"),
        before=state_summary(_json(folder / "before.json")) or {},
        after=state_summary(_json(folder / "after.json")),
        incident_at=incident,
        sql_failover_mode=_sql_mode(children),
        replication_at_t0=_replication(_json(folder / "before.json")),
        rollback=rollback,
        spec=spec,
    )


def _decisions(record: OperationRecord, children: list[OperationRecord], field: str) -> list[dict[str, Any]]:
    """The drill's own rule results (or overrides), then each child operation's, with the step and
    operation they were made for: every decision the rules took during the drill."""
    found = [{**item, "step": None, "operation": record.id} for item in record.header.get(field) or ()]
    for child in children:
        tag = _tag(child)
        step = tag.get("step")
        for item in child.header.get(field) or ():
            if isinstance(item, dict):
                found.append({**item, "step": step + 1 if isinstance(step, int) else None, "operation": child.id})
    return found


def _tag(record: OperationRecord) -> dict[str, Any]:
    tag = record.header.get(DRILL_FIELD)
    return tag if isinstance(tag, dict) else {}


def _step(record: OperationRecord, index: int, children: list[OperationRecord]) -> StepRun:
    step = record.plan.steps[index]
    intent, outcome = record.intents.get(index), record.outcomes.get(index)
    mine = [c for c in children if _tag(c).get("step") == index and _tag(c).get("role", "step") == "step"]
    details = [
        e.get("detail") for e in record.events if e.get("event") == "drill-step-detail" and e.get("step") == index
    ]
    status = STEP_NOT_RUN
    if outcome is not None:
        status = str(outcome.get("status"))
    elif intent is not None:
        # a step begun and never ended: the drill was interrupted (a kill leaves no end record),
        # as its outcome says (`_outcome`) and `journal list` says
        status = "interrupted"
    return StepRun(
        index=index,
        name=step.target,
        kind=step.kind.removeprefix("drill."),
        group=step.group,
        status=status,
        started=_at(intent),
        ended=_at(outcome),
        operation=mine[-1].id if mine else None,
        detail=str(details[-1]) if details else (mine[-1].plan.summary if mine else None),
        error=str(outcome.get("error")) if outcome is not None and outcome.get("error") else None,
    )


def _at(record: dict[str, Any] | None) -> float | None:
    if record is None:
        return None
    value = record.get("at")
    return float(value) if isinstance(value, int | float) else None


def _started(record: OperationRecord, steps: tuple[StepRun, ...]) -> float:
    times = [s.started for s in steps if s.started is not None]
    if times:
        return min(times)
    from datetime import datetime

    return datetime.fromisoformat(str(record.header.get("ts")).replace("Z", "+00:00")).timestamp()


def _ended(record: OperationRecord, steps: tuple[StepRun, ...]) -> float | None:
    if record.end is None:
        return None
    times = [s.ended for s in steps if s.ended is not None]
    return max(times) if times else None


def _incident(steps: tuple[StepRun, ...]) -> float | None:
    """T0: the first fault injected, else the first change the drill made."""
    for kinds in (("fault",), ("evacuate", "sql-failover", "drain", "scale", "reinstate", "restore")):
        times = [s.started for s in steps if s.kind in kinds and s.started is not None]
        if times:
            return min(times)
    return None


def _outcome(record: OperationRecord, rollback: dict[str, Any] | None) -> DrillOutcome:
    status = record.status
    if record.end is not None and status is OperationStatus.SUCCEEDED:
        return DrillOutcome.PASSED  # (a later rollback of a drill that passed is in `rollback`)
    if rollback is not None and rollback.get("status") == OperationStatus.SUCCEEDED.value:
        # stopped part way (a failed step, Ctrl-C, a kill), then put back
        return DrillOutcome.ROLLED_BACK if rollback.get("healthy_after") else DrillOutcome.FAILED
    if record.end is None:
        return DrillOutcome.INTERRUPTED if record.intents else DrillOutcome.RUNNING
    if status is OperationStatus.INTERRUPTED:
        return DrillOutcome.INTERRUPTED
    if status in (OperationStatus.FAILED, OperationStatus.PARTIAL, OperationStatus.TIMEOUT):
        return DrillOutcome.FAILED
    return DrillOutcome.ERRORED


def _rollback(record: OperationRecord, operations: list[OperationRecord], folder: Path) -> dict[str, Any] | None:
    rollbacks = [r for r in operations if r.parent == record.id and r.kind == ROLLBACK_KIND]
    if not rollbacks:
        return None
    last = rollbacks[-1]
    saved = _json(folder / "rollback.json") or {}
    healthy = saved.get("healthy") if saved.get("operation") == last.id else None
    return {"operation": last.id, "status": last.status.value, "healthy_after": healthy}


def _sql_mode(children: list[OperationRecord]) -> str | None:
    for child in children:
        if _tag(child).get("role", "step") != "step":
            continue
        for index, step in enumerate(child.plan.steps):
            if step.kind == "sql_failover" and child.applied(index):
                mode = step.params.get("mode")
                return "forced" if mode in ("forced", "try-planned") else "planned"
    return None


def _replication(before: dict[str, Any] | None) -> dict[str, Any] | None:
    """The SQL group as it stood before the drill (its primary, readiness and link problems)."""
    if not before:
        return None
    sql = before.get("sql")
    return dict(sql) if isinstance(sql, dict) else None


def state_summary(status: dict[str, Any] | None) -> dict[str, Any] | None:
    """The estate as `mcctl status -o json` showed it, cut to what a drill report compares."""
    if status is None:
        return None
    regions = {}
    for region in status.get("regions") or ():
        if isinstance(region, dict) and region.get("name"):
            regions[str(region["name"])] = {
                "status": region.get("health"),
                "share": region.get("share"),
                "configured_share": region.get("configured_share"),
                "serving": region.get("serving"),
                "drained": region.get("drained"),
                "sql_role": region.get("sql_role"),
                "redis": region.get("redis"),
            }
    return {
        "status": status.get("status"),
        "reasons": list(status.get("reasons") or ()),
        "sql": status.get("sql"),
        "regions": regions,
    }


def _samples(path: Path) -> list[ProbeSample]:
    found = []
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        try:
            found.append(ProbeSample.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            continue  # a line cut short by a kill: the rest of the samples still count
    return found


def _json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
