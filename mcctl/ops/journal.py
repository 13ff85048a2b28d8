"""The journal: an append-only JSON-lines record of who changed what, step by step.

One line per record, written with a single O_APPEND write under an exclusive flock and fsync'd
before the step it announces runs, so a killed process leaves a readable journal whose last intent
without an outcome says exactly which step was in flight. A torn last line (no newline) is closed
with a newline before the next record, so it never swallows that record. Readers skip lines they
cannot read (torn, damaged, unknown or incomplete records) with a warning, never a crash.

Record types: `operation` (header: actor, command line, plan, rule results, overrides), `intent`
(before a step), `outcome` (after it; a step may have several, all kept), `end` (final status),
`event` (e.g. a lock break, a resume). Typed records and their reading: `journal_records`.

MCCTL_SIM_KILL_AFTER_RECORDS=N (tests): SIGKILL this process after its N-th record to a simulated journal.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcctl.errors import UsageError
from mcctl.ops.journal_records import (
    APPLIED_STEP_STATUSES,
    FINAL_STEP_STATUSES,
    UNCERTAIN_STEP_STATUSES,
    OperationRecord,
    OperationStatus,
    RecordType,
    StepStatus,
    problem,
)

__all__ = [
    "APPLIED_STEP_STATUSES",
    "FINAL_STEP_STATUSES",
    "UNCERTAIN_STEP_STATUSES",
    "Journal",
    "JournalUnwritable",
    "OperationRecord",
    "OperationStatus",
    "RecordType",
    "StepStatus",
    "new_operation_id",
    "utc_now",
]

KILL_AFTER_ENV = "MCCTL_SIM_KILL_AFTER_RECORDS"
_appended_lock = threading.Lock()
_appended = 0  # records this process appended to simulated journals (for MCCTL_SIM_KILL_AFTER_RECORDS)


class JournalUnwritable(UsageError):
    """The journal cannot be written: nothing may change, since the change could not be recorded."""


def new_operation_id() -> str:
    """Sortable and short enough to type: 20261126-051600-3fa2."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + secrets.token_hex(2)


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Journal:
    def __init__(self, path: Path, on_warning: Callable[[str], None] | None = None, *, simulated: bool = False) -> None:
        self.path = path
        self.simulated = simulated
        self.warnings: list[str] = []
        self._on_warning = on_warning

    @classmethod
    def for_estate(cls, estate_name: str, simulated: bool, on_warning: Callable[[str], None] | None = None) -> Journal:
        from mcctl.config.paths import state_dir

        # Practice runs on the simulator never mix with the record of real changes.
        name = f"sim-{estate_name}" if simulated else estate_name
        return cls(state_dir() / "journal" / f"{name}.jsonl", on_warning, simulated=simulated)

    # -- writing -------------------------------------------------------------------------------
    def check_writable(self) -> None:
        """Fail now (exit 2) if records cannot be appended, before anything takes a lease or changes."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
        except OSError as exc:
            raise self._unwritable(exc) from None

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        record = {"ts": utc_now(), **record}
        line = (json.dumps(record, separators=(",", ":"), default=str) + "\n").encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                _write_line(fd, line)
            finally:
                os.close(fd)  # also releases the flock
        except OSError as exc:
            raise self._unwritable(exc) from None
        if self.simulated:
            _count_for_crash_injection()
        return record

    def event(self, kind: str, **fields: Any) -> dict[str, Any]:
        """A record that belongs to no operation (e.g. a lock break)."""
        return self.append({"type": "event", "op": fields.pop("op", None), "event": kind, **fields})

    def _unwritable(self, exc: OSError) -> JournalUnwritable:
        reason = exc.strerror or str(exc)
        return JournalUnwritable(
            f"journal: cannot write {self.path}: {reason}",
            hint=f"make {self.path.parent} writable, or set MCCTL_STATE_DIR to a writable directory",
        )

    def archive(self, label: str = "reset") -> Path | None:
        """Move the journal aside (`NAME.jsonl.LABEL-<UTC time>`, kept for reading), so the next
        record starts a fresh one: `sim reset` puts the simulated estate back to its start, and its
        old operations must not be resumed, rolled back or reinstated against it. Returns where it
        went (None: there was no journal)."""
        return move_aside(self.path, label)

    # -- reading -------------------------------------------------------------------------------
    def records(self) -> Iterator[dict[str, Any]]:
        """Every readable record, in file order; unreadable lines are skipped with a warning."""
        for _, record in self._numbered_records():
            yield record

    def operations(self) -> list[OperationRecord]:
        """Every operation, oldest first."""
        ops: dict[str, OperationRecord] = {}
        orphans: set[str] = set()
        for number, record in self._numbered_records():
            op_id = record.get("op")
            if not isinstance(op_id, str):
                continue  # an event outside any operation: reading checked that every other record names one
            if record["type"] == RecordType.OPERATION:
                if op_id in ops:
                    self._warn(number, f"a second header for operation {op_id}")
                else:
                    ops[op_id] = OperationRecord(op_id, record, records=[record])
                continue
            op = ops.get(op_id)
            if op is None:
                if record["type"] != RecordType.EVENT and op_id not in orphans:
                    orphans.add(op_id)
                    self._warn(number, f"records of operation {op_id} whose header is missing")
                continue
            step = record.get("step")  # an index in intents and outcomes (checked on reading)
            if record["type"] in (RecordType.INTENT, RecordType.OUTCOME) and isinstance(step, int):
                if step >= op.steps_total:
                    self._warn(number, f"step {step} of operation {op_id}, whose plan has {op.steps_total} steps")
                    continue
            op.add(record)
        return list(ops.values())

    def unfinished_operations(self) -> list[OperationRecord]:
        """Operations a change of which may still land (in flight, submitted, unverified, ...), oldest first."""
        return [op for op in self.operations() if op.unfinished]

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

    def _numbered_records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            raise UsageError(f"journal: cannot read {self.path}: {exc.strerror or exc}") from None
        lines = data.split(b"\n")
        torn = lines.pop()  # b"" when the file ends with a newline, as it should
        for number, raw in enumerate(lines, start=1):
            record = self._parse(number, raw, last=False)
            if record is not None:
                yield number, record
        if torn.strip():
            # A process killed mid-write leaves this; it is expected, so it only warns if it reads.
            record = self._parse(len(lines) + 1, torn, last=True)
            if record is not None:
                yield len(lines) + 1, record

    def _parse(self, number: int, raw: bytes, *, last: bool) -> dict[str, Any] | None:
        if not raw.strip():
            return None
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            if not last:
                self._warn(number, "not UTF-8")
            return None
        except (json.JSONDecodeError, RecursionError):
            if not last:
                self._warn(number, "not a JSON record (damaged or torn)")
            return None
        why = problem(record)
        if why is not None:
            self._warn(number, why)
            return None
        return record

    def _warn(self, number: int, why: str) -> None:
        message = f"journal {self.path}: line {number}: {why}; skipped"
        if message in self.warnings:
            return
        self.warnings.append(message)
        if self._on_warning is not None:
            self._on_warning(message)


def move_aside(path: Path, label: str) -> Path | None:
    """Rename `path` to `NAME.LABEL-<UTC time>` next to it (a number added if that exists); None:
    there was no file. A failure is a usage error naming the file (nothing else was changed)."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    try:
        os.replace(path, target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(
            f"cannot move {path} aside: {exc.strerror or exc}",
            hint=f"make {path.parent} writable, or move the file away by hand",
        ) from None
    return target


def _write_line(fd: int, line: bytes) -> None:
    import fcntl

    # Exclusive: two processes appending at once must not interleave a newline repair with a record.
    fcntl.flock(fd, fcntl.LOCK_EX)
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        line = b"\n" + line  # close a torn last line, so it cannot swallow this record
    view = memoryview(line)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def _count_for_crash_injection() -> None:
    global _appended
    with _appended_lock:  # parallel step groups append from several threads
        _appended += 1
        count = _appended
    raw = os.environ.get(KILL_AFTER_ENV, "").strip()
    if not (raw.isascii() and raw.isdigit()) or int(raw) <= 0:
        return
    if count == int(raw):
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
