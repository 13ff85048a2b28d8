"""The simulator's state: ARM resources keyed by lower-cased id, operations, faults, outages, clock.

Persisted as one JSON file per estate with atomic replace, and guarded by an exclusive file lock
around every request, so several mcctl processes (two operators, a killed-and-resumed run) see one
consistent simulated Azure.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

STATE_VERSION = 1


def empty_state(estate: str, fingerprint: str) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "estate": estate,
        "fingerprint": fingerprint,
        "clock_offset": 0.0,
        "seq": 0,
        "settings": {"page_size": 5, "poll_seconds": 10},
        "resources": {},
        "operations": {},
        "faults": [],
        "outages": [],
        "edge": {},
    }


class SimStore:
    """Holds the state dict; `transaction()` gives exclusive, up-to-date access to it."""

    def __init__(self, path: Path | None, state: dict[str, Any]) -> None:
        self.path = path
        self.data = state
        self.dirty = False
        self._lock = threading.RLock()
        self._depth = 0
        self._stamp: tuple[int, int, int] | None = None
        self._lock_fd: int | None = None

    @classmethod
    def open(cls, path: Path, fresh: Callable[[], dict[str, Any]], fingerprint: str) -> tuple[SimStore, str | None]:
        """Load the state at `path`; (re)create it from `fresh()` when missing or seeded from another
        version of the estate file. Returns (store, why it was seeded or None)."""
        store = cls(path, {})
        path.parent.mkdir(parents=True, exist_ok=True)
        with store.transaction():
            reason = None
            if store._stamp is None:
                reason = "new"
            elif store.data.get("version") != STATE_VERSION or store.data.get("fingerprint") != fingerprint:
                reason = "estate file changed"
            if reason:
                store.data = fresh()
                store.dirty = True
        return store, reason

    def replace(self, state: dict[str, Any]) -> None:
        with self.transaction():
            self.data = state
            self.dirty = True

    @contextmanager
    def transaction(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            outermost = self._depth == 0
            self._depth += 1
            try:
                if outermost and self.path is not None:
                    self._acquire_file_lock()
                    self._reload_if_changed()
                try:
                    yield self.data
                except BaseException:
                    self._stamp = None  # memory may hold half a change: re-read the file next time
                    raise
                if outermost and self.dirty and self.path is not None:
                    self._write()
            finally:
                self._depth -= 1
                if outermost:
                    self.dirty = False
                    self._release_file_lock()

    # -- persistence -------------------------------------------------------------------------------
    def _acquire_file_lock(self) -> None:
        assert self.path is not None
        self._lock_fd = os.open(str(self.path) + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._lock_fd, fcntl.LOCK_EX)

    def _release_file_lock(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None

    def _file_stamp(self) -> tuple[int, int, int] | None:
        assert self.path is not None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _reload_if_changed(self) -> None:
        stamp = self._file_stamp()
        if stamp is not None and stamp != self._stamp:
            assert self.path is not None
            with open(self.path, encoding="utf-8") as fh:
                self.data = json.load(fh)
        self._stamp = stamp

    def _write(self) -> None:
        assert self.path is not None
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.data, fh, separators=(",", ":"))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._stamp = self._file_stamp()

    # -- resources ---------------------------------------------------------------------------------
    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.data["resources"]

    def get(self, resource_id: str) -> dict[str, Any] | None:
        return self.resources.get(resource_id.lower())

    def require(self, resource_id: str) -> dict[str, Any]:
        found = self.get(resource_id)
        if found is None:
            raise KeyError(resource_id)
        return found

    def put(self, body: dict[str, Any]) -> dict[str, Any]:
        self.resources[body["id"].lower()] = body
        self.dirty = True
        return body

    def delete(self, resource_id: str) -> None:
        if self.resources.pop(resource_id.lower(), None) is not None:
            self.dirty = True

    def children(self, parent_id: str, segment: str) -> list[dict[str, Any]]:
        """Direct children `{parent}/{segment}/{name}`, in creation order."""
        prefix = f"{parent_id.lower()}/{segment.lower()}/"
        return [
            body for key, body in self.resources.items() if key.startswith(prefix) and "/" not in key[len(prefix) :]
        ]

    def of_type(self, resource_type: str, subscription: str, resource_group: str | None = None) -> list[dict]:
        """Top-level resources of an ARM type in a subscription (or one of its resource groups)."""
        scope = f"/subscriptions/{subscription.lower()}/"
        if resource_group:
            scope += f"resourcegroups/{resource_group.lower()}/"
        wanted = resource_type.lower()
        return [
            body
            for key, body in self.resources.items()
            if key.startswith(scope) and body.get("type", "").lower() == wanted
        ]

    def next_seq(self) -> int:
        self.data["seq"] += 1
        self.dirty = True
        return self.data["seq"]

    def snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(self.data)
