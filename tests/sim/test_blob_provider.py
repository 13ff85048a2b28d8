"""The simulated blob service, driven through the real azure-storage-blob client: containers, block
blobs, metadata and Lease Blob with the service's status codes, error codes and simulated-time expiry."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobLeaseClient, BlobServiceClient

from mcctl.config.loader import demo_source
from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.credential import SimCredential
from mcctl.sim.http import SimRequest
from mcctl.sim.runtime import seed_state
from mcctl.sim.transport import InProcessTransport

ACCOUNT_URL = "https://stmcdemoops.blob.sim.mcctl.invalid"
CONTAINER = "mcctl-locks"


@pytest.fixture
def service(sim: Sim) -> BlobServiceClient:
    client = BlobServiceClient(ACCOUNT_URL, credential=SimCredential(), transport=InProcessTransport(sim))
    yield client
    client.close()


@pytest.fixture
def blob(service: BlobServiceClient):
    client = service.get_blob_client(CONTAINER, "demo.lock")
    client.upload_blob(b"", overwrite=False)
    return client


def _code(exc: pytest.ExceptionInfo) -> str:
    code = exc.value.error_code
    return getattr(code, "value", code)


def _statuses(sim: Sim, method: str = "PUT") -> list[int]:
    return [r.status for r in sim.requests if r.method == method and r.path == f"/{CONTAINER}/demo.lock"]


def _lease(blob) -> tuple[str, str, str | None]:
    lease = blob.get_blob_properties().lease
    return lease.state, lease.status, lease.duration


# -- containers and blobs ----------------------------------------------------------------------------
def test_the_estates_lock_container_is_seeded_and_nothing_without_lock(
    service: BlobServiceClient, demo_estate: Estate
) -> None:
    assert service.get_container_client(CONTAINER).get_container_properties().name == CONTAINER
    with pytest.raises(ResourceNotFoundError) as info:
        service.get_container_client("other").get_container_properties()
    assert _code(info) == "ContainerNotFound"
    unlocked = seed_state(dataclasses.replace(demo_estate, lock=None), demo_source().fingerprint)
    assert not unlocked.get("blob")


def test_create_container_then_conflict(service: BlobServiceClient, sim: Sim) -> None:
    service.create_container("extra")
    assert [r.status for r in sim.requests if r.path == "/extra"] == [201]
    with pytest.raises(ResourceExistsError) as info:
        service.create_container(CONTAINER)
    assert _code(info) == "ContainerAlreadyExists" and info.value.status_code == 409


def test_upload_properties_and_metadata_round_trip(service: BlobServiceClient, sim: Sim) -> None:
    blob = service.get_blob_client(CONTAINER, "demo.lock")
    blob.upload_blob(b"hello", overwrite=False, metadata={"actor": "alice"})
    assert _statuses(sim) == [201]
    props = blob.get_blob_properties()
    assert (props.size, props.blob_type, props.metadata) == (5, "BlockBlob", {"actor": "alice"})
    assert _lease(blob) == ("available", "unlocked", None)
    get = sim.handle(SimRequest("GET", f"{ACCOUNT_URL}/{CONTAINER}/demo.lock", {"Authorization": "Bearer t"}))
    assert (get.status, get.body, get.headers["x-ms-meta-actor"]) == (200, b"hello", "alice")
    blob.set_blob_metadata({"actor": "bob", "pid": "7"})
    assert blob.get_blob_properties().metadata == {"actor": "bob", "pid": "7"}
    assert blob.get_blob_properties().etag != props.etag
    with pytest.raises(ResourceExistsError) as info:
        blob.upload_blob(b"again", overwrite=False)
    assert _code(info) == "BlobAlreadyExists"


def test_missing_blob_and_container_answer_404_with_their_codes(service: BlobServiceClient) -> None:
    with pytest.raises(ResourceNotFoundError) as info:
        service.get_blob_client(CONTAINER, "nope").get_blob_properties()  # HEAD: the code is in a header
    assert _code(info) == "BlobNotFound"
    with pytest.raises(ResourceNotFoundError) as info:
        service.get_blob_client("nope", "x").upload_blob(b"")
    assert _code(info) == "ContainerNotFound"
    with pytest.raises(ResourceNotFoundError) as info:
        BlobLeaseClient(service.get_blob_client(CONTAINER, "nope")).acquire(15)
    assert _code(info) == "BlobNotFound"


def test_errors_are_storage_xml_with_the_error_code_header(sim: Sim, blob) -> None:
    BlobLeaseClient(blob).acquire(-1)
    url = f"{ACCOUNT_URL}/{CONTAINER}/demo.lock?comp=lease"
    headers = {"Authorization": "Bearer t", "x-ms-lease-action": "acquire", "x-ms-lease-duration": "-1"}
    response = sim.handle(SimRequest("PUT", url, headers))
    assert response.status == 409
    assert response.headers["x-ms-error-code"] == "LeaseAlreadyPresent"
    assert response.headers["Content-Type"] == "application/xml"
    assert response.body.startswith(b'<?xml version="1.0" encoding="utf-8"?><Error><Code>LeaseAlreadyPresent</Code>')
    head = sim.handle(SimRequest("HEAD", f"{ACCOUNT_URL}/{CONTAINER}/nope", {"Authorization": "Bearer t"}))
    assert (head.status, head.body, head.headers["x-ms-error-code"]) == (404, None, "BlobNotFound")


# -- Lease Blob ----------------------------------------------------------------------------------------
def test_acquire_201_conflict_409_and_reacquire_with_the_same_id(sim: Sim, blob) -> None:
    mine = BlobLeaseClient(blob, lease_id=str(uuid.uuid4()))
    mine.acquire(lease_duration=60)
    assert _statuses(sim)[-1] == 201
    assert _lease(blob) == ("leased", "locked", "fixed")
    with pytest.raises(HttpResponseError) as info:
        BlobLeaseClient(blob).acquire(lease_duration=15)
    assert (info.value.status_code, _code(info)) == (409, "LeaseAlreadyPresent")
    assert "There is already a lease present." in info.value.message
    BlobLeaseClient(blob, lease_id=mine.id).acquire(lease_duration=-1)  # same id: allowed, new duration
    assert _lease(blob) == ("leased", "locked", "infinite")


def test_invalid_duration_is_400_invalid_header_value(blob) -> None:
    with pytest.raises(HttpResponseError) as info:
        BlobLeaseClient(blob).acquire(lease_duration=10)
    assert (info.value.status_code, _code(info)) == (400, "InvalidHeaderValue")
    assert "x-ms-lease-duration" in info.value.message


def test_writes_to_a_leased_blob_need_its_lease_id(blob) -> None:
    lease = BlobLeaseClient(blob)
    lease.acquire(30)
    with pytest.raises(HttpResponseError) as info:
        blob.set_blob_metadata({"a": "1"})
    assert (info.value.status_code, _code(info)) == (412, "LeaseIdMissing")
    with pytest.raises(HttpResponseError) as info:
        blob.set_blob_metadata({"a": "1"}, lease=str(uuid.uuid4()))
    assert (info.value.status_code, _code(info)) == (412, "LeaseIdMismatchWithBlobOperation")
    blob.set_blob_metadata({"a": "1"}, lease=lease)
    assert blob.get_blob_properties().metadata == {"a": "1"}
    released_id = lease.id
    lease.release()
    with pytest.raises(HttpResponseError) as info:
        blob.set_blob_metadata({"a": "2"}, lease=released_id)
    assert (info.value.status_code, _code(info)) == (412, "LeaseNotPresentWithBlobOperation")


def test_renew_and_release_check_the_lease_id(sim: Sim, blob) -> None:
    lease = BlobLeaseClient(blob)
    lease.acquire(15)
    other = BlobLeaseClient(blob)
    for action in (other.renew, other.release):
        with pytest.raises(HttpResponseError) as info:
            action()
        assert (info.value.status_code, _code(info)) == (409, "LeaseIdMismatchWithLeaseOperation")
    lease.renew()
    lease.release()
    assert _statuses(sim)[-2:] == [200, 200]
    assert _lease(blob) == ("available", "unlocked", None)
    BlobLeaseClient(blob).acquire(15)  # released: anyone can take it at once


def test_a_fixed_lease_expires_in_simulated_time(sim: Sim, blob) -> None:
    first = BlobLeaseClient(blob)
    first.acquire(60)
    sim.advance(59)
    assert _lease(blob)[0] == "leased"
    sim.advance(2)
    assert _lease(blob) == ("expired", "unlocked", None)
    first.renew()  # nobody took it since: the holder may renew its expired lease
    assert _lease(blob)[0] == "leased"
    sim.advance(61)
    second = BlobLeaseClient(blob)
    second.acquire(15)
    with pytest.raises(HttpResponseError) as info:
        first.renew()
    assert _code(info) == "LeaseIdMismatchWithLeaseOperation"


def test_break_an_infinite_lease_at_once(sim: Sim, blob) -> None:
    lease = BlobLeaseClient(blob)
    lease.acquire(-1)
    assert BlobLeaseClient(blob).break_lease() == 0
    assert _statuses(sim)[-1] == 202
    assert _lease(blob) == ("broken", "unlocked", None)
    with pytest.raises(HttpResponseError) as info:
        lease.renew()
    assert (info.value.status_code, _code(info)) == (409, "LeaseIsBrokenAndCannotBeRenewed")
    BlobLeaseClient(blob).acquire(15)


def test_break_with_a_period_passes_through_breaking(sim: Sim, blob) -> None:
    lease = BlobLeaseClient(blob)
    lease.acquire(60)
    assert BlobLeaseClient(blob).break_lease(lease_break_period=10) == 10
    assert _lease(blob) == ("breaking", "locked", None)
    with pytest.raises(HttpResponseError) as info:
        BlobLeaseClient(blob).acquire(15)
    assert _code(info) == "LeaseAlreadyPresent"
    sim.advance(11)
    assert _lease(blob)[0] == "broken"
    lease.release()  # a broken lease can still be released by its holder
    assert _lease(blob)[0] == "available"


def test_break_of_a_fixed_lease_defaults_to_its_remaining_time(sim: Sim, blob) -> None:
    BlobLeaseClient(blob).acquire(30)
    sim.advance(10)
    assert BlobLeaseClient(blob).break_lease() == 20


def test_break_and_change_without_a_lease_are_409(blob) -> None:
    with pytest.raises(HttpResponseError) as info:
        BlobLeaseClient(blob).break_lease()
    assert (info.value.status_code, _code(info)) == (409, "LeaseNotPresentWithLeaseOperation")
    with pytest.raises(HttpResponseError) as info:
        BlobLeaseClient(blob).change(str(uuid.uuid4()))
    assert _code(info) == "LeaseNotPresentWithLeaseOperation"


def test_change_moves_the_lease_to_a_new_id(sim: Sim, blob) -> None:
    lease = BlobLeaseClient(blob)
    lease.acquire(-1)
    old = lease.id
    new = str(uuid.uuid4())
    lease.change(new)
    assert lease.id == new and _statuses(sim)[-1] == 200
    with pytest.raises(HttpResponseError) as info:
        BlobLeaseClient(blob, lease_id=old).renew()
    assert _code(info) == "LeaseIdMismatchWithLeaseOperation"
    lease.release()
    assert _lease(blob)[0] == "available"
