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
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mcctl.errors import LockHeld, McctlError

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import Estate, LockConfig

LOCAL_LOCK_WARNING = (
    "no `lock:` in the estate file: using a local lock file, which only stops operators on this machine"
)
LOCAL_LEASE_SECONDS = 60
KEEPALIVE_SECONDS = 5.0  # wall-clock cadence of the keep-alive thread while a lease is held
HELD_STATES = ("leased", "breaking")
_METADATA_VALUE_MAX = 1024

Clock = Callable[[], float]


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


def local_lock_path(estate_name: str, simulated: bool) -> Path:
    from mcctl.config.paths import state_dir

    return state_dir() / "locks" / f"{'sim-' if simulated else ''}{estate_name}.lock"


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


# -- manual holds (`mcctl lock acquire` / `lock release`) -------------------------------------------
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


# -- the common part of both kinds --------------------------------------------------------------------
class _Lease:
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
        cli = "mcctl --sim" if self.simulated else "mcctl"
        return LockHeld(
            f"estate '{self.estate}' is locked by {who}; {expiry} ({status.kind} lock {status.location})",
            hint=f"wait for it to finish (`{cli} lock status`); if that operator is gone: "
            f"`{cli} lock break --reason TEXT`",
        )

    def _lost_error(self, why: str) -> LockHeld:
        return LockHeld(
            f"the operator lease on estate '{self.estate}' was lost ({why}); stopping before changing anything more",
            hint="someone may have run `mcctl lock break`; see `mcctl lock status` and the journal",
        )


# -- blob lease ---------------------------------------------------------------------------------------
class BlobLease(_Lease):
    kind = "blob"
    shared = True

    def __init__(
        self, session: AzureSession, lock: LockConfig, *, estate: str, simulated: bool, clock: Clock, wall: Clock
    ) -> None:
        url = f"{session.blob_service_url(lock)}/{lock.container}/{lock.blob}"
        super().__init__(
            estate=estate, simulated=simulated, location=url, lease_seconds=lock.lease_seconds, clock=clock
        )
        self._session = session
        self._lock = lock
        self._wall = wall
        self._client: Any = None

    @property
    def _blob(self) -> Any:
        if self._client is None:  # one client per lease: renewals reuse its connection
            self._client = self._session.blob(self._lock)
        return self._client

    def _metadata(self, holder: LeaseHolder, seconds: int) -> dict[str, str]:
        expires = "" if seconds == -1 else iso(self._wall() + seconds)
        return {**holder.to_metadata(), "expires_at": expires}

    def _acquire(self, lease_id: str, holder: LeaseHolder, indefinite: bool) -> None:
        from mcctl.adapters import lease as blob_lease

        seconds = -1 if indefinite else self.lease_seconds
        refused = blob_lease.acquire_lease(self._blob, lease_id, seconds, self._metadata(holder, seconds))
        if refused is not None and self._held_by_own_dead_run(self._status(refused.current), holder):
            # Resuming an operation whose process died on this machine: its lease is ours to take.
            blob_lease.break_lease(self._blob, break_period=0)
            refused = blob_lease.acquire_lease(self._blob, lease_id, seconds, self._metadata(holder, seconds))
        if refused is not None:
            raise self._held_error(self._status(refused.current))

    def _held_by_own_dead_run(self, status: LockStatus, holder: LeaseHolder) -> bool:
        held = status.holder
        return (
            held is not None
            and held.operation is not None
            and held.operation in (holder.operation, self.takeover)
            and held.host == holder.host
            and held.pid != holder.pid
            and not _process_alive(held.pid)
        )

    def _renew(self) -> None:
        from mcctl.adapters import lease as blob_lease

        assert self.lease_id is not None and self._holder is not None
        # No SDK retries: renew_if_due() itself retries at the next poll while the lease has time left.
        refused = blob_lease.renew_lease(self._blob, self.lease_id, retries=0)
        if refused is None:  # the new expiry, for `lock status` and refused operators
            metadata = self._metadata(self._holder, self.lease_seconds)
            refused = blob_lease.write_holder(self._blob, self.lease_id, metadata, retries=0)
        if refused is not None:
            raise self._lost_error(f"{refused.code}; the lock is now {self._describe(self._status(refused.current))}")

    def _release(self) -> bool:
        from mcctl.adapters import lease as blob_lease

        assert self.lease_id is not None
        return blob_lease.release_lease(self._blob, self.lease_id) is None

    def _owns(self, lease_id: str) -> bool:
        from mcctl.adapters import lease as blob_lease

        return blob_lease.renew_lease(self._blob, lease_id) is None

    def status(self) -> LockStatus:
        from mcctl.adapters import lease as blob_lease

        return self._status(blob_lease.read_lease(self._blob))

    def break_lock(self) -> LockStatus:
        from mcctl.adapters import lease as blob_lease

        before = self.status()
        if before.held:
            blob_lease.break_lease(self._blob, break_period=0)
        return before

    def _status(self, info: Any) -> LockStatus:
        held = info.state in HELD_STATES
        holder = LeaseHolder.from_metadata(dict(info.metadata)) if held else None
        expires = (info.metadata.get("expires_at") or None) if held and info.duration == "fixed" else None
        return LockStatus(self.kind, self.location, info.state, holder, expires)

    @staticmethod
    def _describe(status: LockStatus) -> str:
        return f"{status.state}" + (f", held by {status.holder.actor}" if status.holder else "")


# -- local lock file -----------------------------------------------------------------------------------
class LocalFileLease(_Lease):
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
        if record is None:
            return "available"
        if not record.get("lease_id"):
            return "abandoned"
        expires = record.get("expires")
        if expires is None:
            return "leased"  # a manual hold: only `lock release` or `lock break` end it
        if not isinstance(expires, int | float):
            return "abandoned"
        if expires <= self._wall():
            return "expired"
        holder = record.get("holder")
        if not isinstance(holder, dict):
            return "abandoned"  # a damaged lock file names nobody: nobody holds it
        if holder.get("host") == self._host and not _process_alive(holder.get("pid")):
            return "abandoned"
        return "leased"

    def _status_of(self, record: dict[str, Any] | None) -> LockStatus:
        state = self._state(record)
        held = state == "leased" and record is not None
        named = record.get("holder") if held and record else None
        holder = LeaseHolder.from_metadata(named) if isinstance(named, dict) else None
        expires = record.get("expires_at") if held and record else None
        return LockStatus(self.kind, self.location, state, holder, expires)

    def _record(self, lease_id: str, holder: LeaseHolder, indefinite: bool) -> dict[str, Any]:
        expires = None if indefinite else self._wall() + self.lease_seconds
        return {
            "lease_id": lease_id,
            "holder": asdict(holder),
            "expires": expires,
            "expires_at": None if expires is None else iso(expires),
        }

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


def _process_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError, ValueError):  # no such process; a damaged file's pid
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True
