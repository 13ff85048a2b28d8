"""Typed journal records: what a line must hold to be read, and what one operation's records mean.

Readers take the strongest evidence a step's records give: every outcome of a step is kept in
order, so a `skipped` written by a resume (the change was already in place) never hides the earlier
`unverified` that put it there, and rollback still reverses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from mcctl.domain.statuses import OperationStatus, StepStatus

if TYPE_CHECKING:
    from mcctl.domain.plan import Plan


class RecordType(StrEnum):
    OPERATION = "operation"
    INTENT = "intent"
    OUTCOME = "outcome"
    END = "end"
    EVENT = "event"


# Done: resume does not run these again.
FINAL_STEP_STATUSES = (StepStatus.SUCCEEDED, StepStatus.SKIPPED)
# A change that was made or may have been made: rollback reverses these.
APPLIED_STEP_STATUSES = (StepStatus.SUCCEEDED, StepStatus.SUBMITTED, StepStatus.UNVERIFIED)
# The Azure operation may still land.
UNCERTAIN_STEP_STATUSES = (StepStatus.SUBMITTED, StepStatus.TIMEOUT, StepStatus.UNVERIFIED, StepStatus.INTERRUPTED)


def problem(record: Any) -> str | None:
    """Why `record` cannot be read (None: it can). Only what readers rely on is checked."""
    if not isinstance(record, dict):
        return f"not a record (a JSON {type(record).__name__})"
    kind = record.get("type")
    if kind not in RecordType.__members__.values():
        return f"unknown record type {kind!r}"
    if kind != RecordType.EVENT and not isinstance(record.get("op"), str):
        return f"{kind} record without an operation id"
    if kind in (RecordType.INTENT, RecordType.OUTCOME) and not _is_index(record.get("step")):
        return f"{kind} record without a step number"
    if kind == RecordType.OUTCOME and record.get("status") not in StepStatus.__members__.values():
        return f"outcome record with an unknown status {record.get('status')!r}"
    if kind == RecordType.END and record.get("status") not in OperationStatus.__members__.values():
        return f"end record with an unknown status {record.get('status')!r}"
    if kind == RecordType.EVENT and not isinstance(record.get("event"), str):
        return "event record without an event name"
    if kind == RecordType.OPERATION:
        return _header_problem(record)
    return None


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _header_problem(record: dict[str, Any]) -> str | None:
    from mcctl.domain.plan import Plan

    status = record.get("status")
    if status is not None and status not in OperationStatus.__members__.values():
        return f"operation record with an unknown status {status!r}"
    if not isinstance(record.get("plan"), dict):
        return "operation record without a plan"
    try:
        plan = Plan.from_dict(record["plan"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return f"operation record whose plan cannot be read ({type(exc).__name__}: {exc})"
    for number, step in enumerate(plan.steps, 1):
        problem = _step_problem(step)
        if problem:
            return f"operation record whose plan step {number} {problem}"
    for key in ("subscription", "estate", "kind"):
        if record.get(key) is not None and not isinstance(record.get(key), str):
            return f"operation record whose {key} is not text"
    return None


def _step_problem(step: Any) -> str | None:
    """What readers of a step rely on: text where text is read, mappings where values are."""
    for name in ("kind", "target", "resource_id"):
        if not isinstance(getattr(step, name), str) or not getattr(step, name):
            return f"has no {name}"
    for name in ("before", "after", "params"):
        if not isinstance(getattr(step, name), dict):
            return f"has a {name} that is not a mapping"
    if not isinstance(step.group, int) or isinstance(step.group, bool):
        return "has a group that is not a number"
    return None


@dataclass
class OperationRecord:
    """Everything the journal holds about one operation, folded from its records in file order.

    `intents[i]` and `outcomes[i]` are the last intent and outcome of step i (what most readers
    want); `history(i)`, `applied(i)` and `uncertain(i)` read every record of the step, in order.
    """

    id: str
    header: dict[str, Any]
    intents: dict[int, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[int, dict[str, Any]] = field(default_factory=dict)
    end: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record: dict[str, Any]) -> None:
        """Fold one more record of this operation (already checked by `problem`)."""
        self.records.append(record)
        kind = record["type"]
        if kind == RecordType.INTENT:
            self.intents[record["step"]] = record
        elif kind == RecordType.OUTCOME:
            self.outcomes[record["step"]] = record
        elif kind == RecordType.END:
            self.end = record
        elif kind == RecordType.EVENT:
            self.events.append(record)

    # -- the header ----------------------------------------------------------------------------
    @cached_property
    def plan(self) -> Plan:
        from mcctl.domain.plan import Plan

        return Plan.from_dict(self.header["plan"])

    @property
    def kind(self) -> str | None:
        return self.header.get("kind")

    @property
    def parent(self) -> str | None:
        return self.header.get("parent")

    @property
    def estate(self) -> str | None:
        return self.header.get("estate")

    @property
    def refused(self) -> bool:
        return self.header.get("status") == OperationStatus.REFUSED

    # -- steps ---------------------------------------------------------------------------------
    def history(self, index: int) -> list[dict[str, Any]]:
        """Every outcome record of step `index`, oldest first."""
        found = [r for r in self.records if r["type"] == RecordType.OUTCOME and r["step"] == index]
        if not found and index in self.outcomes:  # a record built by hand, without `records`
            return [self.outcomes[index]]
        return found

    def applied(self, index: int) -> bool:
        """Whether step `index` made (or may have made) its change: any applied outcome counts, and
        only a later settlement that proved it did not land takes it back; `skipped` never does. A
        `skipped` right after an attempt left in doubt (killed mid-step, timed out, interrupted) is
        that attempt's change found landed: applied too."""
        records = [
            r for r in self.records if r["type"] in (RecordType.INTENT, RecordType.OUTCOME) and r.get("step") == index
        ] or self.history(index)
        applied = doubt = attempt_open = False
        for record in records:
            if record["type"] == RecordType.INTENT:
                doubt = doubt or attempt_open  # the previous attempt never wrote its outcome
                attempt_open = True
                continue
            attempt_open = False
            status = record["status"]
            if status in APPLIED_STEP_STATUSES:
                applied = True
            elif status == StepStatus.FAILED and record.get("settled") is True:
                applied = False
            elif status == StepStatus.SKIPPED and doubt:
                applied = True
            doubt = status in UNCERTAIN_STEP_STATUSES
        return applied

    def applied_steps(self) -> list[int]:
        return [i for i in self._indices() if self.applied(i)]

    def uncertain(self, index: int) -> bool:
        """Whether a change of step `index` may still land: in flight when the process stopped, or
        its last outcome left the Azure operation running or unconfirmed."""
        if index in self.in_flight():
            return True
        last = self.outcomes.get(index)
        return last is not None and last["status"] in UNCERTAIN_STEP_STATUSES

    def uncertain_steps(self) -> list[int]:
        return [i for i in self._indices() if self.uncertain(i)]

    def finished(self, index: int) -> bool:
        """Done: resume does not run it again."""
        last = self.outcomes.get(index)
        return last is not None and last["status"] in FINAL_STEP_STATUSES and index not in self.in_flight()

    def in_flight(self) -> list[int]:
        """Steps whose last intent has no outcome after it (the process stopped during the step)."""
        return sorted(i for i, position in self._last_intents().items() if position > self._last_outcomes().get(i, -1))

    @property
    def unfinished(self) -> bool:
        """A change of this operation may still land (what snapshots project as in flight)."""
        return not self.refused and bool(self.uncertain_steps())

    # -- the operation -------------------------------------------------------------------------
    @property
    def status(self) -> OperationStatus:
        if self.end is None:
            return OperationStatus.INTERRUPTED if self.in_flight() else OperationStatus.INCOMPLETE
        # A resume that died in a step after the last end record: that end no longer tells.
        last_end = self._last_position(RecordType.END) if self.records else len(self.records) + 1
        if any(self._last_intents()[i] > last_end for i in self.in_flight()):
            return OperationStatus.INTERRUPTED
        status = OperationStatus(self.end["status"])
        if status is OperationStatus.SUBMITTED and all(self.finished(i) for i in range(self.steps_total)):
            return OperationStatus.SUCCEEDED  # every submitted change was later seen landed (settled)
        return status

    @property
    def steps_total(self) -> int:
        steps = self.header.get("plan", {}).get("steps", [])
        return len(steps) if isinstance(steps, list) else 0

    @property
    def steps_done(self) -> int:
        return sum(1 for i in self.outcomes if self.finished(i))

    def summary(self) -> dict[str, Any]:
        header = self.header
        return {
            "id": self.id,
            "started": header.get("ts"),
            "actor": actor_name(header.get("actor")),
            "kind": header.get("kind"),
            "summary": header.get("plan", {}).get("summary"),
            "status": self.status,
            "steps": f"{self.steps_done}/{self.steps_total}",
            "overrides": [o["rule"] for o in _list(header.get("overrides")) if isinstance(o, dict) and "rule" in o],
            "parent": header.get("parent"),
        }

    # -- positions in `records` ----------------------------------------------------------------
    def _indices(self) -> list[int]:
        return sorted(set(self.intents) | set(self.outcomes))

    def _last_intents(self) -> dict[int, int]:
        return self._last_by_step(RecordType.INTENT, self.intents)

    def _last_outcomes(self) -> dict[int, int]:
        return self._last_by_step(RecordType.OUTCOME, self.outcomes)

    def _last_by_step(self, kind: RecordType, latest: dict[int, dict[str, Any]]) -> dict[int, int]:
        positions = {r["step"]: n for n, r in enumerate(self.records) if r["type"] == kind}
        for index in latest:
            # Built by hand without `records`: an intent comes before the outcome of its step.
            positions.setdefault(index, 0 if kind == RecordType.INTENT else 1)
        return positions

    def _last_position(self, kind: RecordType) -> int:
        return max((n for n, r in enumerate(self.records) if r["type"] == kind), default=-1)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def actor_name(actor: Any) -> str:
    if not isinstance(actor, dict):
        return "unknown"
    return str(actor.get("upn") or actor.get("unique_name") or actor.get("appid") or actor.get("oid") or "unknown")
