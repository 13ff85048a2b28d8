"""Bounded reads of the journal: the index says where an operation's records are, and only those are
read and parsed. `Journal.operations()` still reads everything (for the readers that need all).

A damaged or missing index is rebuilt from the journal (a damaged one with a warning); an index
that disagrees with the file it describes (the journal was moved aside, rotated or edited) is
rebuilt silently. A record that is not where the index says it is makes the read start over from a
rebuilt index, once; failing that, the read falls back to the full parse.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcctl.errors import UsageError
from mcctl.ops.journal_index import (
    IndexDamaged,
    IndexEntry,
    JournalIndex,
    Parser,
    fingerprint,
    index_path,
    load_index,
    save_index,
    spans_of,
)
from mcctl.ops.journal_records import OperationRecord, OperationStatus, RecordType

if TYPE_CHECKING:
    from mcctl.ops.journal import Journal


@dataclass(frozen=True)
class Kept:
    ids: tuple[str, ...]
    dropped: int
    spans: list[tuple[int, int]]


class _NotHere(Exception):
    """No operation of the live journal matches the reference."""


class _Stale(Exception):
    """A record is not where the index says: the index no longer describes the file."""


# The index each journal file had when this process last read it (a command builds several Journal
# objects of the same file: each would otherwise load the index again).
_SHARED: dict[Path, JournalIndex] = {}
_LOCK = threading.RLock()


def forget_indexes() -> None:
    """Forget the indexes this process used (read them again from disk, as a new process would)."""
    with _LOCK:
        _SHARED.clear()


def _describes(index: JournalIndex, fd: int, size: int) -> bool:
    return index.size <= size and fingerprint(fd, index.size) == (index.head, index.tail)


class IndexedReader:
    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.rebuilt: str | None = None  # why the index was last rebuilt (tests and the benchmark read it)
        self._index: JournalIndex | None = None
        self._tail_fed = False  # the in-memory index holds a torn last line the file does not (yet) end

    # -- what readers ask for ------------------------------------------------------------------
    def operation(self, ref: str) -> OperationRecord:
        def pick(index: JournalIndex) -> list[IndexEntry]:
            entries = list(index.entries.values())
            if ref == "latest":
                if not entries:
                    raise UsageError("OP: the journal is empty")
                return entries[-1:]
            if ref in index.entries:
                return [index.entries[ref]]
            matches = [e for e in entries if e.id.startswith(ref)]
            if not matches:
                raise _NotHere(ref)
            if len(matches) > 1:
                raise UsageError(f"OP: '{ref}' matches {len(matches)} operations; give more of the id")
            return matches

        try:
            found = self._select(pick)
        except _NotHere:
            found = None
        if found:
            return found[0]
        if ref == "latest":  # there is no journal
            raise UsageError("OP: the journal is empty")
        archived = self._archived(ref)
        if archived is None:
            raise UsageError(f"OP: no operation '{ref}' in the journal ({self.journal.path})")
        return archived

    def unfinished(self) -> list[OperationRecord]:
        found = self._select(lambda index: [e for e in index.entries.values() if e.may_be_unfinished])
        return [op for op in found or [] if op.unfinished]

    def not_over(self) -> list[OperationRecord]:
        def pick(index: JournalIndex) -> list[IndexEntry]:
            open_ids = {e.id for e in index.entries.values() if e.may_not_be_over}
            return [e for e in index.entries.values() if e.id in open_ids or e.parent in open_ids]

        return self._select(pick) or []

    def children(self, op_id: str) -> list[OperationRecord]:
        return self._select(lambda index: [e for e in index.entries.values() if e.parent == op_id]) or []

    def ids(self) -> list[str]:
        with self._open() as fd:
            return [] if fd is None else list(self._caught_up(fd).entries)

    def latest(self, count: int) -> list[OperationRecord]:
        return self._select(lambda index: list(index.entries.values())[-count:] if count > 0 else []) or []

    def touching(self, resources: Iterable[str]) -> list[OperationRecord]:
        wanted = set(resources)
        with self._open() as fd:
            if fd is None:
                return []
            for _ in range(2):
                index = self._caught_up(fd)
                try:
                    return self._touching(fd, index, wanted)
                except _Stale:
                    self._discard("a record was not where the index said")
        return [op for op in self.journal.operations() if wanted & set(_touched(op))]  # pragma: no cover

    def _touching(self, fd: int, index: JournalIndex, wanted: set[str]) -> list[OperationRecord]:
        open_keys = set(wanted)
        found: list[OperationRecord] = []
        for entry in reversed(index.entries.values()):
            if not open_keys:
                break
            keys = open_keys.intersection(entry.touches)
            if not keys:
                continue
            record = self._load(fd, entry)
            found.append(record)
            if record.status is OperationStatus.SUCCEEDED:
                open_keys -= keys  # what it set is where each of its resources stands
        return found[::-1]

    def _archived(self, ref: str) -> OperationRecord | None:
        """An operation rotation left only in an archive (newest archive first)."""
        from mcctl.ops.journal import Journal
        from mcctl.ops.journal_rotation import archives

        for archive in reversed(archives(self.journal.path)):
            older = Journal(archive, self.journal._on_warning, simulated=self.journal.simulated)
            try:
                return older._reader.operation(ref)
            except UsageError as exc:
                if "matches" in exc.message:
                    raise
        return None

    def forget(self) -> None:
        """Drop the in-memory index (the file was rotated: the next read rebuilds)."""
        self._index, self._tail_fed = None, False
        _SHARED.pop(self.journal.path, None)

    def kept_on_rotation(self, fd: int, keep_recent: int) -> Kept:
        """What rotation carries into the new journal (see `journal_rotation`); `fd` is locked."""
        with _LOCK:
            return self._kept_retrying(fd, keep_recent)

    def _kept_retrying(self, fd: int, keep_recent: int) -> Kept:
        for _ in range(2):
            try:
                return self._kept(fd, self._caught_up(fd), keep_recent)
            except (_Stale, IndexDamaged):
                self._discard("a record was not where the index said")
        raise UsageError(f"journal: {self.journal.path} changed while it was being rotated; nothing was changed")

    def _kept(self, fd: int, index: JournalIndex, keep_recent: int) -> Kept:
        entries = list(index.entries.values())
        keep = {e.id for e in entries if e.may_be_unfinished or not e.ended}
        keep |= {e.id for e in entries[-keep_recent:]} if keep_recent > 0 else set()
        every = {t for e in entries for t in e.touches}
        keep |= {op.id for op in self._touching(fd, index, every)}
        todo = list(keep)
        while todo:  # a kept rollback or drill step keeps what it belongs to
            parent = index.entries[todo.pop()].parent
            if parent in index.entries and parent not in keep:
                keep.add(parent)
                todo.append(parent)
        kept = [e for e in entries if e.id in keep]
        size = os.fstat(fd).st_size
        spans = [(offset, length) for e in kept for offset, length, _ in spans_of(e, size)]
        spans = [(offset, length) for offset, length in spans if offset + length <= index.size]  # not a torn line
        return Kept(tuple(e.id for e in kept), len(entries) - len(kept), spans)

    # -- the index -----------------------------------------------------------------------------
    def _select(self, pick: Callable[[JournalIndex], list[IndexEntry]]) -> list[OperationRecord] | None:
        """Load what `pick(index)` selects; None: there is no journal."""
        with self._open() as fd:
            if fd is None:
                return None
            for _ in range(2):
                index = self._caught_up(fd)
                try:
                    return [self._load(fd, entry) for entry in pick(index)]
                except _Stale:
                    self._discard("a record was not where the index said")
        ops = {op.id: op for op in self.journal.operations()}  # pragma: no cover - a file changing under us
        return [ops[e.id] for e in pick(self._index or JournalIndex()) if e.id in ops]  # pragma: no cover

    @contextmanager
    def _open(self) -> Iterator[int | None]:
        path = self.journal.path
        with _LOCK:  # parallel step groups read from threads; the shared index is folded by one at a time
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                yield None
                return
            except OSError as exc:
                raise UsageError(f"journal: cannot read {path}: {exc.strerror or exc}") from None
            try:
                yield fd
            except OSError as exc:  # e.g. the journal's path is a directory: open() let it through
                raise UsageError(f"journal: cannot read {path}: {exc.strerror or exc}") from None
            finally:
                os.close(fd)

    def _discard(self, why: str) -> None:
        self.forget()
        self.rebuilt = why
        with contextlib.suppress(OSError):
            index_path(self.journal.path).unlink()

    def _stored(self, fd: int, size: int) -> JournalIndex:
        """The index this process last used for the file, else the stored one, else a new one; each
        only if it still describes the file's first bytes."""
        path = self.journal.path
        index = _SHARED.get(path)
        if index is None:
            try:
                index = load_index(index_path(path))
            except IndexDamaged as exc:
                self.journal.warn(f"journal index {index_path(path)}: damaged ({exc}); rebuilt from the journal")
                self.rebuilt = f"damaged: {exc}"
        if index is not None and not _describes(index, fd, size):
            self.rebuilt, index = "the journal no longer matches its index", None
        if index is None:
            self.rebuilt = self.rebuilt or "missing"
            return JournalIndex()
        for message in index.warnings:  # what the lines indexed before had to skip, as a full read says
            self.journal.warn(message)
        return index

    def _caught_up(self, fd: int) -> JournalIndex:
        """The index, caught up with the journal's complete lines (and, in memory, a torn last one)."""
        journal = self.journal
        size = os.fstat(fd).st_size
        index = None if self._tail_fed else self._index
        if index is None:
            index = self._stored(fd, size)
        elif not _describes(index, fd, size):
            self.rebuilt, index = "the journal no longer matches its index", JournalIndex()
        start = index.size
        data = os.pread(fd, size - start, start) if size > start else b""
        if data:
            journal.collecting = index.warnings  # kept with the index: later bounded reads still say them
            try:
                index.catch_up(data, start, lambda n, raw: journal._parse(n, raw, last=False), journal._warn)
            finally:
                journal.collecting = None
            if index.size > start:
                index.head, index.tail = fingerprint(fd, index.size)
                save_index(index_path(journal.path), index)
        self._index, self._tail_fed = index, False
        _SHARED[journal.path] = index  # another Journal of this file in this process starts from it
        torn = data[index.size - start :] if data else b""
        if torn.strip():
            # A process killed mid-write leaves this; as the full read, take it if it reads (in memory only).
            _SHARED.pop(journal.path, None)
            self._tail_fed = True
            parse: Parser = lambda n, raw: journal._parse(n, raw, last=True)  # noqa: E731
            index.feed(index.lines + 1, index.size, torn, parse, journal._warn)
        return index

    def _load(self, fd: int, entry: IndexEntry) -> OperationRecord:
        records = []
        try:
            spans = spans_of(entry, os.fstat(fd).st_size)
        except IndexDamaged:
            raise _Stale(entry.id) from None
        for offset, length, number in spans:
            raw = os.pread(fd, length, offset)
            record = self.journal._parse(number, raw, last=False) if len(raw) == length else None
            if record is None or record.get("op") != entry.id:
                raise _Stale(entry.id)
            records.append(record)
        if records[0]["type"] != RecordType.OPERATION:
            raise _Stale(entry.id)
        operation = OperationRecord(entry.id, records[0], records=[records[0]])
        for record in records[1:]:
            operation.add(record)
        return operation


def _touched(record: OperationRecord) -> list[str]:
    steps = record.header.get("plan", {}).get("steps", [])
    found = []
    for step in steps if isinstance(steps, list) else []:
        if isinstance(step, dict):
            found += [step.get("resource_id"), (step.get("params") or {}).get("origin")]
    return [f for f in found if isinstance(f, str)]
