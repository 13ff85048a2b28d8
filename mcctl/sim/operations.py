"""Long-running operations of the simulated ARM: started by providers, completed by `Sim.settle` when
their simulated duration has elapsed, and watched through Azure-AsyncOperation or Location monitors.
A part of `Sim` (a mixin: its store, clock and faults)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mcctl.sim.clock import iso
from mcctl.sim.http import ArmError, SimResponse

if TYPE_CHECKING:
    from mcctl.sim.clock import SimClock
    from mcctl.sim.faults import Faults
    from mcctl.sim.store import SimStore


class Operations:
    """Needs the store, clock and faults of the class it is mixed into, and its `settle`."""

    store: SimStore
    clock: SimClock
    _faults: Faults

    def settle(self) -> None:
        raise NotImplementedError  # Sim's

    def current_caller(self) -> str | None:
        """Who sent the request being handled on this thread (None outside a request)."""
        raise NotImplementedError  # Sim's

    def started_by_caller(self, op: dict[str, Any]) -> bool:
        """Whether the request being handled comes from the client that started `op`: only that
        client's repeat of a request joins the operation it started (a retry); another client's
        identical request is a request of its own (409 while it runs), never handed someone else's
        operation to journal as its own. An operation that recorded no caller is anyone's."""
        return op.get("caller") is None or op["caller"] == self.current_caller()

    @property
    def settings(self) -> dict[str, Any]:
        return self.store.data["settings"]

    def start_operation(
        self,
        kind: str,
        *,
        resource_id: str,
        location: str,
        duration: float,
        effect: str | None = None,
        args: dict[str, Any] | None = None,
        result_id: str | None = None,
        on_failure: str | None = None,
    ) -> dict[str, Any]:
        """Record an operation that completes `duration` simulated seconds from now.

        `effect` names a registered function applied at completion (state is persisted, so effects
        are data, not closures). An armed `lro_failure` fault matching `kind` makes it fail instead,
        and then the `on_failure` effect (same args) puts the resource back in a settled state.
        """
        op_id = str(uuid.uuid4())
        op = {
            "id": op_id,
            "seq": self.store.next_seq(),
            "kind": kind,
            "resource_id": resource_id,
            "location": location,
            "start": self.clock.now(),
            "due": self.clock.now() + max(0.0, duration),
            "status": "InProgress",
            "effect": {"name": effect, "args": args or {}} if effect else None,
            "on_failure": {"name": on_failure, "args": args or {}} if on_failure else None,
            "result_id": result_id,
            "fail": self._faults.take_lro_failure(kind, resource_id),
            "error": None,
            "caller": self.current_caller(),
        }
        self.store.data["operations"][op_id] = op
        self.store.dirty = True
        if duration <= 0:
            self.settle()
        return op

    def operation(self, op_id: str) -> dict[str, Any]:
        op = self.store.data["operations"].get(op_id)
        if op is None:
            raise ArmError(404, "OperationNotFound", f"The operation '{op_id}' was not found.")
        return op

    def retry_after(self, op: dict[str, Any]) -> str:
        remaining = max(0.0, op["due"] - self.clock.now())
        return str(max(1, min(math.ceil(remaining), int(self.settings.get("poll_seconds", 10)))))

    def async_operation_status(self, op_id: str, status_url: str | None = None) -> SimResponse:
        """An Azure-AsyncOperation monitor: 200 with a mandatory `status`."""
        op = self.operation(op_id)
        body: dict[str, Any] = {
            "id": status_url or op_id,
            "name": op_id,
            "status": op["status"],
            "startTime": iso(op["start"]),
        }
        headers: dict[str, str] = {}
        if op["status"] == "InProgress":
            headers["Retry-After"] = self.retry_after(op)
        else:
            body["endTime"] = iso(op["end"])
        if op["status"] == "Failed" and op.get("error"):
            body["error"] = {"code": op["error"]["code"], "message": op["error"]["message"]}
        return SimResponse(200, body, headers)

    def location_status(self, op_id: str, result: Callable[[], Any] | None = None) -> SimResponse:
        """A Location monitor: 202 while running, the result (200) or 204 when done, an error if failed."""
        op = self.operation(op_id)
        if op["status"] == "InProgress":
            return SimResponse(202, None, {"Retry-After": self.retry_after(op)})
        if op["status"] == "Failed":
            err = op.get("error") or {}
            raise ArmError(err.get("status", 400), err.get("code", "OperationFailed"), err.get("message", "failed"))
        if result is not None:
            return SimResponse(200, result())
        return SimResponse(204)
