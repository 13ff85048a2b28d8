"""The application behind the simulated Front Door endpoint, for a drill's write probes.

The stamps' app writes through the SQL failover group's read-write listener, so the endpoint really
fails while the primary's region is down and while the group fails over, and a forced failover
really loses the writes acknowledged in the replication lag (mcctl/sim/providers/sql.py). Reached
through the edge (cdn.py `_answer_from`), after the origin's own checks (region down, app stopped):

- `POST /mcctl-probe/writes` → 201 `{"id", "served_by", "server"}`; 503 `DatabaseUnavailable` while
  the primary's region is down; 503 `DatabaseReadOnly` while a failover of the group is in progress.
- `GET /mcctl-probe/writes/{id}` → 200 `{"id", "served_by", "server", "written_at"}` when the current
  primary has the row, 404 `RowNotFound` when it does not (lost, or never written).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.sim.clock import iso
from mcctl.sim.http import SimResponse
from mcctl.sim.providers.sql import DatabaseError, read_row, write_row

if TYPE_CHECKING:
    from mcctl.sim.app import Sim

PREFIX = "/mcctl-probe"
WRITES = f"{PREFIX}/writes"
APP_LATENCY_SECONDS = 0.02  # the app's round trip to its database, on top of the edge's


def is_probe_path(path: str) -> bool:
    lowered = path.lower()
    return lowered == PREFIX or lowered.startswith(PREFIX + "/")


def answer(
    sim: Sim, method: str, path: str, served: dict[str, Any], headers: dict[str, str], latency: float
) -> SimResponse:
    """The app's answer to a probe path (the origin is up and its app running)."""
    latency += APP_LATENCY_SECONDS
    parts = [p for p in path.lower().split("/") if p]
    try:
        if parts == ["mcctl-probe", "writes"] and method == "POST":
            row = write_row(sim)
            body = {"id": row["id"], "served_by": served, "server": row["server"], "written_at": iso(row["at"])}
            return SimResponse(201, body, headers, latency)
        if len(parts) == 3 and parts[:2] == ["mcctl-probe", "writes"] and method == "GET":
            row_id = path.rstrip("/").rsplit("/", 1)[-1]
            found = read_row(sim, row_id)
            if found is None:
                error = {"code": "RowNotFound", "message": f"Row '{row_id}' is not in the database."}
                return SimResponse(404, {"error": error, "served_by": served}, headers, latency)
            body = {"id": row_id, "served_by": served, "server": found["server"], "written_at": iso(found["at"])}
            return SimResponse(200, body, headers, latency)
    except DatabaseError as err:
        error = {"code": err.code, "message": err.message}
        return SimResponse(503, {"error": error, "served_by": served}, headers, latency)
    error = {"code": "NotFound", "message": f"The app has no {method} {path}."}
    return SimResponse(404, {"error": error, "served_by": served}, headers, latency)
