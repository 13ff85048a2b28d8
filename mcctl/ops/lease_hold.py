"""Manual holds (`mcctl lock acquire` / `lock release`): the lease id of a hold, kept in the state dir.

`mcctl lock acquire` takes an infinite lease for a maintenance window; its lease id is recorded
here so `mcctl lock release` can end it, and so operations run from this machine join the hold
instead of being refused by it. Also where the local lock file lives.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from mcctl.ops.lease import OperatorLease


def local_lock_path(estate_name: str, simulated: bool) -> Path:
    from mcctl.config.paths import state_dir

    return state_dir() / "locks" / f"{'sim-' if simulated else ''}{estate_name}.lock"


class LockSite(Protocol):
    """Which lock a manual hold is recorded for: every lease, also one still joining the hold."""

    @property
    def estate(self) -> str: ...

    @property
    def simulated(self) -> bool: ...

    @property
    def kind(self) -> str: ...

    @property
    def location(self) -> str: ...


def _hold_path(lease: LockSite) -> Path:
    return local_lock_path(lease.estate, lease.simulated).with_suffix(".held.json")


def remember_hold(lease: OperatorLease, reason: str) -> Path:
    """Keep the lease id of a manual hold so `mcctl lock release` (and our own operations) can use it."""
    path = _hold_path(lease)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"kind": lease.kind, "location": lease.location, "lease_id": lease.lease_id, "reason": reason}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # the lease id lets its owner release it
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(record, fh)
    os.replace(tmp, path)
    return path


def saved_hold(lease: LockSite) -> dict[str, Any] | None:
    """The manual hold recorded on this machine for this lock, if any."""
    try:
        record = json.loads(_hold_path(lease).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    if not isinstance(record, dict) or (record.get("kind"), record.get("location")) != (lease.kind, lease.location):
        return None
    return record


def forget_hold(lease: LockSite) -> None:
    _hold_path(lease).unlink(missing_ok=True)
