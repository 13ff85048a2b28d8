"""An operation between its step groups (waiting out `--interval`, a drill's hold) is running, not
interrupted: its own live process holds the operator lease. Seen through `sim serve`, where such
waits last wall minutes, `status` told the operator to resume a drill that was still at work."""

from __future__ import annotations

import os
import socket

from mcctl.domain.lease import LeaseHolder, LockStatus
from mcctl.domain.status import OpenOperation, OperationState
from mcctl.ops.status import _still_running

OP = "20261202-045523-c4d4"


def _op(state: OperationState = OperationState.INTERRUPTED, op_id: str = OP) -> OpenOperation:
    return OpenOperation(op_id, state, "interrupted", "drill", "drill westeurope", "4/12", None, "oncall")


def _lock(pid: int, host: str | None = None, operation: str | None = OP, state: str = "leased") -> LockStatus:
    holder = LeaseHolder("oncall", host or socket.gethostname(), pid, operation, "mcctl drill run d.yaml", "now")
    return LockStatus("blob", "https://127.0.0.1/@blob/a/c/b", state, holder, "2026-12-02T05:00:00Z")


def test_the_operation_whose_live_process_holds_the_lease_is_running() -> None:
    [op, other] = _still_running([_op(), _op(op_id="20261201-000000-aaaa")], _lock(os.getpid()))
    assert op.state is OperationState.RUNNING and op.to_dict()["state"] == "running"
    assert other.state is OperationState.INTERRUPTED  # someone else's stopped operation stays so


def test_a_holder_whose_process_is_gone_leaves_it_interrupted() -> None:
    gone = 2**22 + 12345  # above any pid this machine hands out
    assert _still_running([_op()], _lock(gone))[0].state is OperationState.INTERRUPTED


def test_a_holder_on_another_machine_is_trusted_while_its_lease_lives() -> None:
    assert _still_running([_op()], _lock(1, host="ops-2"))[0].state is OperationState.RUNNING
    assert _still_running([_op()], _lock(1, host="ops-2", state="expired"))[0].state is OperationState.INTERRUPTED


def test_a_manual_hold_or_no_lock_changes_nothing() -> None:
    assert _still_running([_op()], _lock(os.getpid(), operation=None))[0].state is OperationState.INTERRUPTED
    assert _still_running([_op()], None)[0].state is OperationState.INTERRUPTED
    in_flight = _op(OperationState.IN_FLIGHT)
    assert _still_running([in_flight], _lock(os.getpid()))[0].state is OperationState.IN_FLIGHT
