"""What both kinds of operator lease share: acquiring (or joining this machine's manual hold),
renewing at half-time from the keep-alive thread and LRO polls alike, and releasing once.

Each kind (`lease_blob.BlobLease`, `lease_file.LocalFileLease`) implements only the storage
actions: `_acquire`, `_renew`, `_release`, `_owns`, `status` and `break_lock`.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import Any

from mcctl.domain.lease import LeaseHolder, LockStatus, held_error, lost_error
from mcctl.errors import LockHeld, McctlError
from mcctl.ops.lease_hold import forget_hold, saved_hold

Clock = Callable[[], float]


class LeaseBase:
    kind: str
    shared: bool
    # The operation this run recovers (rolls back): if the process that ran it died on this
    # machine, its lease is ours to take at once, as a resume of that same operation may.
    takeover: str | None = None

    def __init__(self, *, estate: str, simulated: bool, location: str, lease_seconds: int, clock: Clock) -> None:
        self.estate = estate
        self.simulated = simulated
        self.location = location
        self.lease_seconds = lease_seconds
        self._clock = clock
        self.lease_id: str | None = None
        self.indefinite = False
        self.joined = False  # riding on this machine's manual hold: never released by us
        self._holder: LeaseHolder | None = None
        self._renewed_at = 0.0
        self._renew_lock = threading.Lock()  # the keep-alive thread and LRO polls renew concurrently
        self._lost: LockHeld | None = None

    # -- what each kind implements
    def _acquire(self, lease_id: str, holder: LeaseHolder, indefinite: bool) -> None:
        raise NotImplementedError

    def _renew(self) -> None:
        raise NotImplementedError

    def _release(self) -> bool:
        raise NotImplementedError

    def _owns(self, lease_id: str) -> bool:
        raise NotImplementedError

    def status(self) -> LockStatus:
        raise NotImplementedError

    def acquire(self, holder: LeaseHolder, *, indefinite: bool = False) -> None:
        self._lost = None
        if self.lease_id is not None:
            raise RuntimeError(f"the operator lease on {self.location} is already held by this process")
        if not indefinite and self._join_hold():
            return
        lease_id = str(uuid.uuid4())
        self._acquire(lease_id, holder, indefinite)
        self.lease_id, self.indefinite, self._holder = lease_id, indefinite, holder
        self._renewed_at = self._clock()

    def renew_if_due(self) -> None:
        with self._renew_lock:
            if self._lost is not None:
                raise self._lost  # lost while another thread renewed: every caller must hear it
            if self.lease_id is None or self.indefinite or self.joined:
                return
            self._renew_locked()

    def _renew_locked(self) -> None:
        now = self._clock()
        if now - self._renewed_at < self.lease_seconds / 2:
            return
        try:
            self._renew()
        except LockHeld as lost:
            self.lease_id = None  # lost: broken or taken over; nothing of ours to release any more
            self._lost = lost
            raise
        except McctlError:
            # A blip at the storage account must not abort a failover half-way: try again at the
            # next poll while the lease still has time left.
            if now - self._renewed_at < self.lease_seconds * 0.8:
                return
            raise
        self._renewed_at = now

    def release(self) -> bool:
        if self.lease_id is None:
            return False
        if self.joined:
            self.lease_id, self.joined = None, False
            return False
        try:
            return self._release()
        finally:
            self.lease_id = None

    def attach(self, lease_id: str) -> None:
        self.lease_id, self.indefinite, self.joined = lease_id, True, False

    def _join_hold(self) -> bool:
        hold = saved_hold(self)
        if hold is None:
            return False
        if self._owns(str(hold.get("lease_id"))):
            self.lease_id, self.joined = str(hold["lease_id"]), True
            return True
        forget_hold(self)  # broken or released elsewhere since: the record is stale
        return False

    def _held_error(self, status: LockStatus) -> LockHeld:
        holder = status.holder
        # A run that died here leaves a fixed-term lease (a manual hold's process is meant to be gone)
        gone = (
            holder is not None
            and status.expires_at is not None
            and holder.host == socket.gethostname()
            and not process_alive(holder.pid)
        )
        return held_error(status, estate=self.estate, simulated=self.simulated, holder_gone=gone)

    def _lost_error(self, why: str) -> LockHeld:
        return lost_error(self.estate, why)


def process_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError, ValueError):  # no such process; a damaged file's pid
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
