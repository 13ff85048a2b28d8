"""The journal: an append-only JSON-lines record of who changed what, step by step.

One line per record, written with a single O_APPEND write under an exclusive flock and fsync'd
before the step it announces runs, so a killed process leaves a readable journal whose last intent
without an outcome says exactly which step was in flight. A torn last line (no newline) is closed
with a newline before the next record, so it never swallows that record. Readers skip lines they
cannot read (torn, damaged, unknown or incomplete records) with a warning, never a crash.

Record types: `operation` (header: actor, command line, plan, rule results, overrides), `intent`
(before a step), `outcome` (after it; a step may have several, all kept), `end` (final status),
`event` (e.g. a lock break, a resume). Typed records and their reading: `journal_records`.

Reading: `operations()` parses everything; the other readers (one operation, the unfinished ones,
those that decide some resources' state, children, the newest N) read only their operations'
records through the index (`journal_index`, `journal_reader`). Past `MCCTL_JOURNAL_ROTATE_MB` a new
operation first rotates the journal, carrying unfinished operations forward (`journal_rotation`).

MCCTL_SIM_KILL_AFTER_RECORDS=N (tests): SIGKILL this process after its N-th record to a simulated journal.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mcctl.errors import UsageError
from mcctl.ops.journal_index import index_path
from mcctl.ops.journal_reader import IndexedReader
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
        self.parsed = 0  # records decoded so far (what a bounded read is measured by)
        self.collecting: list[str] | None = None  # also collect warnings here (the index keeps them)
        self._on_warning = on_warning
        self._reader = IndexedReader(self)

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
        from mcctl.ops.journal_rotation import rotate_at_bytes

        rotate_at_bytes()  # a bad MCCTL_JOURNAL_ROTATE_MB fails here, before anything changes

    def append(self, record: dict[str, Any]) -> dict[str, Any]:
        record = {"ts": utc_now(), **record}
        line = (json.dumps(record, separators=(",", ":"), default=str) + "\n").encode()
        if record.get("type") == RecordType.OPERATION:
            self._rotate_if_due()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            while True:
                fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    if _write_line(fd, line, self.path):
                        break
                finally:
                    os.close(fd)  # also releases the flock
        except OSError as exc:
            raise self._unwritable(exc) from None
        if self.simulated:
            _count_for_crash_injection()
        return record

    def _rotate_if_due(self) -> None:
        """A new operation starts: first rotate a journal grown past its size (`journal_rotation`)."""
        from mcctl.ops.journal_rotation import maybe_rotate

        try:
            size = os.stat(self.path).st_size
        except OSError:
            return
        maybe_rotate(self, size)

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
        target = move_aside(self.path, label)
        with contextlib.suppress(OSError):
            index_path(self.path).unlink()  # describes the journal moved aside: the next one starts its own
        return target

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
        """Operations a change of which may still land (in flight, submitted, unverified, ...), oldest
        first; only their records are read (the index knows which they may be)."""
        return self._reader.unfinished()

    def operation(self, ref: str) -> OperationRecord:
        """Find an operation by id or unique id prefix (`latest` for the newest); reads only its records."""
        return self._reader.operation(ref)

    def operations_touching(self, resources: Iterable[str]) -> list[OperationRecord]:
        """What decides the journaled state of `resources` (resource ids, or origin names): for each,
        the operations whose plan touches it, newest back to its newest that succeeded; oldest first.
        A drain's priors and a restore need no more (`mcctl.domain.frontdoor.prior_from_history`)."""
        return self._reader.touching(resources)

    def operations_not_over(self) -> list[OperationRecord]:
        """Every operation that may not be over — a change of it may still land, or it has not ended,
        or it ended part way (partial, stopped, interrupted, timeout, submitted ...) — and each of
        their children (the rollback that may have put it back); oldest first. What `status` lists
        as open is among these (each caller still checks `status` exactly)."""
        return self._reader.not_over()

    def children(self, op_id: str) -> list[OperationRecord]:
        """The operations whose parent is `op_id` (its rollbacks, reverts, a drill's steps), oldest first."""
        return self._reader.children(op_id)

    def ids(self) -> list[str]:
        """Every operation's id, oldest first, from the index (no operation is read): completion."""
        return self._reader.ids()

    def latest(self, count: int) -> list[OperationRecord]:
        """The newest `count` operations, oldest first."""
        return self._reader.latest(count)

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
        self.parsed += 1
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
        self.warn(f"journal {self.path}: line {number}: {why}; skipped")

    def warn(self, message: str) -> None:
        """Report `message` once (each reader of the journal shows what it had to skip)."""
        if self.collecting is not None:
            self.collecting.append(message)
        if message in self.warnings:
            return
        self.warnings.append(message)
        if self._on_warning is not None:
            self._on_warning(message)


def aside_name(path: Path, label: str) -> Path:
    """`NAME.LABEL-<UTC time>` next to `path`, numbered (`-002`, ...: they sort) if that exists."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n:03d}")
    return target


def move_aside(path: Path, label: str) -> Path | None:
    """Rename `path` to `NAME.LABEL-<UTC time>` next to it (a number added if that exists); None:
    there was no file. A failure is a usage error naming the file (nothing else was changed)."""
    target = aside_name(path, label)
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


def _write_line(fd: int, line: bytes, path: Path) -> bool:
    """Append `line`; False: the file was rotated while this waited for the lock (write to the new one)."""
    import fcntl

    # Exclusive: two processes appending at once must not interleave a newline repair with a record.
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        if os.stat(path).st_ino != os.fstat(fd).st_ino:
            return False
    except FileNotFoundError:
        return False
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        line = b"\n" + line  # close a torn last line, so it cannot swallow this record
    view = memoryview(line)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)
    return True


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
