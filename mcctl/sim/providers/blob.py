"""The blob service, just enough of it for the operator lease (as Terraform's azurerm backend uses it).

Requests to `https://{account}.blob.<suffix>/{container}/{blob}` reach the router as
`/@blob/{account}/{container}/{blob}` (see `Sim.route_path`). Supported, as azure-storage-blob 12.x
sends and expects them: create container (`PUT ?restype=container`, 201), container properties
(`GET|HEAD ?restype=container`), upload a block blob (`PUT` + `x-ms-blob-type: BlockBlob`, 201),
blob properties (`HEAD`), download (`GET`), set metadata (`PUT ?comp=metadata`, 200) and Lease Blob
(`PUT ?comp=lease`: acquire 201, renew/release/change 200, break 202).

Errors are the storage service's: an XML `<Error><Code/><Message/></Error>` body (none for HEAD)
plus the `x-ms-error-code` header, which is what the SDK reads. The lease state machine follows the
Lease Blob REST reference and the Azurite emulator. Lease expiry and break periods run on the
simulated clock, so `sim.advance(61)` expires a 60-second lease; but their durations are wall
seconds, as Azure's are: while `sim serve --speed N` runs simulated time N times faster than the
wall, a 60-second lease lasts 60*N simulated seconds (`_lease_span`), so a client renewing it on
the wall clock over HTTPS keeps it. Every storage account exists; only
the container named by the estate's `lock:` is seeded.
"""

from __future__ import annotations

import base64
import hashlib
import math
import uuid
from collections.abc import Callable, Mapping
from email.utils import formatdate
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote
from xml.sax.saxutils import escape

from mcctl.sim.app import BLOB_PREFIX
from mcctl.sim.clock import iso
from mcctl.sim.http import ArmError, SimRequest, SimResponse
from mcctl.sim.router import Router

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim

CONTAINER = f"{BLOB_PREFIX}/{{account}}/{{container}}"
BLOB = f"{CONTAINER}/{{blob}}"
SERVICE_VERSION = "2025-11-05"  # answered when the client sends none
LEASE_DURATIONS = range(15, 61)
MAX_BREAK_PERIOD = 60

Handler = Callable[["Sim", SimRequest, dict[str, str]], SimResponse]


class BlobError(ArmError):
    """A storage service error: status, `x-ms-error-code` and an XML body (rendered per request)."""

    def __init__(self, status: int, code: str, message: str, **details: str) -> None:
        super().__init__(status, code, message)
        self.details = details


# -- the errors the lease needs, with the service's codes and messages -----------------------------
def _container_not_found() -> BlobError:
    return BlobError(404, "ContainerNotFound", "The specified container does not exist.")


def _blob_not_found() -> BlobError:
    return BlobError(404, "BlobNotFound", "The specified blob does not exist.")


def _bad_header(name: str, value: str | None) -> BlobError:
    if value is None:
        return BlobError(
            400,
            "MissingRequiredHeader",
            "An HTTP header that's mandatory for this request is not specified.",
            HeaderName=name,
        )
    return BlobError(
        400,
        "InvalidHeaderValue",
        "The value for one of the HTTP headers is not in the correct format.",
        HeaderName=name,
        HeaderValue=value,
    )


def _lease_already_present() -> BlobError:
    return BlobError(409, "LeaseAlreadyPresent", "There is already a lease present.")


def _lease_id_mismatch() -> BlobError:
    return BlobError(
        409, "LeaseIdMismatchWithLeaseOperation", "The lease ID specified did not match the lease ID for the blob."
    )


def _lease_not_present() -> BlobError:
    return BlobError(409, "LeaseNotPresentWithLeaseOperation", "There is currently no lease on the blob.")


class BlobProvider:
    name = "blob"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("PUT", CONTAINER, _storage(_put_container))
        router.add("GET", CONTAINER, _storage(_get_container))
        router.add("HEAD", CONTAINER, _storage(_get_container))
        router.add("PUT", BLOB, _storage(_put_blob))
        router.add("HEAD", BLOB, _storage(_get_blob))
        router.add("GET", BLOB, _storage(_get_blob))

    def seed(self, sim: Sim, estate: Estate) -> None:
        if estate.lock is None:
            return
        account = _accounts(sim).setdefault(estate.lock.storage_account.lower(), {})
        account[estate.lock.container] = _new_container(sim)
        sim.store.dirty = True


