"""The operator lease: one estate-wide lock, so two operators never change the same estate at once.

With `lock:` in the estate file it is a **blob lease** (as Terraform's azurerm backend locks its
state): a 60-second lease on one blob, renewed while an operation runs, released at the end (also
on Ctrl-C); if the process dies the lease simply runs out. Who holds it (actor, host, pid,
operation, command, expiry) is written to the blob's metadata, so `mcctl lock status` and a
refused second operator can name them. Without `lock:` it is a **local lock file** under the
state dir, which only protects this machine (the caller warns; `shared` is False).

`mcctl lock acquire` takes an infinite lease for a manual maintenance window and remembers its
lease id in the state dir; mcctl operations run from the same account on the same machine join
that hold instead of being refused by it, and leave it held.

This module is what callers use (the protocol, `open_lease`, `make_holder`, `holding`); the kinds
live in `lease_blob.py` and `lease_file.py` over `lease_base.py`, manual holds in `lease_hold.py`,
and the holder, status and refusal values in `mcctl/domain/lease.py`.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from mcctl.domain.lease import HELD_STATES, LeaseHolder, LockStatus, iso
from mcctl.errors import McctlError
from mcctl.ops.lease_base import Clock
from mcctl.ops.lease_blob import BlobLease
from mcctl.ops.lease_file import LOCAL_LEASE_SECONDS, LocalFileLease
from mcctl.ops.lease_hold import LockSite, forget_hold, local_lock_path, remember_hold, saved_hold

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate

__all__ = [
    "HELD_STATES",
    "KEEPALIVE_SECONDS",
    "LOCAL_LEASE_SECONDS",
    "LOCAL_LOCK_WARNING",
    "BlobLease",
    "Clock",
    "LeaseHolder",
    "LocalFileLease",
    "LockSite",
    "LockStatus",
    "OperatorLease",
    "forget_hold",
    "holding",
    "iso",
    "local_lock_path",
    "make_holder",
    "open_lease",
    "remember_hold",
    "saved_hold",
]

LOCAL_LOCK_WARNING = (
    "no `lock:` in the estate file: using a local lock file, which only stops operators on this machine"
)
KEEPALIVE_SECONDS = 5.0  # wall-clock cadence of the keep-alive thread while a lease is held


class OperatorLease(Protocol):
    kind: str
    location: str
    estate: str
    simulated: bool
    shared: bool  # False: a local lock file, which only protects this machine
    lease_id: str | None
    takeover: str | None  # an operation whose dead holder (on this machine) may be taken over

    def acquire(self, holder: LeaseHolder, *, indefinite: bool = False) -> None:
        """Take the lease or raise LockHeld (exit 8) naming the holder. `indefinite`: no expiry
        (a manual maintenance window; released only by `mcctl lock release` or `lock break`)."""

    def renew_if_due(self) -> None:
        """Cheap; call it at every poll. Renews once half the lease has passed (session clock)."""

    def release(self) -> bool:
        """Idempotent. True when our lease was released, False when there was none of ours."""

    def status(self) -> LockStatus: ...

    def break_lock(self) -> LockStatus:
        """Break whoever holds it; returns the status before the break."""

    def attach(self, lease_id: str) -> None:
        """Act on a lease acquired by an earlier process (`mcctl lock release`)."""


def open_lease(session: AzureSession, estate: Estate) -> OperatorLease:
    """The estate's lease: the configured blob, else a local lock file under the state dir."""
    simulated = session.simulated
    if estate.lock is not None:
        return BlobLease(
            session, estate.lock, estate=estate.name, simulated=simulated, clock=session.now, wall=session.clock.wall
        )
    return LocalFileLease(
        local_lock_path(estate.name, simulated), estate=estate.name, simulated=simulated, clock=session.now
    )


def make_holder(session: AzureSession, operation: str | None, command: str) -> LeaseHolder:
    """This process as a lease holder: the signed-in identity, host and pid."""
    claims = session.identity()
    actor = claims.get("upn") or claims.get("unique_name") or claims.get("appid") or claims.get("oid") or "unknown"
    return LeaseHolder(actor, socket.gethostname(), os.getpid(), operation, command, iso(session.clock.wall()))


@contextmanager
def holding(lease: OperatorLease, holder: LeaseHolder) -> Iterator[OperatorLease]:
    """Hold the lease for the block; always released, also on Ctrl-C (KeyboardInterrupt).

    A keep-alive thread renews it every few seconds of wall time, so a long blocking call (a health
    gate, a slow read) never lets it lapse; LRO polls renew it too (in simulated time as well).
    """
    lease.acquire(holder)
    stop = threading.Event()

    def keep_alive() -> None:
        while not stop.wait(KEEPALIVE_SECONDS):
            try:
                lease.renew_if_due()
            except McctlError:
                return  # recorded by the lease; the operation's next renewal raises it

    thread = threading.Thread(target=keep_alive, name="mcctl-lease-keepalive", daemon=True)
    thread.start()
    try:
        yield lease
    except BaseException:
        stop.set()
        thread.join(timeout=KEEPALIVE_SECONDS)
        # The block's own error is what the operator must see; a lease that cannot be released
        # now runs out on its own within a minute.
        with contextlib.suppress(McctlError):
            lease.release()
        raise
    stop.set()
    thread.join(timeout=KEEPALIVE_SECONDS)
    lease.release()
