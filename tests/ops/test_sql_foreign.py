"""Another client's failover, met by mcctl's engine: a 409 that says so, nothing journaled as
applied; mcctl's own journaled failovers told apart from it; the rule judging a resume and a rollback."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcctl.bootstrap import services
from mcctl.domain.outside import Journaled, started_outside
from mcctl.domain.plan import Plan
from mcctl.domain.sqlfailover import FailoverRequest, plan_failover
from mcctl.errors import AzureRequestError, McctlError, SafetyRefusal
from mcctl.ops import usecases
from mcctl.ops.inflight import journaled
from mcctl.ops.journal import Journal
from mcctl.ops.journal_records import OperationStatus, StepStatus
from mcctl.ops.services import Approve
from mcctl.ops.sqlfailover import read_preflight, read_status
from mcctl.ops.usecases import RunOptions
from mcctl.sim.providers.sql import sql_state
from tests.foreign_client import foreign_failover


class AzStartsMeanwhile(Approve):
    """az starts its failover while the operator looks at mcctl's plan (after the pre-flight read)."""

    def __init__(self, sim, estate, region: str) -> None:
        super().__init__()
        self.sim, self.estate, self.region = sim, estate, region

    def approve(self, plan: Plan) -> None:
        assert foreign_failover(self.sim, self.estate, self.region).status == 202


def _failover_ops(sim) -> list[dict]:
    return [op for op in sim.store.data["operations"].values() if op["kind"].startswith("sql.failover.")]


def test_a_409_from_another_client_s_failover_says_so_and_journals_nothing_applied(
    session, sim, demo_estate, tmp_path: Path, registry
) -> None:
    journal = Journal(tmp_path / "journal.jsonl")
    preflight = read_preflight(session, demo_estate, journal=journal)
    plan = plan_failover(demo_estate, preflight, FailoverRequest(to="northeurope"))
    svc = services(
        demo_estate,
        session,
        journal,
        registry=registry,
        confirmation=AzStartsMeanwhile(sim, demo_estate, "northeurope"),
    )

    with pytest.raises(McctlError) as info:
        usecases.run(svc, plan, preflight.inventory.snapshot(), RunOptions())

    error = info.value
    assert isinstance(error, AzureRequestError) and error.exit_code == 4
    assert "FailoverGroupBusy" in error.message and "nothing was changed" in error.message
    assert "another client's failover of fg-mc-demo is running" in error.message
    [record] = journal.operations()
    assert record.status is OperationStatus.FAILED and record.applied_steps() == []
    assert record.outcomes[0]["status"] == StepStatus.FAILED
    [op] = _failover_ops(sim)  # az's, not adopted: mcctl started none
    assert op["caller"] != "11111111-2222-4333-8444-555555555555"
    assert journaled(journal, demo_estate, "sql_failover") == ()
    sim.advance(61)  # az's failover lands; mcctl's journal still says it applied nothing
    assert sql_state(sim)["groups"]["fg-mc-demo"]["primary"].endswith("/sql-mc-neu")
    assert journal.operation(record.id).applied_steps() == []


def _fail_over_to_northeurope(session, demo_estate, tmp_path: Path, registry, *, wait: bool):
    """mcctl's own planned failover to northeurope: (journal, services, the use case's result)."""
    journal = Journal(tmp_path / "journal.jsonl")
    svc = services(demo_estate, session, journal, registry=registry)
    preflight = read_preflight(session, demo_estate, journal=journal)
    plan = plan_failover(demo_estate, preflight, FailoverRequest(to="northeurope"))
    return journal, svc, usecases.run(svc, plan, preflight.inventory.snapshot(), RunOptions(wait=wait))


def test_mcctl_s_own_failover_in_flight_is_not_called_another_client_s(
    session, sim, demo_estate, tmp_path: Path, registry
) -> None:
    journal, svc, result = _fail_over_to_northeurope(session, demo_estate, tmp_path, registry, wait=False)
    op = result.applied.operation

    assert journaled(journal, demo_estate, "sql_failover") == (op,)
    again = read_preflight(session, demo_estate, journal=journal)
    assert again.journaled_failovers == (op,) and again.status.failover_in_progress
    status = read_status(session, demo_estate)
    assert started_outside(status, None, Journaled(frozenset(), frozenset({"sql_failover"}))) == ()
    [line] = started_outside(status, None, Journaled(frozenset(), frozenset()))
    assert "outside mcctl" in line
    # planned meanwhile (to the other secondary: not the same resource), the rule names mcctl's operation
    other = plan_failover(demo_estate, again, FailoverRequest(to="eastus2"))
    with pytest.raises(SafetyRefusal) as info:
        usecases.run(svc, other, again.inventory.snapshot(), RunOptions())
    assert f"possibly mcctl operation {op}'s" in info.value.message


def test_a_rollback_while_another_client_fails_over_is_refused_naming_it(
    session, sim, demo_estate, tmp_path: Path, registry
) -> None:
    journal, svc, done = _fail_over_to_northeurope(session, demo_estate, tmp_path, registry, wait=True)
    assert done.applied.status is OperationStatus.SUCCEEDED
    assert foreign_failover(sim, demo_estate, "eastus2").status == 202

    with pytest.raises(SafetyRefusal) as info:
        usecases.rollback(svc, done.applied.operation, RunOptions())

    assert "already in progress" in info.value.message
    assert len(_failover_ops(sim)) == 2  # mcctl's (done) and az's: the rollback sent nothing
