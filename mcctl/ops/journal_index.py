"""The journal's index: where each operation's records lie, so a reader loads only what it needs.

`NAME.jsonl.index` (JSON, next to the journal) holds, per operation in file order: its id, kind,
parent, whether it was refused, the resources its plan touches, whether a change of it may still
land, and the byte span and line number of each of its records. It covers the journal up to its
last newline (`size`) and carries a fingerprint of the bytes at both ends of that span.

The index is a cache: the journal stays the record. A reader catches the index up with the lines
appended since (usually the last command's few records), and rebuilds it from the journal when it
is missing (an old journal), damaged, of another version, or no longer matches the file (moved
aside, rotated, edited). Writing it is best effort: a read-only state dir only costs a full parse.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcctl.ops.journal_records import UNCERTAIN_STEP_STATUSES, OperationStatus, RecordType

INDEX_VERSION = 1
_FINGERPRINT_BYTES = 4096

# Ends after which an operation is over: nothing to resume (`succeeded` after `submitted` is only
# known by reading its records, so `submitted` is not among them).
_OVER = frozenset(
    {OperationStatus.SUCCEEDED, OperationStatus.FAILED, OperationStatus.REFUSED, OperationStatus.CANCELLED}
)

# (line number, record) from the journal's own parser, or None when the line cannot be read.
Parser = Callable[[int, bytes], dict[str, Any] | None]
Warn = Callable[[int, str], None]


class IndexDamaged(ValueError):
    """The index file cannot be trusted (its reason is the message)."""


@dataclass
class IndexEntry:
    """One operation: where its records are, and what a reader selects it by."""

    id: str
    kind: str | None
    parent: str | None
    refused: bool
    steps_total: int
    touches: tuple[str, ...]
    spans: list[int] = field(default_factory=list)  # offset, length, line number of each record, flat
    pending: set[int] = field(default_factory=set)  # steps whose last record is an intent (in flight)
    doubtful: set[int] = field(default_factory=set)  # steps whose last outcome may still land
    ended: bool = False  # an end record, and no intent since (a resume that died reopens it)
    end_status: str | None = None  # the status of its last end record

    @property
    def may_not_be_over(self) -> bool:
        """Its status may be one a resume or rollback acts on (not ended, or ended part way), or a
        change of it may still land (`Journal.operations_not_over`)."""
        if self.refused:
            return False
        return self.may_be_unfinished or not self.ended or self.end_status not in _OVER

    @property
    def may_be_unfinished(self) -> bool:
        """The same test as `OperationRecord.unfinished`, from what the index keeps."""
        return not self.refused and bool(self.pending or self.doubtful)

    def add(self, record: dict[str, Any], span: tuple[int, int, int]) -> None:
        self.spans += span
        step: int = record.get("step", -1)  # intents and outcomes have one (checked on reading)
        if record["type"] == RecordType.END:
            self.ended, self.end_status = True, record["status"]
        elif record["type"] == RecordType.INTENT:
            self.ended = False
            self.pending.add(step)
        elif record["type"] == RecordType.OUTCOME:
            self.pending.discard(step)
            if record["status"] in UNCERTAIN_STEP_STATUSES:
                self.doubtful.add(step)
            else:
                self.doubtful.discard(step)


def _touches(header: dict[str, Any]) -> tuple[str, ...]:
    """What the plan's steps change: resource ids and the names readers select by (e.g. an origin)."""
    found: set[str] = set()
    for step in header.get("plan", {}).get("steps", []):
        if not isinstance(step, dict):
            continue
        for value in (step.get("resource_id"), (step.get("params") or {}).get("origin")):
            if isinstance(value, str) and value:
                found.add(value)
    return tuple(sorted(found))


