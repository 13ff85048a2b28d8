"""The local lock file: the operator lease when the estate file has no `lock:`. It only stops
operators on this machine (`shared` is False; the caller warns)."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mcctl.domain.lease import LeaseHolder, LockStatus, lock_file_record, lock_file_state, lock_file_status
from mcctl.ops.lease_base import Clock, LeaseBase, process_alive

LOCAL_LEASE_SECONDS = 60


class LocalFileLease(LeaseBase):
    """A JSON file (holder, expiry) created with O_EXCL; taken over only when expired, or when its
    holder process on this host is gone. Every change happens under an flock on a guard file, so
    two takers of a stale lock cannot both win. Expiry is wall time."""

    kind = "local"
    shared = False

    def __init__(
        self,
        path: Path,
        *,
        estate: str,
        simulated: bool,
        clock: Clock,
        wall: Clock = time.time,
        lease_seconds: int = LOCAL_LEASE_SECONDS,
        host: str | None = None,
    ) -> None:
        super().__init__(
            estate=estate, simulated=simulated, location=str(path), lease_seconds=lease_seconds, clock=clock
        )
        self.path = path
        self._wall = wall
        self._host = host or socket.gethostname()

    @contextmanager
    def _guarded(self) -> Iterator[dict[str, Any] | None]:
        """Exclusive access; yields the current lock record (None: no lock file)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{self.path}.guard", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield self._read()
        finally:
            os.close(fd)  # closing releases the flock

    def _read(self) -> dict[str, Any] | None:
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {}  # torn or foreign: nobody can be named, so it counts as abandoned
        return record if isinstance(record, dict) else {}

    def _state(self, record: dict[str, Any] | None) -> str:
        return lock_file_state(record, wall=self._wall, host=self._host, alive=process_alive)

    def _status_of(self, record: dict[str, Any] | None) -> LockStatus:
        return lock_file_status(self.location, record, self._state(record))

    def _record(self, lease_id: str, holder: LeaseHolder, indefinite: bool) -> dict[str, Any]:
        return lock_file_record(lease_id, holder, None if indefinite else self._wall() + self.lease_seconds)

    def _acquire(self, lease_id: str, holder: LeaseHolder, indefinite: bool) -> None:
        with self._guarded() as record:
            if record is not None:
                if self._state(record) == "leased":
                    raise self._held_error(self._status_of(record))
                self.path.unlink(missing_ok=True)  # expired or abandoned: take it over
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # created by something not using the guard
                raise self._held_error(self._status_of(self._read())) from None
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._record(lease_id, holder, indefinite), fh)
                fh.flush()
                os.fsync(fh.fileno())

    def _renew(self) -> None:
        assert self._holder is not None
        with self._guarded() as record:
            if not record or record.get("lease_id") != self.lease_id:
                status = self._status_of(record)
                raise self._lost_error(
                    f"the lock file now says {status.state}"
                    + (f", held by {status.holder.actor}" if status.holder else "")
                )
            updated = {**record, **self._record(str(self.lease_id), self._holder, False)}
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(updated), encoding="utf-8")
            os.replace(tmp, self.path)

    def _release(self) -> bool:
        with self._guarded() as record:
            if record and record.get("lease_id") == self.lease_id:
                self.path.unlink(missing_ok=True)
                return True
            return False

    def _owns(self, lease_id: str) -> bool:
        with self._guarded() as record:
            return record is not None and record.get("lease_id") == lease_id and self._state(record) == "leased"

    def status(self) -> LockStatus:
        with self._guarded() as record:
            return self._status_of(record)

    def break_lock(self) -> LockStatus:
        with self._guarded() as record:
            before = self._status_of(record)
            if before.held:
                self.path.unlink(missing_ok=True)
            return before
