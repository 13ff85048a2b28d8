"""The operator lease as values: who holds it, what state it is in, and how a refusal reads.

Both kinds of lease (`mcctl/ops/lease_blob.py`, `mcctl/ops/lease_file.py`) describe themselves with
these, so `mcctl lock status` and a refused second operator say the same thing whatever the kind.
The lock file's expiry judgement lives here too: the wall time and whether a pid is alive are
passed in, because reading them is I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from mcctl.errors import LockHeld

HELD_STATES = ("leased", "breaking")
_METADATA_VALUE_MAX = 1024


def iso(instant: float) -> str:
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LeaseHolder:
    actor: str
    host: str
    pid: int
    operation: str | None
    command: str
    acquired_at: str

    def to_metadata(self) -> dict[str, str]:
        """Blob metadata travels in HTTP headers: ASCII, one line, bounded."""
        fields = {k: "" if v is None else str(v) for k, v in asdict(self).items()}
        return {k: _header_safe(v) for k, v in fields.items()}

    @classmethod
    def from_metadata(cls, metadata: dict[str, Any]) -> LeaseHolder | None:
        if not metadata.get("actor"):
            return None
        try:
            pid = int(metadata.get("pid") or 0)
        except ValueError:
            pid = 0
        return cls(
            actor=str(metadata["actor"]),
            host=str(metadata.get("host") or ""),
            pid=pid,
            operation=metadata.get("operation") or None,
            command=str(metadata.get("command") or ""),
            acquired_at=str(metadata.get("acquired_at") or ""),
        )


def _header_safe(value: str) -> str:
    text = " ".join(value.split())  # no newlines or tabs in a header
    return text.encode("ascii", "backslashreplace").decode()[:_METADATA_VALUE_MAX]


@dataclass(frozen=True)
class LockStatus:
    kind: str  # blob | local
    location: str  # the blob URL or the lock file path
    state: str  # blob: available|leased|expired|breaking|broken; local: available|leased|expired|abandoned
    holder: LeaseHolder | None  # only while held
    expires_at: str | None  # None: not held, or held until released

    @property
    def held(self) -> bool:
        return self.state in HELD_STATES

    def to_dict(self) -> dict[str, Any]:
        """The `mcctl lock status -o json` contract: flat, holder fields null when nobody holds it."""
        holder = asdict(self.holder) if self.holder else dict.fromkeys(LeaseHolder.__dataclass_fields__)
        return {
            "kind": self.kind,
            "location": self.location,
            "state": self.state,
            **holder,
            "expires_at": self.expires_at,
        }


def held_error(status: LockStatus, *, estate: str, simulated: bool, holder_gone: bool = False) -> LockHeld:
    """The refusal of a second operator: who holds the estate, until when, and how to get past it.

    `holder_gone`: the holder ran on this machine and its process is gone: the way out that works is
    to resume (or roll back) the operation it left, which takes its lease over at once."""
    holder = status.holder
    if holder is not None:
        doing = f" running operation {holder.operation}" if holder.operation else ""
        command = f" ({holder.command})" if holder.command else ""
        who = f"{holder.actor} (pid {holder.pid} on {holder.host}){doing}{command} since {holder.acquired_at}"
    else:
        who = "an unknown holder (no holder recorded on the lock)"
    if status.state == "breaking":
        expiry = "the lease is being broken"
    elif status.expires_at:
        expiry = f"the lease expires {status.expires_at} unless renewed"
    else:
        expiry = "held until released (no expiry)"
    cli = "mcctl --sim" if simulated else "mcctl"
    if holder_gone and holder is not None and holder.operation:
        op = holder.operation
        # a drill is resumed and rolled back by `mcctl drill ...` (its holder ran `mcctl drill run|resume`)
        words = (holder.command or "").split()
        recover = f"{cli} drill" if "drill" in words[:4] else cli
        return LockHeld(
            f"estate '{estate}' is locked by {who}, a process on this machine that is gone; {expiry} "
            f"({status.kind} lock {status.location})",
            hint=f"`{recover} resume {op}` takes its lease over and finishes operation {op} "
            f"(or `{recover} rollback {op}` reverses it); then run this command again "
            f"(`{cli} lock break --reason TEXT` frees the lock but leaves {op} unfinished)",
        )
    return LockHeld(
        f"estate '{estate}' is locked by {who}; {expiry} ({status.kind} lock {status.location})",
        hint=f"wait for it to finish (`{cli} lock status`); if that operator is gone: `{cli} lock break --reason TEXT`",
    )


def lost_error(estate: str, why: str) -> LockHeld:
    """A lease lost mid-operation (broken or taken over): the operation stops before its next change."""
    return LockHeld(
        f"the operator lease on estate '{estate}' was lost ({why}); stopping before changing anything more",
        hint="someone may have run `mcctl lock break`; see `mcctl lock status` and the journal",
    )


def holder_died_here(
    held: LeaseHolder | None, holder: LeaseHolder, takeover: str | None, alive: Callable[[Any], bool]
) -> bool:
    """Whether `held` is an earlier run of our own operation (or the one we take over) whose process
    died on this host: then its lease is ours to take at once."""
    return (
        held is not None
        and held.operation is not None
        and held.operation in (holder.operation, takeover)
        and held.host == holder.host
        and held.pid != holder.pid
        and not alive(held.pid)
    )


def blob_lock_status(location: str, state: str, metadata: Mapping[str, str], duration: str | None) -> LockStatus:
    """The lock blob as `lock status` shows it: the holder from its metadata while held, and an
    expiry only for a fixed-duration lease (an infinite one is held until released)."""
    held = state in HELD_STATES
    holder = LeaseHolder.from_metadata(dict(metadata)) if held else None
    expires = (metadata.get("expires_at") or None) if held and duration == "fixed" else None
    return LockStatus("blob", location, state, holder, expires)


# -- the local lock file's record --------------------------------------------------------------------
def lock_file_state(
    record: dict[str, Any] | None, *, wall: Callable[[], float], host: str, alive: Callable[[Any], bool]
) -> str:
    """available | leased | expired | abandoned, from the lock file's record (None: no file; {}: torn).
    The wall clock is read only for a record with an expiry; `alive(pid)` is asked only about a
    holder on this host, and only when nothing else decides."""
    if record is None:
        return "available"
    if not record.get("lease_id"):
        return "abandoned"
    expires = record.get("expires")
    if expires is None:
        return "leased"  # a manual hold: only `lock release` or `lock break` end it
    if not isinstance(expires, int | float):
        return "abandoned"
    if expires <= wall():
        return "expired"
    holder = record.get("holder")
    if not isinstance(holder, dict):
        return "abandoned"  # a damaged lock file names nobody: nobody holds it
    if holder.get("host") == host and not alive(holder.get("pid")):
        return "abandoned"
    return "leased"


def lock_file_status(location: str, record: dict[str, Any] | None, state: str) -> LockStatus:
    """The lock file as `lock status` shows it, given its state (`lock_file_state`)."""
    held = state == "leased" and record is not None
    named = record.get("holder") if held and record else None
    holder = LeaseHolder.from_metadata(named) if isinstance(named, dict) else None
    expires = record.get("expires_at") if held and record else None
    return LockStatus("local", location, state, holder, expires)


def lock_file_record(lease_id: str, holder: LeaseHolder, expires: float | None) -> dict[str, Any]:
    """What the lock file holds: the lease id, its holder, and the expiry (None: a manual hold)."""
    return {
        "lease_id": lease_id,
        "holder": asdict(holder),
        "expires": expires,
        "expires_at": None if expires is None else iso(expires),
    }
