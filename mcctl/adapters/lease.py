"""The operator lease's blob: a lease on one block blob, via azure-storage-blob (as Terraform's
azurerm backend locks its state).

Thin functions over a `BlobClient` (from `AzureSession.blob(lock)`; the caller keeps one per lease
so renewals reuse its connection). Who holds the lease is written to the blob's metadata, because
the service itself only knows an opaque lease id. Lease conflicts are answers, not errors: they
come back as `LeaseRefused` with the blob's current state, so the caller can name the holder.
Every other failure is an mcctl error (storage error codes kept).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from mcctl.adapters.errors import azure_errors
from mcctl.errors import AuthError, AzureRequestError, ResourceMissingError

# Storage error codes that mean "someone else's lease (or none of ours)": a domain answer.
LEASE_CONFLICTS = frozenset(
    {
        "LeaseAlreadyPresent",
        "LeaseIdMismatchWithLeaseOperation",
        "LeaseNotPresentWithLeaseOperation",
        "LeaseIsBrokenAndCannotBeRenewed",
        "LeaseIsBreakingAndCannotBeAcquired",
        "LeaseIsBreakingAndCannotBeChanged",
        "LeaseIdMissing",
        "LeaseIdMismatchWithBlobOperation",
        "LeaseNotPresentWithBlobOperation",
        "LeaseLost",
    }
)
MISSING = frozenset({"BlobNotFound", "ContainerNotFound"})
_ROLE_HINT = "the operator lease needs the 'Storage Blob Data Contributor' role on the lock container"


@dataclass(frozen=True)
class BlobLeaseInfo:
    """The lease as the blob service reports it (the blob's properties)."""

    exists: bool
    state: str  # available | leased | expired | breaking | broken ("available" when there is no blob)
    status: str  # locked | unlocked
    duration: str | None  # infinite | fixed while leased
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def held(self) -> bool:
        return self.state in ("leased", "breaking")


@dataclass(frozen=True)
class LeaseRefused:
    """The service refused a lease action: its error code and the lease as it is now."""

    code: str
    current: BlobLeaseInfo


def storage_code(exc: Any) -> str | None:
    """The storage error code of an SDK exception (`x-ms-error-code`), as a plain string."""
    code = getattr(exc, "error_code", None)
    if code is None:
        response = getattr(exc, "response", None)
        code = response.headers.get("x-ms-error-code") if response is not None else None
    return getattr(code, "value", code)


def describe(blob: Any) -> str:
    """account/container/blob; the blob's URL where the client knows no account name (a custom
    endpoint such as the simulator's or Azurite's)."""
    if not blob.account_name:
        return str(blob.url)
    return f"{blob.account_name}/{blob.container_name}/{blob.blob_name}"


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """azure_errors, plus the storage error code in the message (the SDK keeps it in `error_code`,
    not in the ARM-style `error` that azure_errors reads) and a role hint on 403."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

    with azure_errors(what):
        try:
            yield
        except HttpResponseError as exc:
            code = storage_code(exc)
            if code is None or isinstance(exc, ClientAuthenticationError):
                raise
            status = exc.status_code
            message = " ".join(str(exc.message or "").splitlines()[:1]) or str(exc.reason)
            if status == 403:
                raise AuthError(f"{what}: {code}: {message}", hint=_ROLE_HINT) from exc
            if status == 404:
                raise ResourceMissingError(
                    f"{what}: not found ({code}): {message}",
                    status=status,
                    code=code,
                    hint="check lock.storage_account and lock.container in the estate file (the container must exist)",
                ) from exc
            raise AzureRequestError(f"{what}: HTTP {status} {code}: {message}", status=status, code=code) from exc


def _info(props: Any) -> BlobLeaseInfo:
    lease = props.lease
    return BlobLeaseInfo(
        exists=True,
        state=str(getattr(lease.state, "value", lease.state) or "available"),
        status=str(getattr(lease.status, "value", lease.status) or "unlocked"),
        duration=getattr(lease.duration, "value", lease.duration),
        metadata=dict(props.metadata or {}),
    )


def read_lease(blob: Any) -> BlobLeaseInfo:
    """The lease state and the holder metadata; a blob (or container) that does not exist yet
    has no lease: `available`."""
    from azure.core.exceptions import ResourceNotFoundError

    with _errors(f"reading the operator lease {describe(blob)}"):
        try:
            return _info(blob.get_blob_properties())
        except ResourceNotFoundError as exc:
            if storage_code(exc) == "ContainerNotFound":
                raise
            return BlobLeaseInfo(exists=False, state="available", status="unlocked", duration=None)


def ensure_blob(blob: Any) -> None:
    """Create the (empty) lock blob if it does not exist; never overwrites one."""
    from azure.core.exceptions import ResourceExistsError

    with _errors(f"creating the lock blob {describe(blob)}"):
        try:
            blob.upload_blob(b"", overwrite=False)
        except ResourceExistsError:
            pass  # another operator created it first: fine


def acquire_lease(blob: Any, lease_id: str, seconds: int, metadata: Mapping[str, str]) -> LeaseRefused | None:
    """Acquire (creating the blob on first use) and record the holder in the metadata.
    `seconds` is 15..60, or -1 for a lease that never expires."""
    from azure.core.exceptions import HttpResponseError
    from azure.storage.blob import BlobLeaseClient

    lease = BlobLeaseClient(blob, lease_id=lease_id)
    with _errors(f"acquiring the operator lease {describe(blob)}"):
        try:
            try:
                lease.acquire(lease_duration=seconds)
            except HttpResponseError as exc:
                if storage_code(exc) != "BlobNotFound":
                    raise
                ensure_blob(blob)
                lease.acquire(lease_duration=seconds)
        except HttpResponseError as exc:
            code = storage_code(exc)
            if code in LEASE_CONFLICTS:
                return LeaseRefused(code, read_lease(blob))
            raise
    try:
        return write_holder(blob, lease_id, metadata)  # refused: broken in between, and so not ours
    except BaseException:
        release_lease(blob, lease_id, clear_metadata=False)  # a lease nobody is named on helps no one
        raise


def _retries(retries: int | None) -> dict[str, Any]:
    """Per-call retry count. Renewals pass 0: the SDK's storage backoff (15 s, 18 s, 24 s, ...)
    outlasts a 60-second lease, so the caller retries at its next poll instead."""
    return {} if retries is None else {"retry_total": retries}


def write_holder(
    blob: Any, lease_id: str, metadata: Mapping[str, str], *, retries: int | None = None
) -> LeaseRefused | None:
    """Replace the blob's metadata (writes to a leased blob need its lease id)."""
    from azure.core.exceptions import HttpResponseError

    with _errors(f"recording the holder of the operator lease {describe(blob)}"):
        try:
            blob.set_blob_metadata(dict(metadata), lease=lease_id, **_retries(retries))
        except HttpResponseError as exc:
            code = storage_code(exc)
            if code in LEASE_CONFLICTS:
                return LeaseRefused(code, read_lease(blob))
            raise
    return None


def renew_lease(blob: Any, lease_id: str, *, retries: int | None = None) -> LeaseRefused | None:
    """Restart the lease clock (also revives our own expired lease if nobody took it since)."""
    return _lease_action(blob, lease_id, "renewing", lambda lease: lease.renew(**_retries(retries)))


def release_lease(blob: Any, lease_id: str, *, clear_metadata: bool = True) -> LeaseRefused | None:
    """Release our lease; the holder metadata is cleared first, so a released lock names nobody."""
    if clear_metadata:
        refused = write_holder(blob, lease_id, {})
        if refused is not None:
            return refused
    return _lease_action(blob, lease_id, "releasing", lambda lease: lease.release())


def break_lease(blob: Any, break_period: int = 0) -> int | None:
    """Break whoever holds the lease (no lease id needed). Returns the seconds until it can be
    acquired again, or None when there was no lease to break."""
    from azure.core.exceptions import HttpResponseError
    from azure.storage.blob import BlobLeaseClient

    with _errors(f"breaking the operator lease {describe(blob)}"):
        try:
            return int(BlobLeaseClient(blob).break_lease(lease_break_period=break_period))
        except HttpResponseError as exc:
            if storage_code(exc) in LEASE_CONFLICTS | {"BlobNotFound"}:
                return None
            raise


def _lease_action(blob: Any, lease_id: str, verb: str, action: Any) -> LeaseRefused | None:
    from azure.core.exceptions import HttpResponseError
    from azure.storage.blob import BlobLeaseClient

    with _errors(f"{verb} the operator lease {describe(blob)}"):
        try:
            action(BlobLeaseClient(blob, lease_id=lease_id))
        except HttpResponseError as exc:
            code = storage_code(exc)
            if code in LEASE_CONFLICTS or code == "BlobNotFound":
                return LeaseRefused(code, read_lease(blob))
            raise
    return None
