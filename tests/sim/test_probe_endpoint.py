"""The simulated public endpoint's write probes (`/mcctl-probe/writes`), through the real HTTP path:
the SDK pipeline (adapters/probes.py send_probe) → in-process transport → Front Door edge → app → SQL."""

from __future__ import annotations

import json

from mcctl.adapters import sql
from mcctl.adapters.clients import AzureSession
from mcctl.adapters.lro import WaitOptions
from mcctl.adapters.probes import send_probe
from mcctl.sim.app import Sim
from mcctl.sim.providers.cdn import SERVED_BY_HEADER
from mcctl.sim.providers.sql import lost_writes, set_replication_lag, sql_state

NO_WAIT = WaitOptions(wait=False)


def _url(session: AzureSession, path: str) -> str:
    return f"https://{session.estate.frontdoor.endpoint_host}{path}"


def _write(session: AzureSession) -> tuple[int, dict]:
    response = send_probe(session, "POST", _url(session, "/mcctl-probe/writes"), timeout=2.0)
    return response.status, json.loads(response.body)


def _read(session: AzureSession, row_id: str) -> tuple[int, dict]:
    response = send_probe(session, "GET", _url(session, f"/mcctl-probe/writes/{row_id}"), timeout=2.0)
    return response.status, json.loads(response.body)


def _primary(sim: Sim) -> str:
    [group] = sql_state(sim)["groups"].values()
    return group["primary"].rsplit("/", 1)[-1]


def test_a_write_is_acknowledged_by_the_primary_and_reads_back(session: AzureSession, sim: Sim) -> None:
    response = send_probe(session, "POST", _url(session, "/mcctl-probe/writes"), timeout=2.0)
    body = json.loads(response.body)

    assert response.status == 201
    assert body["server"] == _primary(sim) == "sql-mc-weu"
    stamp, region = response.headers[SERVED_BY_HEADER].split("/")
    assert body["served_by"]["stamp"] == stamp and body["served_by"]["region"] == region
    assert response.seconds > 0  # the edge's and the app's simulated latency
    status, read = _read(session, body["id"])
    assert status == 200 and read["id"] == body["id"] and read["server"] == "sql-mc-weu"


def test_unknown_rows_and_paths_answer_404(session: AzureSession) -> None:
    assert _read(session, "w999999")[0] == 404
    response = send_probe(session, "GET", _url(session, "/mcctl-probe/other"), timeout=2.0)
    assert response.status == 404


def test_writes_fail_database_unavailable_while_the_primary_region_is_down_and_reads_still_route(
    session: AzureSession, sim: Sim
) -> None:
    sim.set_outage("westeurope", True)

    status, body = _write(session)

    assert status == 503 and body["error"]["code"] == "DatabaseUnavailable"
    assert body["served_by"]["region"] != "westeurope"  # the edge routed around the failed region
    page = send_probe(session, "GET", _url(session, "/"), timeout=2.0)
    assert page.status == 200 and not page.headers[SERVED_BY_HEADER].endswith("/westeurope")


def test_writes_are_read_only_while_a_failover_runs_then_go_to_the_new_primary(session: AzureSession, sim: Sim) -> None:
    group = session.estate.sql
    assert group is not None
    before = _write(session)[1]["id"]
    assert sql.failover(session, group, group.servers[1], "planned", NO_WAIT) is None

    status, body = _write(session)
    assert status == 503 and body["error"]["code"] == "DatabaseReadOnly"
    assert _read(session, before)[0] == 200  # reads go on during the failover

    sim.advance(61)
    status, body = _write(session)
    assert status == 201 and body["server"] == "sql-mc-neu"
    assert _read(session, before)[0] == 200  # a planned failover loses nothing
    assert lost_writes(sim)[-1:] == []


def test_a_forced_failover_after_an_outage_loses_the_writes_in_the_lag_before_the_outage(
    session: AzureSession, sim: Sim
) -> None:
    group = session.estate.sql
    assert group is not None
    old = _write(session)[1]["id"]
    sim.advance(60)  # well before the lag window
    recent = []
    for _ in range(5):
        recent.append(_write(session)[1]["id"])
        sim.advance(2)
    sim.set_outage("westeurope", True)
    sim.advance(120)  # the failover comes long after the outage began: the loss is counted from the outage

    sql.failover(session, group, group.servers[1], "forced", WaitOptions())

    [loss] = lost_writes(sim)
    assert loss["seconds_of_lag"] == 30 and sorted(loss["rows"]) == sorted(recent)
    assert _read(session, old)[0] == 200
    for row in recent:
        status, body = _read(session, row)
        assert status == 404 and body["error"]["code"] == "RowNotFound"
    assert _write(session)[0] == 201  # the new primary takes writes again


def test_a_forced_failover_of_a_running_primary_loses_the_last_lag_seconds(session: AzureSession, sim: Sim) -> None:
    group = session.estate.sql
    assert group is not None
    set_replication_lag(sim, 10)
    kept = _write(session)[1]["id"]
    sim.advance(20)
    lost = _write(session)[1]["id"]
    # The forced failover completes 30 s after its request: a lag of 35 s then reaches back past
    # the second row (written 31 s before) but not the first (51 s before).
    set_replication_lag(sim, 35)
    sim.advance(1)
    sql.failover(session, group, group.servers[1], "forced", WaitOptions())

    assert lost_writes(sim)[-1]["rows"] == [lost]
    assert _read(session, kept)[0] == 200 and _read(session, lost)[0] == 404


def test_readback_fails_database_unavailable_while_the_primary_is_down(session: AzureSession, sim: Sim) -> None:
    row = _write(session)[1]["id"]
    sim.set_outage("westeurope", True)
    status, body = _read(session, row)
    assert status == 503 and body["error"]["code"] == "DatabaseUnavailable"
