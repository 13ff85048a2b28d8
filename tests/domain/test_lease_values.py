"""The operator lease's values, without a lease: the lock file's expiry judgement, the blob's
status, and how a refusal reads."""

from __future__ import annotations

from typing import Any

from mcctl.domain.lease import (
    LeaseHolder,
    LockStatus,
    blob_lock_status,
    held_error,
    holder_died_here,
    lock_file_record,
    lock_file_state,
)
from mcctl.errors import ExitCode

ALICE = LeaseHolder("alice@contoso.com", "ops-1", 4242, "op-1", "mcctl scale weu-1 4", "t0")


def _never_asked(pid: Any) -> bool:
    raise AssertionError(f"asked whether {pid} is alive")


def _wall(now: float) -> Any:
    return lambda: now


def test_lock_file_state_judges_expiry_and_dead_local_holders() -> None:
    record = lock_file_record("lease-1", ALICE, 100.0)
    assert lock_file_state(None, wall=_wall(0), host="ops-1", alive=_never_asked) == "available"
    assert lock_file_state({}, wall=_wall(0), host="ops-1", alive=_never_asked) == "abandoned"
    assert lock_file_state(record, wall=_wall(100.0), host="ops-1", alive=_never_asked) == "expired"
    assert lock_file_state(record, wall=_wall(50.0), host="ops-2", alive=_never_asked) == "leased"
    assert lock_file_state(record, wall=_wall(50.0), host="ops-1", alive=lambda pid: pid != 4242) == "abandoned"
    assert lock_file_state(record, wall=_wall(50.0), host="ops-1", alive=lambda pid: True) == "leased"
    manual = lock_file_record("lease-2", ALICE, None)
    assert manual["expires_at"] is None
    assert lock_file_state(manual, wall=_never_asked, host="ops-1", alive=_never_asked) == "leased"


def test_blob_status_names_the_holder_and_only_a_fixed_lease_expires() -> None:
    metadata = {**ALICE.to_metadata(), "expires_at": "2026-11-26T05:17:00Z"}
    fixed = blob_lock_status("https://x/c/b", "leased", metadata, "fixed")
    assert fixed.holder == ALICE and fixed.expires_at == "2026-11-26T05:17:00Z" and fixed.held
    assert blob_lock_status("https://x/c/b", "leased", metadata, "infinite").expires_at is None
    free = blob_lock_status("https://x/c/b", "available", metadata, None)
    assert free.holder is None and not free.held and free.to_dict()["actor"] is None


def test_held_error_names_holder_expiry_and_the_way_out() -> None:
    status = LockStatus("blob", "https://x/c/b", "leased", ALICE, "2026-11-26T05:17:00Z")
    error = held_error(status, estate="demo", simulated=True)
    assert error.exit_code == ExitCode.LOCKED
    assert error.message == (
        "estate 'demo' is locked by alice@contoso.com (pid 4242 on ops-1) running operation op-1 "
        "(mcctl scale weu-1 4) since t0; the lease expires 2026-11-26T05:17:00Z unless renewed "
        "(blob lock https://x/c/b)"
    )
    assert "`mcctl --sim lock break --reason TEXT`" in str(error.hint)


def test_only_a_dead_run_of_the_same_operation_on_this_host_is_taken_over() -> None:
    me = LeaseHolder("alice@contoso.com", "ops-1", 99, "op-1", "mcctl resume op-1", "t1")
    assert holder_died_here(ALICE, me, None, alive=lambda pid: False)
    assert not holder_died_here(ALICE, me, None, alive=lambda pid: True)
    other_op = LeaseHolder("alice@contoso.com", "ops-1", 99, "op-2", "mcctl rollback op-1", "t1")
    assert not holder_died_here(ALICE, other_op, None, alive=_never_asked)
    assert holder_died_here(ALICE, other_op, "op-1", alive=lambda pid: False)
    elsewhere = LeaseHolder("alice@contoso.com", "ops-2", 99, "op-1", "mcctl resume op-1", "t1")
    assert not holder_died_here(ALICE, elsewhere, None, alive=_never_asked)