# -- state -----------------------------------------------------------------------------------------
def _accounts(sim: Sim) -> dict[str, dict[str, Any]]:
    """Persisted as `data["blob"][account][container] = {..., "blobs": {name: blob}}`."""
    return sim.store.data.setdefault("blob", {})


def _etag(sim: Sim) -> str:
    return f'"0x8DC{sim.store.next_seq():013X}"'


def _new_container(sim: Sim) -> dict[str, Any]:
    return {"created": sim.now(), "modified": sim.now(), "etag": _etag(sim), "blobs": {}}


def _container(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    found = _accounts(sim).get(p["account"].lower(), {}).get(unquote(p["container"]))
    if found is None:
        raise _container_not_found()
    return found


def _blob(sim: Sim, p: dict[str, str]) -> dict[str, Any]:
    found = _container(sim, p)["blobs"].get(unquote(p["blob"]))
    if found is None:
        raise _blob_not_found()
    _settle_lease(sim, found["lease"])
    return found


def _available() -> dict[str, Any]:
    return {"state": "available", "id": None, "duration": None, "expires": None, "break_at": None}


def _settle_lease(sim: Sim, lease: dict[str, Any]) -> None:
    """Time-driven transitions: a fixed lease past its expiry is `expired`, a breaking lease past
    its break time is `broken`. Both keep their id (it can still release; expired can renew)."""
    now = sim.now()
    if lease["state"] == "leased" and lease["expires"] is not None and lease["expires"] <= now:
        lease.update(state="expired", expires=None)
        sim.store.dirty = True
    elif lease["state"] == "breaking" and lease["break_at"] <= now:
        lease.update(state="broken", break_at=None, duration=None)
        sim.store.dirty = True


def _locked(lease: dict[str, Any]) -> bool:
    return lease["state"] in ("leased", "breaking")


# -- request plumbing ------------------------------------------------------------------------------
def _storage(handler: Handler) -> Handler:
    """Adds the headers every storage response carries and renders storage errors as the service
    does: XML body (none for HEAD) plus `x-ms-error-code`, which the SDK maps to its exceptions."""

    def wrapped(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
        request_id = str(uuid.uuid4())
        try:
            response = handler(sim, req, p)
        except BlobError as err:
            response = _error_response(sim, req, err, request_id)
        headers = response.headers
        headers.setdefault("x-ms-request-id", request_id)
        headers.setdefault("x-ms-version", req.headers.get("x-ms-version", SERVICE_VERSION))
        headers.setdefault("Date", _http_date(sim.now()))
        if "x-ms-client-request-id" in req.headers:
            headers.setdefault("x-ms-client-request-id", req.headers["x-ms-client-request-id"])
        return response

    return wrapped


def _error_response(sim: Sim, req: SimRequest, err: BlobError, request_id: str) -> SimResponse:
    headers = {"x-ms-error-code": err.code, "x-ms-request-id": request_id}
    if req.method == "HEAD" or err.status == 304:
        return SimResponse(err.status, None, headers)
    message = f"{err.message}\nRequestId:{request_id}\nTime:{iso(sim.now())}"
    extra = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in err.details.items())
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"<Error><Code>{err.code}</Code><Message>{escape(message)}</Message>{extra}</Error>"
    ).encode()
    headers["Content-Type"] = "application/xml"
    return SimResponse(err.status, body, headers)


def _http_date(instant: float) -> str:
    return formatdate(instant, usegmt=True)


def _metadata(req: SimRequest) -> dict[str, str]:
    return {k[len("x-ms-meta-") :]: v for k, v in req.headers.items() if k.startswith("x-ms-meta-")}


def _guid(name: str, value: str | None) -> str:
    if value is None:
        raise _bad_header(name, None)
    try:
        uuid.UUID(value)
    except ValueError:
        raise _bad_header(name, value) from None
    return value


def _check_conditions(req: SimRequest, blob: dict[str, Any] | None, *, creating: bool = False) -> None:
    """If-Match / If-None-Match (what the SDK sends for overwrite=False and etag conditions)."""
    not_met = "The condition specified using HTTP conditional header(s) is not met."
    if_none_match = req.headers.get("if-none-match")
    if if_none_match is not None and blob is not None and if_none_match in ("*", blob["etag"]):
        if req.method in ("GET", "HEAD"):
            raise BlobError(304, "ConditionNotMet", not_met)
        if creating and if_none_match == "*":
            raise BlobError(409, "BlobAlreadyExists", "The specified blob already exists.")
        raise BlobError(412, "ConditionNotMet", not_met)
    if_match = req.headers.get("if-match")
    if if_match is not None:
        if blob is None:
            raise _blob_not_found()
        if if_match not in ("*", blob["etag"]):
            raise BlobError(412, "ConditionNotMet", not_met)


def _check_write_lease(req: SimRequest, lease: dict[str, Any], *, write: bool = True) -> None:
    """A write to a leased blob needs its lease id; a lease id given without an active lease fails.
    Reads accept a lease id as a condition but do not need one."""
    given = req.headers.get("x-ms-lease-id")
    if _locked(lease):
        if given is None:
            if write:
                raise BlobError(
                    412,
                    "LeaseIdMissing",
                    "There is currently a lease on the blob and no lease ID was specified in the request.",
                )
            return
        if given != lease["id"]:
            raise BlobError(
                412,
                "LeaseIdMismatchWithBlobOperation",
                "The lease ID specified did not match the lease ID for the blob.",
            )
    elif given is not None:
        raise BlobError(
            412, "LeaseNotPresentWithBlobOperation", "A lease ID was specified, but the lease for the blob has expired."
        )


# -- containers ------------------------------------------------------------------------------------
def _container_headers(container: dict[str, Any]) -> dict[str, str]:
    return {"ETag": container["etag"], "Last-Modified": _http_date(container["modified"])}


def _put_container(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    if req.param("restype") != "container":
        raise BlobError(
            400,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid.",
            QueryParameterName="restype",
        )
    containers = _accounts(sim).setdefault(p["account"].lower(), {})
    name = unquote(p["container"])
    if name in containers:
        raise BlobError(409, "ContainerAlreadyExists", "The specified container already exists.")
    containers[name] = _new_container(sim)
    sim.store.dirty = True
    return SimResponse(201, None, _container_headers(containers[name]))


def _get_container(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    if req.param("restype") != "container" or req.param("comp"):
        raise BlobError(
            400,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid.",
        )
    container = _container(sim, p)
    headers = _container_headers(container)
    headers.update(
        {
            "x-ms-lease-status": "unlocked",
            "x-ms-lease-state": "available",
            "x-ms-has-immutability-policy": "false",
            "x-ms-has-legal-hold": "false",
        }
    )
    return SimResponse(200, None, headers)


# -- blobs -----------------------------------------------------------------------------------------
def _put_blob(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    comp = req.param("comp")
    if comp == "lease":
        return _lease(sim, req, p)
    if comp == "metadata":
        return _set_metadata(sim, req, p)
    if comp:
        raise BlobError(
            400,
            "InvalidQueryParameterValue",
            "Value for one of the query parameters specified in the request URI is invalid.",
            QueryParameterName="comp",
            QueryParameterValue=comp,
        )
    return _upload(sim, req, p)


def _blob_headers(blob: dict[str, Any]) -> dict[str, str]:
    return {"ETag": blob["etag"], "Last-Modified": _http_date(blob["modified"])}


def _upload(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    blob_type = req.headers.get("x-ms-blob-type")
    if blob_type != "BlockBlob":
        raise _bad_header("x-ms-blob-type", blob_type)  # only block blobs are simulated
    blobs = _container(sim, p)["blobs"]
    name = unquote(p["blob"])
    existing = blobs.get(name)
    if existing is not None:
        _settle_lease(sim, existing["lease"])
    _check_conditions(req, existing, creating=True)
    if existing is not None:
        _check_write_lease(req, existing["lease"])
    content = req.body or b""
    md5 = base64.b64encode(hashlib.md5(content).digest()).decode()  # Content-MD5 is MD5 by definition
    now = sim.now()
    blob = {
        "content": base64.b64encode(content).decode(),
        "content_type": req.headers.get("x-ms-blob-content-type", "application/octet-stream"),
        "content_md5": md5,
        "metadata": _metadata(req),
        "created": existing["created"] if existing else now,
        "modified": now,
        "etag": _etag(sim),
        "lease": existing["lease"] if existing else _available(),  # an overwrite keeps the lease
    }
    blobs[name] = blob
    sim.store.dirty = True
    headers = _blob_headers(blob)
    headers.update({"Content-MD5": md5, "x-ms-request-server-encrypted": "true"})
    return SimResponse(201, None, headers)


def _get_blob(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    blob = _blob(sim, p)
    _check_conditions(req, blob)
    _check_write_lease(req, blob["lease"], write=False)
    content = base64.b64decode(blob["content"])
    lease = blob["lease"]
    headers = _blob_headers(blob)
    headers.update(
        {
            "x-ms-creation-time": _http_date(blob["created"]),
            "x-ms-blob-type": "BlockBlob",
            "Content-Length": str(len(content)),
            "Content-Type": blob["content_type"],
            "Content-MD5": blob["content_md5"],
            "Accept-Ranges": "bytes",
            "x-ms-server-encrypted": "true",
            "x-ms-access-tier": "Hot",
            "x-ms-access-tier-inferred": "true",
            "x-ms-lease-state": lease["state"],
            "x-ms-lease-status": "locked" if _locked(lease) else "unlocked",
        }
    )
    if lease["state"] == "leased":
        headers["x-ms-lease-duration"] = "infinite" if lease["duration"] == -1 else "fixed"
    headers.update({f"x-ms-meta-{k}": v for k, v in blob["metadata"].items()})
    if req.method == "HEAD":
        return SimResponse(200, None, headers)
    return SimResponse(200, content, headers)


def _set_metadata(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    blob = _blob(sim, p)
    _check_conditions(req, blob)
    _check_write_lease(req, blob["lease"])
    blob["metadata"] = _metadata(req)
    blob["modified"] = sim.now()
    blob["etag"] = _etag(sim)
    sim.store.dirty = True
    headers = _blob_headers(blob)
    headers["x-ms-request-server-encrypted"] = "true"
    return SimResponse(200, None, headers)


# -- Lease Blob --------------------------------------------------------------------------------------
def _lease(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    action = req.headers.get("x-ms-lease-action")
    handlers = {
        "acquire": _acquire,
        "renew": _renew,
        "release": _release,
        "change": _change,
        "break": _break,
    }
    if action not in handlers:
        raise _bad_header("x-ms-lease-action", action)
    blob = _blob(sim, p)
    _check_conditions(req, blob)
    lease = blob["lease"]
    status, headers = handlers[action](sim, req, lease)
    sim.store.dirty = True
    return SimResponse(status, None, {**_blob_headers(blob), **headers})


def _lease_span(sim: Sim, seconds: float) -> float:
    """The simulated seconds a lease duration or break period of `seconds` lasts: they are wall
    seconds (the service's and its clients' clock), so at speed N they are N times as many
    simulated seconds; at wall speed (factor 1) the same."""
    return seconds * sim.clock.factor()


def _acquire(sim: Sim, req: SimRequest, lease: dict[str, Any]) -> tuple[int, dict[str, str]]:
    raw = req.headers.get("x-ms-lease-duration")
    try:
        duration = int(raw) if raw is not None else None
    except ValueError:
        duration = None
    if duration is None or (duration != -1 and duration not in LEASE_DURATIONS):
        raise _bad_header("x-ms-lease-duration", raw)
    proposed = req.headers.get("x-ms-proposed-lease-id")
    if proposed is not None:
        _guid("x-ms-proposed-lease-id", proposed)
    if lease["state"] == "breaking":
        if proposed == lease["id"]:
            raise BlobError(
                409,
                "LeaseIsBreakingAndCannotBeAcquired",
                "The lease ID matched, but the lease is currently in breaking state and cannot be "
                "acquired until it is broken.",
            )
        raise _lease_already_present()
    if lease["state"] == "leased" and proposed != lease["id"]:
        raise _lease_already_present()
    # available, expired, broken, or leased with the same id (which restarts it with the new duration)
    lease.update(
        state="leased",
        id=proposed or str(uuid.uuid4()),
        duration=duration,
        expires=None if duration == -1 else sim.now() + _lease_span(sim, duration),
        break_at=None,
    )
    return 201, {"x-ms-lease-id": lease["id"]}


def _renew(sim: Sim, req: SimRequest, lease: dict[str, Any]) -> tuple[int, dict[str, str]]:
    lease_id = _guid("x-ms-lease-id", req.headers.get("x-ms-lease-id"))
    if lease["id"] != lease_id:
        raise _lease_id_mismatch()  # also when there is no lease at all (as the service answers)
    if lease["state"] in ("breaking", "broken"):
        raise BlobError(
            409,
            "LeaseIsBrokenAndCannotBeRenewed",
            "The lease ID matched, but the lease has been broken explicitly and cannot be renewed.",
        )
    # leased, or expired and not leased again since: the lease clock restarts
    lease["state"] = "leased"
    if lease["duration"] != -1:
        lease["expires"] = sim.now() + _lease_span(sim, lease["duration"])
    return 200, {"x-ms-lease-id": lease_id}


def _release(sim: Sim, req: SimRequest, lease: dict[str, Any]) -> tuple[int, dict[str, str]]:
    lease_id = _guid("x-ms-lease-id", req.headers.get("x-ms-lease-id"))
    if lease["id"] != lease_id:
        raise _lease_id_mismatch()
    lease.update(_available())
    return 200, {}


def _change(sim: Sim, req: SimRequest, lease: dict[str, Any]) -> tuple[int, dict[str, str]]:
    lease_id = _guid("x-ms-lease-id", req.headers.get("x-ms-lease-id"))
    proposed = _guid("x-ms-proposed-lease-id", req.headers.get("x-ms-proposed-lease-id"))
    if lease["state"] in ("available", "expired", "broken"):
        raise _lease_not_present()
    if lease["state"] == "breaking":
        if lease_id == lease["id"]:
            raise BlobError(
                409,
                "LeaseIsBreakingAndCannotBeChanged",
                "The lease ID matched, but the lease is currently in breaking state and cannot be changed.",
            )
        raise _lease_id_mismatch()
    if lease["id"] not in (lease_id, proposed):  # changing to the id it already has is idempotent
        raise _lease_id_mismatch()
    lease["id"] = proposed
    return 200, {"x-ms-lease-id": proposed}


def _break(sim: Sim, req: SimRequest, lease: dict[str, Any]) -> tuple[int, dict[str, str]]:
    raw = req.headers.get("x-ms-lease-break-period")
    period: int | None = None
    if raw is not None:
        try:
            period = int(raw)
        except ValueError:
            raise _bad_header("x-ms-lease-break-period", raw) from None
        if not 0 <= period <= MAX_BREAK_PERIOD:
            raise _bad_header("x-ms-lease-break-period", raw)
    state = lease["state"]
    if state == "available":
        raise _lease_not_present()
    now = sim.now()
    if state in ("expired", "broken"):
        lease.update(state="broken", duration=None, expires=None, break_at=None)
        return 202, {"x-ms-lease-time": "0"}
    if state == "leased":
        # An infinite lease breaks at once unless a period is given; a fixed one runs out its
        # remaining time unless a shorter period is given.
        remaining = math.inf if lease["expires"] is None else lease["expires"] - now
        # `period_left` is simulated seconds; the period given and x-ms-lease-time are wall seconds.
        if period is None:
            period_left = 0.0 if remaining == math.inf else remaining
        else:
            period_left = min(_lease_span(sim, period), remaining)
    else:  # breaking: a new period can only shorten it
        current = lease["break_at"] - now
        period_left = current if period is None else min(_lease_span(sim, period), current)
    if period_left <= 0:
        lease.update(state="broken", duration=None, expires=None, break_at=None)
        return 202, {"x-ms-lease-time": "0"}
    lease.update(state="breaking", duration=None, expires=None, break_at=now + period_left)
    return 202, {"x-ms-lease-time": str(math.ceil(period_left / sim.clock.factor()))}
