"""The blob lease: a lease on one blob in the estate's `lock:` container, as Terraform's azurerm
backend locks its state. Who holds it (and until when) is written to the blob's metadata, since
the service itself only knows an opaque lease id; if the process dies, the lease simply runs out.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mcctl.domain.lease import LeaseHolder, LockStatus, blob_lock_status, holder_died_here, iso
from mcctl.errors import McctlError
from mcctl.ops.lease_base import Clock, LeaseBase, process_alive

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession
    from mcctl.domain.estate import LockConfig


class BlobLease(LeaseBase):
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

    @contextmanager
    def _named(self) -> Iterator[None]:
        """An error about the lock blob names it by its URL (the SDK's account name is None for a
        custom endpoint: "None/mcctl-locks/demo.lock" named nothing), with where to look."""
        try:
            yield
        except McctlError as exc:
            client = self._client
            if client is not None:
                named = f"{client.account_name}/{client.container_name}/{client.blob_name}"
                exc.message = exc.message.replace(named, self.location)
                exc.args = (exc.message,)
            if exc.hint is None:
                exc.hint = (
                    f"the operator lease is the blob {self.location} (estate file `lock:`); check that it is "
                    "reachable and that you may write to it; `mcctl lock status` reads it"
                )
            raise

    @property
    def _blob(self) -> Any:
        if self._client is None:  # one client per lease: renewals reuse its connection
            self._client = self._session.blob(self._lock)
        return self._client

    def _metadata(self, holder: LeaseHolder, seconds: int) -> dict[str, str]:
        expires = "" if seconds == -1 else iso(self._wall() + seconds)
        return {**holder.to_metadata(), "expires_at": expires}

    def _acquire(self, lease_id: str, holder: LeaseHolder, indefinite: bool) -> None:
        with self._named():
            from mcctl.adapters import lease as blob_lease

            seconds = -1 if indefinite else self.lease_seconds
            refused = blob_lease.acquire_lease(self._blob, lease_id, seconds, self._metadata(holder, seconds))
            if refused is not None and holder_died_here(
                self._status(refused.current).holder, holder, self.takeover, process_alive
            ):
                # Resuming an operation whose process died on this machine: its lease is ours to take.
                blob_lease.break_lease(self._blob, break_period=0)
                refused = blob_lease.acquire_lease(self._blob, lease_id, seconds, self._metadata(holder, seconds))
            if refused is not None:
                raise self._held_error(self._status(refused.current))

    def _renew(self) -> None:
        with self._named():
            from mcctl.adapters import lease as blob_lease

            assert self.lease_id is not None and self._holder is not None
            # No SDK retries: renew_if_due() itself retries at the next poll while the lease has time left.
            refused = blob_lease.renew_lease(self._blob, self.lease_id, retries=0)
            if refused is None:  # the new expiry, for `lock status` and refused operators
                metadata = self._metadata(self._holder, self.lease_seconds)
                refused = blob_lease.write_holder(self._blob, self.lease_id, metadata, retries=0)
            if refused is not None:
                raise self._lost_error(
                    f"{refused.code}; the lock is now {self._describe(self._status(refused.current))}"
                )

    def _release(self) -> bool:
        with self._named():
            from mcctl.adapters import lease as blob_lease

            assert self.lease_id is not None
            return blob_lease.release_lease(self._blob, self.lease_id) is None

    def _owns(self, lease_id: str) -> bool:
        with self._named():
            from mcctl.adapters import lease as blob_lease

            return blob_lease.renew_lease(self._blob, lease_id) is None

    def status(self) -> LockStatus:
        with self._named():
            from mcctl.adapters import lease as blob_lease

            return self._status(blob_lease.read_lease(self._blob))

    def break_lock(self) -> LockStatus:
        with self._named():
            from mcctl.adapters import lease as blob_lease

            before = self.status()
            if before.held:
                blob_lease.break_lease(self._blob, break_period=0)
            return before

    def _status(self, info: Any) -> LockStatus:
        return blob_lock_status(self.location, info.state, info.metadata, info.duration)

    @staticmethod
    def _describe(status: LockStatus) -> str:
        return f"{status.state}" + (f", held by {status.holder.actor}" if status.holder else "")