@dataclass
class JournalIndex:
    """The index of one journal file, as far as `size` bytes of it."""

    size: int = 0
    lines: int = 0
    head: str = ""
    tail: str = ""
    entries: dict[str, IndexEntry] = field(default_factory=dict)
    orphans: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)

    # -- folding records, in file order (the same rules as `Journal.operations`) ----------------
    def feed(self, number: int, offset: int, raw: bytes, parse: Parser, warn: Warn) -> None:
        record = parse(number, raw)
        if record is None:
            return
        op_id = record.get("op")
        if not isinstance(op_id, str):
            return
        kind = record["type"]
        span = (offset, len(raw), number)
        if kind == RecordType.OPERATION:
            if op_id in self.entries:
                warn(number, f"a second header for operation {op_id}")
                return
            steps = record["plan"].get("steps", [])
            entry = IndexEntry(
                id=op_id,
                kind=record.get("kind") if isinstance(record.get("kind"), str) else None,
                parent=record.get("parent") if isinstance(record.get("parent"), str) else None,
                refused=record.get("status") == OperationStatus.REFUSED,
                steps_total=len(steps) if isinstance(steps, list) else 0,
                touches=_touches(record),
            )
            entry.spans += span
            self.entries[op_id] = entry
            return
        found = self.entries.get(op_id)
        if found is None:
            if kind != RecordType.EVENT and op_id not in self.orphans:
                self.orphans.add(op_id)
                warn(number, f"records of operation {op_id} whose header is missing")
            return
        step = record.get("step")
        if kind in (RecordType.INTENT, RecordType.OUTCOME) and isinstance(step, int) and step >= found.steps_total:
            warn(number, f"step {step} of operation {op_id}, whose plan has {found.steps_total} steps")
            return
        found.add(record, span)

    def catch_up(self, data: bytes, start: int, parse: Parser, warn: Warn) -> None:
        """Fold the complete lines of `data` (the journal's bytes from offset `start` = `size`)."""
        position = 0
        while True:
            end = data.find(b"\n", position)
            if end < 0:
                break
            self.lines += 1
            raw = data[position:end]
            if raw.strip():
                self.feed(self.lines, start + position, raw, parse, warn)
            position = end + 1
        self.size = start + position

    # -- the file ------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        table: dict[str, int] = {}
        ops = []
        for e in self.entries.values():
            touched = [table.setdefault(t, len(table)) for t in e.touches]
            flat = e.spans
            ops.append(
                [
                    e.id,
                    e.kind,
                    e.parent,
                    e.refused,
                    e.steps_total,
                    touched,
                    flat,
                    sorted(e.pending),
                    sorted(e.doubtful),
                    e.ended,
                    e.end_status,
                ]
            )
        return {
            "version": INDEX_VERSION,
            "size": self.size,
            "lines": self.lines,
            "head": self.head,
            "tail": self.tail,
            "touches": list(table),
            "ops": ops,
            "orphans": sorted(self.orphans),
            "warnings": self.warnings,
        }

    @classmethod
    def from_json(cls, data: Any) -> JournalIndex:
        """Read an index document; anything unexpected is `IndexDamaged` (never another error)."""
        try:
            if not isinstance(data, dict) or data.get("version") != INDEX_VERSION:
                raise IndexDamaged(f"version {data.get('version') if isinstance(data, dict) else None!r}")
            touches = [_text(t) for t in data["touches"]]
            index = cls(
                size=_count(data["size"]),
                lines=_count(data["lines"]),
                head=_text(data["head"]),
                tail=_text(data["tail"]),
                orphans={_text(o) for o in data["orphans"]},
                warnings=[_text(w) for w in data["warnings"]],
            )
            # Only what selection reads is checked here (5,000 operations load in a few ms); a span is
            # checked when its operation is read (`spans_of`: one that does not fit means a rebuild).
            for row in data["ops"]:
                op_id, kind, parent, refused, steps_total, touched, flat, pending, doubtful, ended, end_status = row
                if not isinstance(op_id, str) or not isinstance(flat, list) or not flat:
                    raise IndexDamaged(f"operation {op_id!r}: no id or no records")
                index.entries[op_id] = IndexEntry(
                    id=op_id,
                    kind=kind if isinstance(kind, str) else None,
                    parent=parent if isinstance(parent, str) else None,
                    refused=refused is True,
                    steps_total=steps_total if isinstance(steps_total, int) else 0,
                    touches=tuple(touches[t] for t in touched),
                    spans=flat,
                    pending=set(pending),
                    doubtful=set(doubtful),
                    ended=ended is True,
                    end_status=end_status if isinstance(end_status, str) else None,
                )
            return index
        except IndexDamaged:
            raise
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            raise IndexDamaged(f"{type(exc).__name__}: {exc}") from None


def spans_of(entry: IndexEntry, size: int) -> list[tuple[int, int, int]]:
    """The (offset, length, line number) of each record of `entry`, within the first `size` bytes;
    `IndexDamaged` when they are not."""
    flat = entry.spans
    if len(flat) % 3:
        raise IndexDamaged(f"operation {entry.id}: spans are not triples")
    spans = [(_count(flat[i]), _count(flat[i + 1]), _count(flat[i + 2])) for i in range(0, len(flat), 3)]
    if any(offset + length > size for offset, length, _ in spans):
        raise IndexDamaged(f"operation {entry.id}: a record past the end of the journal")
    return spans


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise IndexDamaged(f"{value!r} is not text")
    return value


def _count(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise IndexDamaged(f"{value!r} is not a count")
    return value


def index_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".index")


def fingerprint(fd: int, size: int) -> tuple[str, str]:
    """Digests of the first and the last bytes of the journal's first `size` bytes."""
    head = os.pread(fd, min(size, _FINGERPRINT_BYTES), 0)
    start = max(0, size - _FINGERPRINT_BYTES)
    tail = os.pread(fd, size - start, start)
    return hashlib.sha256(head).hexdigest()[:32], hashlib.sha256(tail).hexdigest()[:32]


def load_index(path: Path) -> JournalIndex | None:
    """The stored index (None: there is none). `IndexDamaged`: one exists but cannot be read."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IndexDamaged(exc.strerror or str(exc)) from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise IndexDamaged(f"not JSON ({type(exc).__name__})") from None
    return JournalIndex.from_json(data)


def save_index(path: Path, index: JournalIndex) -> bool:
    """Write the index atomically (a reader sees the old one or the new one); False: it could not be
    written (a cache: the next reader rebuilds or catches up)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(index.to_json(), separators=(",", ":")))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True
