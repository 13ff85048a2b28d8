"""The simulator's state: ARM resources keyed by lower-cased id, operations, faults, outages, clock.

Persisted as one JSON file per estate with atomic replace, and guarded by an exclusive file lock
around every request, so several mcctl processes (two operators, a killed-and-resumed run) see one
consistent simulated Azure.

A file that cannot be used (not JSON, not a state, a non-finite clock or clock speed) is moved aside as
`<file>.corrupt-<UTC timestamp>` and reported: reseeding over it silently would hide from an
operator that their practice state was lost. `write_fresh()` replaces the file without reading it,
which is what makes `sim reset` work whatever the file holds.
"""

from __future__ import annotations

import copy
import fcntl
import json
import math
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TypeGuard

from mcctl.errors import SimStateDamaged, UsageError
from mcctl.sim.clock import MAX_OFFSET, clock_speed_problem

STATE_VERSION = 1
_REQUIRED = {
    "estate": str,
    "fingerprint": str,
    "seq": int,
    "settings": dict,
    "resources": dict,
    "operations": dict,
    "faults": list,
    "outages": list,
}
_OPTIONAL_SECTIONS = ("edge", "health", "sql", "redis", "blob")


def empty_state(estate: str, fingerprint: str) -> dict[str, Any]:
    return {
        "version": STATE_VERSION,
        "estate": estate,
        "fingerprint": fingerprint,
        "clock_offset": 0.0,
        "seq": 0,
        # page_size: absent (or None) pages each list as ARM does (mcctl/sim/paging.py); tests set one.
        "settings": {"poll_seconds": 10},
        "resources": {},
        "operations": {},
        "faults": [],
        "outages": [],
        "edge": {},
    }


