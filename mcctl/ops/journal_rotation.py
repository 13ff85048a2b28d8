"""Rotation and retention of the journal: it never grows without bound, and never loses what a
reader still needs.

When the journal passes `MCCTL_JOURNAL_ROTATE_MB` (default 64; 0: never) a new operation first
rotates it (also `mcctl journal rotate`): the whole file is kept as `NAME.jsonl.rotated-<UTC time>`
(read by `journal show`, `rollback` and `resume` when an id is not in the live journal), and the
live journal restarts with the records of the operations still needed:

- every operation a change of which may still land, or that has not ended (a live process may
  still append to it) — rotation NEVER drops an unfinished operation;
- for every resource any operation touched, the operations that decide its journaled state (newest
  back to its newest that succeeded: a drained origin keeps the prior a restore puts back);
- the newest `keep_recent` operations, and the parents of everything kept.

Retention: the newest `keep_archives` rotated files are kept (default 5), older ones deleted (they
hold only operations that were copied forward when unfinished). The rotation holds the journal's
exclusive lock; an appender that waited on the old file sees it replaced and writes to the new one.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mcctl.errors import UsageError
from mcctl.ops.journal_index import index_path

if TYPE_CHECKING:
    from mcctl.ops.journal import Journal

ROTATE_ENV = "MCCTL_JOURNAL_ROTATE_MB"
DEFAULT_ROTATE_MB = 64.0
KEEP_RECENT = 200
KEEP_ARCHIVES = 5
ARCHIVE_LABEL = "rotated"


@dataclass(frozen=True)
class Rotation:
    archive: Path | None  # the whole journal as it was (None: every operation was still needed, nothing moved)
    kept: tuple[str, ...]  # the operations carried into the new journal, oldest first
    dropped: int  # operations left only in the archive
    bytes_before: int
    bytes_after: int
    deleted: tuple[Path, ...]  # archives past retention

    def to_dict(self) -> dict[str, object]:
        return {
            "archive": str(self.archive) if self.archive is not None else None,
            "kept": list(self.kept),
            "dropped": self.dropped,
            "bytes_before": self.bytes_before,
            "bytes_after": self.bytes_after,
            "deleted_archives": [str(p) for p in self.deleted],
        }


def rotate_at_bytes() -> int | None:
    """The size past which a new operation rotates the journal (None: never)."""
    raw = os.environ.get(ROTATE_ENV, "").strip()
    if not raw:
        return int(DEFAULT_ROTATE_MB * 1024 * 1024)
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0 or value == float("inf"):
        raise UsageError(f"{ROTATE_ENV}: must be a number of MiB ≥ 0 (0: never rotate), not {raw!r}")
    return int(value * 1024 * 1024) or None


def archives(path: Path) -> list[Path]:
    """The rotated archives of the journal at `path`, oldest first."""
    prefix = f"{path.name}.{ARCHIVE_LABEL}-"
    found = [p for p in path.parent.glob(f"{path.name}.{ARCHIVE_LABEL}-*") if not p.name.endswith(".index")]
    return sorted(p for p in found if p.name.startswith(prefix))


def rotate(journal: Journal, keep_recent: int = KEEP_RECENT, keep_archives: int = KEEP_ARCHIVES) -> Rotation | None:
    """Rotate now (None: there is no journal). A failure is a usage error naming the file; the
    journal is then as it was. Another process rotating it meanwhile is no failure: the journal it
    left is the one looked at (usually with nothing left to drop)."""
    for _ in range(RACES):
        try:
            return _rotate_once(journal, keep_recent, keep_archives)
        except _RotatedMeanwhile:
            continue
    raise UsageError(f"journal: {journal.path} kept being rotated by other processes; nothing was changed")


RACES = 5  # attempts when other processes rotate the journal between our open and our lock


class _RotatedMeanwhile(Exception):
    pass


def _rotate_once(journal: Journal, keep_recent: int, keep_archives: int) -> Rotation | None:
    import fcntl

    path = journal.path
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"journal: cannot rotate {path}: {exc.strerror or exc}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # no record lands while the kept ones are copied
        if os.fstat(fd).st_ino != _inode(path):
            raise _RotatedMeanwhile
        size = os.fstat(fd).st_size
        kept = journal._reader.kept_on_rotation(fd, keep_recent)
        if not kept.dropped:  # a copy of the same journal would only add an archive
            return Rotation(None, kept.ids, 0, size, size, ())
        data = b"".join(os.pread(fd, length, offset) + b"\n" for offset, length in sorted(kept.spans))
        archive = _archive_name(path)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.rotating")
        try:
            _write_new(tmp, data)
            os.link(path, archive)  # the old file stays complete and readable under its new name
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise UsageError(
                f"journal: cannot rotate {path}: {exc.strerror or exc}", hint=f"make {path.parent} writable"
            ) from None
        with contextlib.suppress(OSError):
            os.replace(index_path(path), index_path(archive))  # still describes the archive's bytes
    finally:
        os.close(fd)  # also releases the lock
    journal._reader.forget()
    deleted = _retain(path, keep_archives)
    return Rotation(archive, kept.ids, kept.dropped, size, len(data), deleted)


def maybe_rotate(journal: Journal, size: int) -> Rotation | None:
    """Before a new operation: rotate when the journal has grown past the threshold."""
    limit = rotate_at_bytes()
    if limit is None or size < limit:
        return None
    rotation = rotate(journal)
    if rotation is not None and rotation.archive is not None:
        journal.warn(
            f"journal {journal.path}: {size / 1048576:.1f} MiB ≥ {ROTATE_ENV}: rotated to {rotation.archive} "
            f"({len(rotation.kept)} operations carried forward)"
        )
        if rotation.bytes_after * 2 >= limit:  # the next few operations would rotate it again
            journal.warn(
                f"journal {journal.path}: what rotation must keep is {rotation.bytes_after / 1048576:.1f} MiB, "
                f"at least half of {ROTATE_ENV}: raise it, or rotate with a lower --keep-recent"
            )
    return rotation


def _inode(path: Path) -> int | None:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return None


def _archive_name(path: Path) -> Path:
    from mcctl.ops.journal import aside_name

    return aside_name(path, ARCHIVE_LABEL)


def _write_new(tmp: Path, data: bytes) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _retain(path: Path, keep: int) -> tuple[Path, ...]:
    old = archives(path)
    doomed = old[: max(0, len(old) - keep)]
    for archive in doomed:
        for p in (archive, index_path(archive)):
            with contextlib.suppress(OSError):
                p.unlink()
    return tuple(doomed)
