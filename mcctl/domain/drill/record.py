"""What a drill run leaves behind, as values: its steps, its probe samples, its before/after state.

The lead's reader assembles a `DrillRecord` from the journal (the drill operation, its children) and
`<state>/drills/<op>/probes.jsonl`; the Prober appends `ProbeSample`s as it goes. The measures
(`metrics.py`) and the report document (`report.py`) are computed from this record only, so a report
re-rendered later from the same journal says the same thing.

Every value round-trips through `to_dict()` / `from_dict()` (JSON-able: the samples are one JSON line
each, the record is what `mcctl drill report` reads back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

# A step the drill never reached (stopped earlier, or still waiting its turn): not a StepStatus,
# because the engine never journaled an intent for it.
STEP_NOT_RUN = "not_run"


class ProbeKind(StrEnum):
    READ = "read"
    WRITE = "write"
    # After the run: one acknowledged write looked up again on the current primary (ok: found).
    READBACK = "readback"


class DrillOutcome(StrEnum):
    PASSED = "passed"
    ROLLED_BACK = "rolled_back"  # a step failed and the rollback left the estate healthy
    FAILED = "failed"  # a step failed and the rollback did not run, or did not leave it healthy
    ERRORED = "errored"  # the drill itself broke (an exception, a lost lease)
    INTERRUPTED = "interrupted"  # stopped by a person (Ctrl-C) or a kill; resumable
    RUNNING = "running"


@dataclass(frozen=True)
class ProbeSample:
    """One synthetic request against the public endpoint (or one read-back of a write)."""

    at: float  # epoch seconds when the request was sent
    kind: ProbeKind
    ok: bool
    status: int | None  # HTTP status; None when no answer came (timeout, refused)
    seconds: float | None  # latency; None when no answer came
    stamp: str | None  # the stamp that served it (x-mcctl-served-by / body served_by)
    region: str | None
    error: str | None = None
    write_id: str | None = None  # WRITE: the acknowledged row id; READBACK: the row looked up

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "kind": self.kind.value,
            "ok": self.ok,
            "status": self.status,
            "seconds": self.seconds,
            "stamp": self.stamp,
            "region": self.region,
            "error": self.error,
            "write_id": self.write_id,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeSample:
        return cls(
            at=float(data["at"]),
            kind=ProbeKind(data["kind"]),
            ok=bool(data["ok"]),
            status=_opt_int(data.get("status")),
            seconds=_opt_float(data.get("seconds")),
            stamp=data.get("stamp"),
            region=data.get("region"),
            error=data.get("error"),
            write_id=data.get("write_id"),
        )


@dataclass(frozen=True)
class StepRun:
    """One plan step as it ran (or did not)."""

    index: int  # 0-based position in the plan
    name: str
    kind: str  # the DrillStepKind value
    group: int
    status: str  # a StepStatus value, or STEP_NOT_RUN
    started: float | None
    ended: float | None
    operation: str | None  # the child operation's id (mutating steps)
    detail: str | None
    error: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "kind": self.kind,
            "group": self.group,
            "status": self.status,
            "started": self.started,
            "ended": self.ended,
            "operation": self.operation,
            "detail": self.detail,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepRun:
        return cls(
            index=int(data["index"]),
            name=str(data["name"]),
            kind=str(data["kind"]),
            group=int(data["group"]),
            status=str(data["status"]),
            started=_opt_float(data.get("started")),
            ended=_opt_float(data.get("ended")),
            operation=data.get("operation"),
            detail=data.get("detail"),
            error=data.get("error"),
        )


@dataclass(frozen=True)
class DrillRecord:
    """Everything the report says, gathered once."""

    operation: str
    name: str
    estate: str
    simulated: bool
    actor: str
    host: str
    command: str
    started: float
    ended: float | None  # None while running or after a kill
    outcome: DrillOutcome
    from_region: str | None
    to_region: str | None
    steps: tuple[StepRun, ...]
    probes: tuple[ProbeSample, ...]
    rules: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    # State summaries: {"sql": {"primary_region": ..}, "regions": {r: {"status": .., "share": ..}},
    # "stamps": {...}}; after is None until the drill ended.
    before: dict[str, Any]
    after: dict[str, Any] | None
    incident_at: float | None  # T0: start of the first fault step, else of the first mutating step
    sql_failover_mode: str | None  # "planned" | "forced" | None (from the child operations)
    replication_at_t0: dict[str, Any] | None  # the SQL links' state/lag at T0
    rollback: dict[str, Any] | None  # {"operation": .., "status": .., "healthy_after": bool}
    spec: dict[str, Any]  # the DrillSpec as journaled (DrillSpec.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "operation": self.operation,
            "name": self.name,
            "estate": self.estate,
            "simulated": self.simulated,
            "actor": self.actor,
            "host": self.host,
            "command": self.command,
            "started": self.started,
            "ended": self.ended,
            "outcome": self.outcome.value,
            "from_region": self.from_region,
            "to_region": self.to_region,
            "steps": [step.to_dict() for step in self.steps],
            "probes": [sample.to_dict() for sample in self.probes],
            "rules": list(self.rules),
            "overrides": list(self.overrides),
            "before": self.before,
            "after": self.after,
            "incident_at": self.incident_at,
            "sql_failover_mode": self.sql_failover_mode,
            "replication_at_t0": self.replication_at_t0,
            "rollback": self.rollback,
            "spec": self.spec,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrillRecord:
        return cls(
            operation=str(data["operation"]),
            name=str(data["name"]),
            estate=str(data["estate"]),
            simulated=bool(data["simulated"]),
            actor=str(data["actor"]),
            host=str(data["host"]),
            command=str(data["command"]),
            started=float(data["started"]),
            ended=_opt_float(data.get("ended")),
            outcome=DrillOutcome(data["outcome"]),
            from_region=data.get("from_region"),
            to_region=data.get("to_region"),
            steps=tuple(StepRun.from_dict(step) for step in data.get("steps", ())),
            probes=tuple(ProbeSample.from_dict(sample) for sample in data.get("probes", ())),
            rules=[dict(rule) for rule in data.get("rules", ())],
            overrides=[dict(item) for item in data.get("overrides", ())],
            before=dict(data.get("before") or {}),
            after=None if data.get("after") is None else dict(data["after"]),
            incident_at=_opt_float(data.get("incident_at")),
            sql_failover_mode=data.get("sql_failover_mode"),
            replication_at_t0=None if data.get("replication_at_t0") is None else dict(data["replication_at_t0"]),
            rollback=None if data.get("rollback") is None else dict(data["rollback"]),
            spec=dict(data.get("spec") or {}),
        )


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)
