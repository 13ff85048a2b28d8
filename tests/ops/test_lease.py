"""The operator lease, both kinds: a blob lease on the simulated blob service (through the real
azure-storage-blob client) and the local lock file."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mcctl.adapters.clients import AzureSession
from mcctl.bootstrap import simulated_session
from mcctl.domain.estate import Estate
from mcctl.errors import AzureRequestError, ExitCode, LockHeld
from mcctl.ops.lease import (
    BlobLease,
    LeaseHolder,
    LocalFileLease,
    forget_hold,
    holding,
    local_lock_path,
    make_holder,
    open_lease,
    remember_hold,
)
from mcctl.sim.app import Sim

ALICE = LeaseHolder("alice@contoso.com", "ops-1", 4242, "20261126-051600-3fa2", "mcctl scale weu-1 4", "t0")
BOB = LeaseHolder("bob@contoso.com", "ops-2", 77, "20261126-052000-aaaa", "mcctl scale neu-1 2", "t1")


def _blob_puts(sim: Sim) -> int:
    return sum(1 for r in sim.requests if r.method == "PUT" and r.path.endswith("/demo.lock"))


# -- choosing the kind ----------------------------------------------------------------------------------
def test_open_lease_uses_the_configured_blob(session: AzureSession, demo_estate: Estate) -> None:
    lease = open_lease(session, demo_estate)
    assert isinstance(lease, BlobLease) and lease.shared
    assert lease.location == "https://stmcdemoops.blob.sim.mcctl.invalid/mcctl-locks/demo.lock"


def test_open_lease_without_lock_is_a_local_file_under_the_state_dir(
    sim: Sim, demo_estate: Estate, tmp_path: Path
) -> None:
    estate = dataclasses.replace(demo_estate, lock=None)
    lease = open_lease(simulated_session(estate, sim), estate)
    assert isinstance(lease, LocalFileLease) and not lease.shared
    assert Path(lease.location) == tmp_path / "state" / "locks" / "sim-demo.lock"
    assert local_lock_path("demo", simulated=False) == tmp_path / "state" / "locks" / "demo.lock"


# -- blob lease -----------------------------------------------------------------------------------------
def test_second_acquire_is_refused_naming_the_holder(session: AzureSession, demo_estate: Estate) -> None:
    open_lease(session, demo_estate).acquire(ALICE)
    with pytest.raises(LockHeld) as info:
        open_lease(session, demo_estate).acquire(BOB)
    assert info.value.exit_code == ExitCode.LOCKED == 8
    message = info.value.message
    assert "alice@contoso.com (pid 4242 on ops-1)" in message
    assert "20261126-051600-3fa2" in message and "mcctl scale weu-1 4" in message
    assert "the lease expires " in message and "unless renewed" in message
    assert "mcctl --sim lock break --reason" in (info.value.hint or "")


def test_status_shows_holder_operation_and_expiry(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    lease = open_lease(session, demo_estate)
    assert (lease.status().state, lease.status().holder) == ("available", None)
    lease.acquire(ALICE)
    status = open_lease(session, demo_estate).status()
    assert (status.kind, status.state, status.holder) == ("blob", "leased", ALICE)
    from mcctl.ops.lease import iso

    assert status.expires_at == iso(sim.now() + 60)


def test_release_frees_it_and_is_idempotent(session: AzureSession, demo_estate: Estate) -> None:
    lease = open_lease(session, demo_estate)
    lease.acquire(ALICE)
    assert lease.release() is True
    assert lease.release() is False
    status = lease.status()
    assert (status.state, status.holder) == ("available", None)  # the holder metadata is cleared too
    open_lease(session, demo_estate).acquire(BOB)


def test_an_expired_lease_is_taken_over_and_its_holder_learns_it_lost_it(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    first = open_lease(session, demo_estate)
    first.acquire(ALICE)
    sim.advance(61)  # the holder died: nobody renewed
    assert first.status().state == "expired"
    second = open_lease(session, demo_estate)
    second.acquire(BOB)
    assert second.status().holder == BOB
    with pytest.raises(LockHeld) as info:
        first.renew_if_due()
    assert "was lost" in info.value.message and "bob@contoso.com" in info.value.message
    assert first.release() is False  # nothing of ours left: and Bob's lease is untouched
    assert second.status().holder == BOB


def test_renew_if_due_renews_only_after_half_the_lease(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    lease = open_lease(session, demo_estate)
    lease.acquire(ALICE)
    before = _blob_puts(sim)
    sim.advance(20)
    lease.renew_if_due()
    assert _blob_puts(sim) == before  # not due: no request at all
    sim.advance(11)
    lease.renew_if_due()
    assert _blob_puts(sim) == before + 2  # renew + the new expiry in the metadata
    from mcctl.ops.lease import iso

    assert lease.status().expires_at == iso(sim.now() + 60)
    sim.advance(31)  # 62 s after the acquire: alive only because it was renewed
    assert lease.status().state == "leased"


def test_a_broken_lease_is_lost_at_the_next_renewal(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    lease = open_lease(session, demo_estate)
    lease.acquire(ALICE)
    before = open_lease(session, demo_estate).break_lock()
    assert before.holder == ALICE and before.state == "leased"
    assert lease.status().state == "broken"
    sim.advance(31)
    with pytest.raises(LockHeld) as info:
        lease.renew_if_due()
    assert "LeaseIsBrokenAndCannotBeRenewed" in info.value.message


def test_a_storage_blip_during_renewal_is_retried_at_the_next_poll(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    lease = open_lease(session, demo_estate)
    lease.acquire(ALICE)
    sim.advance(31)
    sim.add_fault({"kind": "error", "method": "PUT", "path": "/demo.lock", "count": 1, "status": 503})
    expiry, before = lease.status().expires_at, sim.now()
    lease.renew_if_due()  # fails fast (no SDK backoff longer than the lease): no error, time is left
    assert sim.faults == [] and lease.status().expires_at == expiry
    assert sim.now() - before < 1
    sim.advance(10)
    lease.renew_if_due()  # the next poll renews
    assert lease.status().state == "leased" and lease.status().expires_at != expiry


def test_renewal_failing_until_the_lease_is_nearly_over_is_an_error(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    lease = open_lease(session, demo_estate)
    lease.acquire(ALICE)
    sim.advance(31)
    sim.add_fault({"kind": "error", "method": "PUT", "path": "/demo.lock", "count": 2, "status": 503})
    lease.renew_if_due()
    sim.advance(18)  # 49 s: no time left to wait for another poll
    with pytest.raises(AzureRequestError) as info:
        lease.renew_if_due()
    assert info.value.code == "ServiceUnavailable" and "renewing the operator lease" in info.value.message


def test_break_lock_when_nobody_holds_it_changes_nothing(session: AzureSession, demo_estate: Estate) -> None:
    lease = open_lease(session, demo_estate)
    assert lease.break_lock().state == "available"
    lease.acquire(ALICE)  # not broken into a state that blocks anything


def test_holding_releases_on_keyboard_interrupt_and_on_success(session: AzureSession, demo_estate: Estate) -> None:
    lease = open_lease(session, demo_estate)
    with pytest.raises(KeyboardInterrupt), holding(lease, ALICE) as held:
        assert held.status().holder == ALICE
        raise KeyboardInterrupt
    assert lease.status().state == "available"
    with holding(lease, BOB):
        pass
    assert lease.status().state == "available"


def test_holding_does_not_release_what_it_could_not_acquire(session: AzureSession, demo_estate: Estate) -> None:
    open_lease(session, demo_estate).acquire(ALICE)
    with pytest.raises(LockHeld), holding(open_lease(session, demo_estate), BOB):
        pytest.fail("must not run")
    assert open_lease(session, demo_estate).status().holder == ALICE


def test_operations_join_this_machines_manual_hold_and_leave_it_held(
    session: AzureSession, demo_estate: Estate
) -> None:
    manual = open_lease(session, demo_estate)
    manual.acquire(ALICE, indefinite=True)
    remember_hold(manual, "maintenance")
    status = manual.status()
    assert (status.state, status.expires_at) == ("leased", None)
    with holding(open_lease(session, demo_estate), BOB) as joined:
        assert joined.joined
    assert open_lease(session, demo_estate).status().holder == ALICE  # still the manual hold
    forget_hold(manual)  # another machine has no record of the hold: refused
    with pytest.raises(LockHeld):
        open_lease(session, demo_estate).acquire(BOB)


def test_make_holder_names_the_signed_in_identity(session: AzureSession, sim: Sim) -> None:
    holder = make_holder(session, "op-1", "mcctl scale weu-1 4")
    assert holder.actor.endswith("@sim.mcctl") and holder.pid == os.getpid()
    assert holder.host == socket.gethostname() and holder.operation == "op-1"


def test_holder_metadata_is_header_safe() -> None:
    holder = dataclasses.replace(ALICE, command="mcctl scale 'wéu-1'\n4")
    metadata = holder.to_metadata()
    assert metadata["command"] == "mcctl scale 'w\\xe9u-1' 4"
    assert LeaseHolder.from_metadata(ALICE.to_metadata()) == ALICE


# -- local lock file ------------------------------------------------------------------------------------
class FakeTime:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


def _local(path: Path, clock: FakeTime, host: str | None = None) -> LocalFileLease:
    return LocalFileLease(path, estate="demo", simulated=False, clock=clock, wall=clock, host=host or "ops-1")


def test_local_second_acquire_is_refused_naming_the_holder(tmp_path: Path, clock: FakeTime) -> None:
    path = tmp_path / "locks" / "demo.lock"
    _local(path, clock).acquire(dataclasses.replace(ALICE, pid=os.getpid()))
    with pytest.raises(LockHeld) as info:
        _local(path, clock).acquire(BOB)
    assert info.value.exit_code == 8 and "alice@contoso.com" in info.value.message
    assert "local lock" in info.value.message and "mcctl lock break" in (info.value.hint or "")
    record = json.loads(path.read_text())
    assert record["holder"]["actor"] == "alice@contoso.com" and record["expires"] == clock.now + 60
    assert path.stat().st_mode & 0o777 == 0o600


def test_local_release_and_status(tmp_path: Path, clock: FakeTime) -> None:
    path = tmp_path / "demo.lock"
    lease = _local(path, clock)
    assert lease.status().state == "available"
    lease.acquire(dataclasses.replace(ALICE, pid=os.getpid()))
    status = lease.status()
    assert (status.kind, status.state, status.holder.actor) == ("local", "leased", "alice@contoso.com")
    assert lease.release() is True and not path.exists()
    assert lease.release() is False


def test_local_expired_lock_is_taken_over(tmp_path: Path, clock: FakeTime) -> None:
    path = tmp_path / "demo.lock"
    first = _local(path, clock)
    first.acquire(dataclasses.replace(ALICE, pid=os.getpid()))
    clock.now += 61
    assert first.status().state == "expired"
    second = _local(path, clock)
    second.acquire(BOB)
    assert second.status().holder == BOB
    with pytest.raises(LockHeld):
        first.renew_if_due()  # it knows it lost the lock
    assert first.release() is False and path.exists()


def test_local_lock_of_a_dead_process_on_this_host_is_taken_over(tmp_path: Path, clock: FakeTime) -> None:
    dead_pid = _dead_pid()
    path = tmp_path / "demo.lock"
    _local(path, clock).acquire(dataclasses.replace(ALICE, host="ops-1", pid=dead_pid))
    assert _local(path, clock).status().state == "abandoned"
    _local(path, clock).acquire(BOB)
    # the same dead pid on another host proves nothing: that lock stands until it expires
    other = tmp_path / "other.lock"
    _local(other, clock, host="ops-9").acquire(dataclasses.replace(ALICE, host="ops-1", pid=dead_pid))
    with pytest.raises(LockHeld):
        _local(other, clock, host="ops-2").acquire(BOB)


def test_local_manual_hold_survives_its_process(tmp_path: Path, clock: FakeTime) -> None:
    path = tmp_path / "demo.lock"
    _local(path, clock).acquire(dataclasses.replace(ALICE, pid=_dead_pid()), indefinite=True)
    clock.now += 86400
    with pytest.raises(LockHeld) as info:
        _local(path, clock).acquire(BOB)
    assert "held until released" in info.value.message
    assert _local(path, clock).break_lock().holder.actor == "alice@contoso.com"
    _local(path, clock).acquire(BOB)


def test_local_renew_if_due_extends_the_expiry_only_when_due(tmp_path: Path, clock: FakeTime) -> None:
    path = tmp_path / "demo.lock"
    lease = _local(path, clock)
    lease.acquire(dataclasses.replace(ALICE, pid=os.getpid()))
    first_expiry = json.loads(path.read_text())["expires"]
    clock.now += 29
    lease.renew_if_due()
    assert json.loads(path.read_text())["expires"] == first_expiry
    clock.now += 2
    lease.renew_if_due()
    assert json.loads(path.read_text())["expires"] == clock.now + 60


def test_local_holding_releases_on_keyboard_interrupt(tmp_path: Path, clock: FakeTime) -> None:
    path = tmp_path / "demo.lock"
    with pytest.raises(KeyboardInterrupt), holding(_local(path, clock), dataclasses.replace(ALICE, pid=os.getpid())):
        assert path.exists()
        raise KeyboardInterrupt
    assert not path.exists()


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid
