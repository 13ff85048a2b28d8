"""A failover POST is handed back to the client that started it, never adopted by another one."""

from __future__ import annotations

import pytest

from mcctl.adapters import sql
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.estate import Estate
from mcctl.errors import AzureRequestError
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import failover_in_progress, sql_state
from tests.foreign_client import foreign_failover


def _failover_ops(sim: Sim) -> list[dict]:
    return [op for op in sim.store.data["operations"].values() if op["kind"].startswith("sql.failover.")]


def test_the_operation_records_its_caller_and_only_that_caller_gets_it_back(sim: Sim, demo_estate: Estate) -> None:
    first = foreign_failover(sim, demo_estate, "northeurope")
    again = foreign_failover(sim, demo_estate, "northeurope")  # az retrying: the same operation

    assert (first.status, again.status) == (202, 202)
    assert first.headers["Location"] == again.headers["Location"]
    [op] = _failover_ops(sim)
    assert op["caller"] == "99999999-aaaa-4bbb-8ccc-dddddddddddd"

    other = foreign_failover(sim, demo_estate, "northeurope", oid="77777777-0000-4000-8000-000000000000")
    assert other.status == 409 and other.body["error"]["code"] == "FailoverGroupBusy"
    assert len(_failover_ops(sim)) == 1


def test_mcctl_posting_the_same_failover_while_another_client_runs_it_gets_409(session, sim: Sim, demo_estate) -> None:
    assert foreign_failover(sim, demo_estate, "northeurope").status == 202
    group = demo_estate.sql

    with pytest.raises(AzureRequestError) as info:
        sql.failover(session, group, group.server_in("northeurope"), "planned", WaitOptions())

    assert (info.value.status, info.value.code) == (409, "FailoverGroupBusy")
    assert len(_failover_ops(sim)) == 1 and failover_in_progress(sim, group.name)


def test_after_another_client_s_failover_completed_mcctl_s_request_is_judged_afresh(
    session, sim: Sim, demo_estate
) -> None:
    assert foreign_failover(sim, demo_estate, "northeurope").status == 202
    sim.advance(61)
    group = demo_estate.sql
    assert sql_state(sim)["groups"]["fg-mc-demo"]["primary"].endswith("/sql-mc-neu")

    with pytest.raises(AzureRequestError) as info:  # not handed az's completed operation
        sql.failover(session, group, group.server_in("northeurope"), "planned", WaitOptions())

    assert (info.value.status, info.value.code) == (400, "FailoverGroupFailoverRequestOnPrimary")
    assert len(_failover_ops(sim)) == 1
