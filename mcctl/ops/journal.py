"""The journal: an append-only JSON-lines record of who changed what, step by step.

One line per record, written with a single O_APPEND write and fsync'd before the step it announces
runs, so a killed process leaves a readable journal whose last intent without an outcome says
exactly which step was in flight. Readers skip a torn last line.

Record types: `operation` (header: actor, command line, plan, rule results, overrides), `intent`
(before a step), `outcome` (after it), `end` (final status), `event` (e.g. a lock break).
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcctl.errors import UsageError

FINAL_STEP_STATUSES = ("succeeded", "skipped")


def new_operation_id() -> str:
    """Sortable and short enough to type: 20261126-051600-3fa2."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass
class OperationRecord:
    """Everything the journal holds about one operation, folded from its records."""

    id: str
    header: dict[str, Any]
    intents: dict[int, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[int, dict[str, Any]] = field(default_factory=dict)
    end: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.end:
            return str(self.end["status"])
        if any(i not in self.outcomes for i in self.intents):
            return "interrupted"  # an intent without an outcome: the process died mid-step
        return "incomplete"

    @property
    def steps_total(self) -> int:
        return len(self.header.get("plan", {}).get("steps", []))

    @property
    def steps_done(self) -> int:
        return sum(1 for o in self.outcomes.values() if o["status"] in FINAL_STEP_STATUSES)

    def in_flight(self) -> list[int]:
        """Steps whose intent was written but whose outcome never was."""
        return sorted(i for i in self.intents if i not in self.outcomes)

    def summary(self) -> dict[str, Any]:
        header = self.header
        return {
            "id": self.id,
            "started": header.get("ts"),
            "actor": _actor_name(header.get("actor") or {}),
            "kind": header.get("kind"),
            "summary": header.get("plan", {}).get("summary"),
            "status": self.status,
            "steps": f"{self.steps_done}/{self.steps_total}",
            "overrides": [o["rule"] for o in header.get("overrides", [])],
            "parent": header.get("parent"),
        }


def _actor_name(actor: dict[str, Any]) -> str:
    return str(actor.get("upn") or actor.get("unique_name") or actor.get("appid") or actor.get("oid") or "unknown")


class Journal:
    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def for_estate(cls, estate_name: str, simulated: bool) -> Journal:
        from mcctl.config.paths import state_dir

        # Practice runs on the simulator never mix with the record of real changes.
        name = f"sim-{estate_name}" if simulated else estate_name
        return cls(state_dir() / "journal" / f"{name}.jsonl")

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        record = {"ts": utc_now(), **record}
        line = (json.dumps(record, separators=(",", ":"), default=str) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        return record

    def records(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a torn last line from a killed process
                if isinstance(record, dict) and "type" in record:
                    yield record

    def operations(self) -> list[OperationRecord]:
        """Every operation, oldest first."""
        ops: dict[str, OperationRecord] = {}
        for record in self.records():
            op_id = record.get("op")
            if record["type"] == "operation":
                ops[op_id] = OperationRecord(op_id, record, records=[record])
                continue
            op = ops.get(op_id)
            if op is None:
                continue
            op.records.append(record)
            if record["type"] == "intent":
                op.intents[record["step"]] = record
            elif record["type"] == "outcome":
                op.outcomes[record["step"]] = record
            elif record["type"] == "end":
                op.end = record
            elif record["type"] == "event":
                op.events.append(record)
        return list(ops.values())

    def operation(self, ref: str) -> OperationRecord:
        """Find an operation by id or unique id prefix (`latest` for the newest)."""
        ops = self.operations()
        if ref == "latest":
            if not ops:
                raise UsageError("OP: the journal is empty")
            return ops[-1]
        matches = [op for op in ops if op.id == ref] or [op for op in ops if op.id.startswith(ref)]
        if not matches:
            raise UsageError(f"OP: no operation '{ref}' in the journal ({self.path})")
        if len(matches) > 1:
            raise UsageError(f"OP: '{ref}' matches {len(matches)} operations; give more of the id")
        return matches[0]

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        """A record that belongs to no operation (e.g. a lock break)."""
        return self.append({"type": "event", "op": fields.pop("op", None), "event": kind, **fields})
