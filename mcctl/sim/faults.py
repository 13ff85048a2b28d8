"""The simulator's armed faults: throttling, 5xx answers, failed operations and signals to the client.

They live in the store (like everything the simulator knows), so a fault armed by `mcctl sim
fault` in one process fires in the next one; each fires `count` times (None: until cleared).
"""

from __future__ import annotations

import fnmatch
import signal
from typing import Any

from mcctl.sim.http import ArmError, SimRequest, SimResponse
from mcctl.sim.store import SimStore

# What a `signal` fault may send: the signals a client is expected to handle (SIGKILL is `crash`).
FAULT_SIGNALS = {"TERM": signal.SIGTERM, "HUP": signal.SIGHUP, "INT": signal.SIGINT}


def path_matches(pattern: str, path: str) -> bool:
    """A fault's `path`: a substring of the request path, or a glob when it has `*`, `?` or `[`
    (`*origins/origin-weu-2`), both case-insensitive; "" matches any path."""
    pattern, path = pattern.lower(), path.lower()
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(path, pattern if pattern.startswith("*") else "*" + pattern)
    return pattern in path


class Faults:
    def __init__(self, store: SimStore) -> None:
        self.store = store

    @property
    def armed(self) -> list[dict[str, Any]]:
        return self.store.data["faults"]

    def add(self, fault: dict[str, Any]) -> dict[str, Any]:
        """Arm a fault. Kinds: throttle (429 + Retry-After), error (5xx), lro_failure, crash (the client
        process is killed right after the matching request was accepted), signal (the client process
        gets `signal`, one of FAULT_SIGNALS' names, at the same point).

        Common keys: method ("*"), path (`path_matches`: a substring, or a glob; "" = any), count (times it
        fires; None = until cleared). lro_failure matches an operation kind glob ("sql.*").
        """
        with self.store.transaction():
            fault = {"id": self.store.next_seq(), "method": "*", "path": "", "count": 1, **fault}
            self.armed.append(fault)
            self.store.dirty = True
        return fault

    def clear(self) -> None:
        with self.store.transaction():
            self.store.data["faults"] = []
            self.store.dirty = True

    def _consume(self, fault: dict[str, Any]) -> None:
        if fault.get("count") is not None:
            fault["count"] -= 1
            if fault["count"] <= 0:
                self.armed.remove(fault)
        self.store.dirty = True

    def take_response(self, req: SimRequest) -> SimResponse | None:
        """The answer an armed `throttle` or `error` fault gives this request instead of ARM, if any."""
        for fault in list(self.armed):
            if fault["kind"] not in ("throttle", "error"):
                continue
            if fault["method"] not in ("*", req.method) or not path_matches(fault["path"], req.path):
                continue
            self._consume(fault)
            if fault["kind"] == "throttle":
                retry_after = str(fault.get("retry_after", 1))
                headers = {"Retry-After": retry_after} if fault.get("retry_after", 1) is not None else {}
                return ArmError(
                    429,
                    fault.get("code", "TooManyRequests"),
                    fault.get("message", "The request is being throttled (simulated)."),
                    headers,
                ).response()
            status = int(fault.get("status", 503))
            return ArmError(
                status,
                fault.get("code", "ServiceUnavailable"),
                fault.get("message", f"The service is temporarily unavailable (simulated {status})."),
            ).response()
        return None

    def take_kill(self, req: SimRequest) -> int | None:
        """The signal an armed `crash` (SIGKILL) or `signal` fault sends after this request, if any."""
        for fault in list(self.armed):
            if fault["kind"] not in ("crash", "signal") or fault["method"] not in ("*", req.method):
                continue
            if not path_matches(fault["path"], req.path):
                continue
            signum = signal.SIGKILL if fault["kind"] == "crash" else FAULT_SIGNALS.get(str(fault.get("signal")))
            if signum is None:
                continue
            self._consume(fault)
            return int(signum)
        return None

    def take_lro_failure(self, kind: str, resource_id: str | None = None) -> dict[str, Any] | None:
        """The error an armed `lro_failure` fault makes an operation of this kind end with, if any;
        its `path` (when set) must match the operation's resource id, as a request's path would."""
        for fault in list(self.armed):
            if fault["kind"] != "lro_failure" or not fnmatch.fnmatch(kind, fault.get("operation", "*")):
                continue
            if fault.get("path") and not path_matches(fault["path"], resource_id or ""):
                continue
            self._consume(fault)
            return {
                "status": int(fault.get("status", 409)),
                "code": fault.get("code", "OperationFailed"),
                "message": fault.get("message", f"The operation {kind} failed (simulated)."),
            }
        return None