def _finite(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def state_problem(data: object) -> str | None:
    """Why `data` is not a usable state of this version (None: it is). Checks the structure every
    request relies on, not every field of every resource body."""
    if not isinstance(data, dict):
        return f"not a JSON object but {type(data).__name__}"
    if data.get("version") != STATE_VERSION:
        return f"version {data.get('version')!r}, expected {STATE_VERSION}"
    for key, kind in _REQUIRED.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            return f"'{key}' is missing or not a {kind.__name__}"
    offset = data.get("clock_offset")
    if not _finite(offset) or not 0 <= offset <= MAX_OFFSET:
        return f"clock_offset {offset!r} is not a number of seconds between 0 and {MAX_OFFSET:.0f}"
    speed = clock_speed_problem(data.get("clock_speed"))  # absent unless `sim serve --speed` runs
    if speed:
        return speed
    for key in _OPTIONAL_SECTIONS:
        if key in data and not isinstance(data[key], dict):
            return f"'{key}' is not an object"
    for key in ("page_size", "poll_seconds"):
        value = data["settings"].get(key)
        if value is not None and (not _finite(value) or value < 1):
            return f"settings.{key} is not a positive number"
    return _entries_problem(data)


def _entries_problem(data: dict[str, Any]) -> str | None:
    if not all(isinstance(body, dict) for body in data["resources"].values()):
        return "a resource is not an object"
    for op in data["operations"].values():
        if not isinstance(op, dict) or not isinstance(op.get("status"), str):
            return "an operation has no status"
        if not _finite(op.get("due")) or not _finite(op.get("start")) or not isinstance(op.get("seq"), int):
            return f"operation {op.get('id')!r} has no valid start, due time or sequence number"
    for fault in data["faults"]:
        if not isinstance(fault, dict) or not all(isinstance(fault.get(k), str) for k in ("kind", "method", "path")):
            return "a fault is not an object with kind, method and path"
        if fault.get("count") is not None and not isinstance(fault["count"], int):
            return "a fault's count is not a whole number"
    if not all(isinstance(region, str) for region in data["outages"]):
        return "an outage is not a region name"
    return None


def _version_only(data: object) -> bool:
    """A well-formed state of another version: reseeded like a changed estate file, not damage."""
    return isinstance(data, dict) and isinstance(data.get("version"), int) and data["version"] != STATE_VERSION


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the simulator state directory {path}: {exc.strerror or exc}") from None


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
        self._opening = False
        self.previous_fingerprint: str | None = None  # what the file was seeded for, when open() read one
        self.generation = 0  # counts `replace`: a state replaced in process, not re-read from the file
        self.writes = 0  # how many times the state was written (tests bound it per command)

    @classmethod
    def open(
        cls, path: Path, fresh: Callable[[dict[str, Any] | None], dict[str, Any]], fingerprint: str
    ) -> tuple[SimStore, str | None]:
        """Load the state at `path`; (re)create it from `fresh(previous state or None)` when missing or
        seeded from another version of the estate file. Returns (store, why it was seeded or None)."""
        store = cls(path, {})
        _make_dir(path.parent)
        store._opening = True
        try:
            with store.transaction():
                store._remove_stale_writes()
                reason = None
                store.previous_fingerprint = store.data.get("fingerprint") if store._stamp is not None else None
                if store._stamp is None:
                    reason = "new"
                elif store.data.get("version") != STATE_VERSION or store.data.get("fingerprint") != fingerprint:
                    reason = "estate file changed"
                if reason:
                    previous = store.data if store.data.get("version") == STATE_VERSION else None
                    store.data = fresh(previous)
                    store.dirty = True
        finally:
            store._opening = False
        return store, reason

    @classmethod
    def write_fresh(cls, path: Path, state: dict[str, Any]) -> SimStore:
        """Replace whatever is at `path` with `state`, under the file lock, without reading it."""
        store = cls(path, state)
        _make_dir(path.parent)
        with store._file_lock():
            store._write()
        return store

    def replace(self, state: dict[str, Any]) -> None:
        with self.transaction():
            self.data = state
            self.generation += 1
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
    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        self._acquire_file_lock()
        try:
            yield
        finally:
            self._release_file_lock()

    def _acquire_file_lock(self) -> None:
        assert self.path is not None
        lock_path = str(self.path) + ".lock"
        try:
            self._lock_fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise UsageError(
                f"cannot lock simulator state file {self.path}: {exc.strerror or exc}", hint="check MCCTL_STATE_DIR"
            ) from None
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
            self.data = self._read()
        self._stamp = stamp

    def _read(self) -> dict[str, Any]:
        """The file's state, or SimStateDamaged after moving the file aside (the file lock is held)."""
        assert self.path is not None
        try:
            text = self.path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            return self._damaged("not UTF-8 text")
        except OSError as exc:
            raise UsageError(
                f"cannot read simulator state file {self.path}: {exc.strerror or exc}",
                hint="fix its permissions, or start over with: mcctl --sim sim reset",
            ) from None
        if not text.strip():
            return self._damaged("empty")
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, RecursionError) as exc:
            return self._damaged(f"not valid JSON: {' '.join(str(exc).split())[:120]}")
        if self._opening and _version_only(data):
            return data
        problem = state_problem(data)
        if problem:
            return self._damaged(problem)
        return data

    def _damaged(self, problem: str) -> NoReturn:
        assert self.path is not None
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        try:
            os.replace(self.path, target)
        except OSError:
            raise SimStateDamaged(str(self.path), problem, None) from None
        self._stamp = None
        raise SimStateDamaged(str(self.path), problem, str(target))

    def _remove_stale_writes(self) -> None:
        """A write is a temporary file renamed over the state, under the file lock: one still there
        while the lock is held was left by a process killed between the two (megabytes at scale)."""
        assert self.path is not None
        for stale in self.path.parent.glob(f"{self.path.name}*.tmp"):
            stale.unlink(missing_ok=True)

    def _write(self) -> None:
        assert self.path is not None
        try:
            fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        except OSError as exc:
            raise UsageError(f"cannot write simulator state in {self.path.parent}: {exc.strerror or exc}") from None
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.data, fh, separators=(",", ":"), allow_nan=False)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._stamp = self._file_stamp()
        self.writes += 1

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
