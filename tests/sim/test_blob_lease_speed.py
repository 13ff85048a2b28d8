"""Blob lease durations are wall seconds, as Azure's are: while `sim serve --speed N` runs simulated
time N times faster than the wall, a 60-second operator lease still lasts 60 wall seconds, so a
client renewing it on the wall clock over HTTPS keeps it. No sleeping: the wall is a fake the
simulator's clock reads, and the speed keeper is renewed by hand (as in test_sim_speed.py)."""

from __future__ import annotations

import pytest
from azure.storage.blob import BlobLeaseClient, BlobServiceClient

from mcctl.sim.app import Sim
from mcctl.sim.clock import SimClock
from mcctl.sim.credential import SimCredential
from mcctl.sim.server import SpeedKeeper
from mcctl.sim.transport import InProcessTransport
from tests.sim.test_sim_speed import FakeWall

ACCOUNT_URL = "https://stmcdemoops.blob.sim.mcctl.invalid"
SPEED = 60.0


@pytest.fixture
def wall(sim: Sim) -> FakeWall:
    fake = FakeWall()
    sim.clock = SimClock(wall=fake)
    return fake


@pytest.fixture
def keeper(sim: Sim, wall: FakeWall) -> SpeedKeeper:
    keeper = SpeedKeeper(sim, SPEED)
    assert keeper.renew()
    return keeper


@pytest.fixture
def blob(sim: Sim):
    service = BlobServiceClient(ACCOUNT_URL, credential=SimCredential(), transport=InProcessTransport(sim))
    client = service.get_blob_client("mcctl-locks", "demo.lock")
    client.upload_blob(b"", overwrite=False)
    yield client
    service.close()


def _pass(wall: FakeWall, keeper: SpeedKeeper, seconds: float) -> None:
    """`seconds` wall seconds pass while the server keeps its speed (renewing once a second)."""
    for _ in range(int(seconds)):
        wall.t += 1
        assert keeper.renew()
    wall.t += seconds - int(seconds)


def _state(blob) -> str:
    return blob.get_blob_properties().lease.state


def test_a_lease_lasts_its_duration_in_wall_seconds_at_speed(sim: Sim, wall, keeper, blob) -> None:
    lease = BlobLeaseClient(blob)
    lease.acquire(60)
    start = sim.now()
    _pass(wall, keeper, 59)
    assert sim.now() - start == pytest.approx(59 * SPEED)  # an hour of simulated time went by
    assert _state(blob) == "leased"
    _pass(wall, keeper, 2)
    assert _state(blob) == "expired"


def test_a_renewal_at_speed_restarts_a_wall_duration(sim: Sim, wall, keeper, blob) -> None:
    lease = BlobLeaseClient(blob)
    lease.acquire(15)
    for _ in range(4):  # what the operator lock's renewer does: renew well within the duration
        _pass(wall, keeper, 10)
        assert _state(blob) == "leased"  # still held when the renewal comes
        lease.renew()
    _pass(wall, keeper, 16)
    assert _state(blob) == "expired"


def test_a_break_period_at_speed_is_wall_seconds(sim: Sim, wall, keeper, blob) -> None:
    BlobLeaseClient(blob).acquire(60)
    assert BlobLeaseClient(blob).break_lease(lease_break_period=10) == 10
    _pass(wall, keeper, 9)
    assert _state(blob) == "breaking"
    _pass(wall, keeper, 2)
    assert _state(blob) == "broken"


def test_breaking_a_fixed_lease_at_speed_reports_its_remaining_wall_time(sim: Sim, wall, keeper, blob) -> None:
    BlobLeaseClient(blob).acquire(30)
    _pass(wall, keeper, 10)
    assert BlobLeaseClient(blob).break_lease() == 20
