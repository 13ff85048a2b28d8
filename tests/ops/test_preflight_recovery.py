"""Resume and rollback run the forward command's pre-flight rules on facts read now (issue 15 item 4).

A rollback of a SQL failover fails back with a planned failover: `sql_links_ready` must judge it as
it judges `mcctl sql failover --to` the old primary, on the replication links as they are now.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mcctl.bootstrap import services
from mcctl.domain.sqlfailover import FailoverRequest, plan_failover
from mcctl.errors import SafetyRefusal
from mcctl.hookspecs import hookimpl
from mcctl.ops import usecases
from mcctl.ops.journal import Journal
from mcctl.ops.journal_records import OperationStatus
from mcctl.ops.registry import Registry
from mcctl.ops.sqlfailover import LINKS_RULE, SQL_FAILOVER, read_preflight, read_status
from mcctl.ops.sqlpreflight import observe_failover
from mcctl.ops.usecases import RunOptions, RunOutcome
from mcctl.plugins import DEFAULT_PLUGINS, build_registry
from mcctl.sim.providers.sql import set_link_state


class ObservedSql:
    """The SQL plugin with its step kind's `observe` (what `mcctl.ops.sqlfailover` registers once wired)."""

    __name__ = "observed-sql"

    @hookimpl
    def register_step_kinds(self, register) -> None:
        register(dataclasses.replace(SQL_FAILOVER, observe=observe_failover))

    @hookimpl
    def register_safety_rules(self, register) -> None:
        register(LINKS_RULE)


@pytest.fixture
def observed_registry() -> Registry:
    plugins = [p for p in DEFAULT_PLUGINS if p != "mcctl.ops.sqlfailover"]
    return build_registry([*plugins, ObservedSql()], entry_points=False).registry


def _failover(session, estate, svc, to: str) -> str:
    preflight = read_preflight(session, estate)
    plan = plan_failover(estate, preflight, FailoverRequest(to=to))
    result = usecases.run(svc, plan, preflight.inventory.snapshot(), RunOptions())
    assert result.outcome is RunOutcome.APPLIED and result.operation is not None
    return result.operation


def test_rollback_of_a_failover_is_refused_while_a_link_is_seeding(
    session, sim, demo_estate, tmp_path: Path, observed_registry: Registry
) -> None:
    svc = services(demo_estate, session, Journal(tmp_path / "j.jsonl"), command="test", registry=observed_registry)
    op = _failover(session, demo_estate, svc, "northeurope")
    assert read_status(session, demo_estate).primary_region == "northeurope"
    assert set_link_state(sim, "eastus2", "SEEDING", database="catalog", percent_complete=20) > 0

    with pytest.raises(SafetyRefusal) as refused:
        usecases.rollback(svc, op, RunOptions())

    assert "refused by safety rule sql_links_ready" in refused.value.message
    assert "catalog" in refused.value.message and "SEEDING (20%)" in refused.value.message
    assert svc.trace.evaluation is not None
    assert [r.rule for r in svc.trace.evaluation.refused] == ["sql_links_ready"]
    assert read_status(session, demo_estate).primary_region == "northeurope"  # nothing was sent
    assert svc.journal.operations()[-1].status is OperationStatus.REFUSED


def test_the_same_rollback_goes_ahead_once_the_links_caught_up(
    session, sim, demo_estate, tmp_path: Path, observed_registry: Registry
) -> None:
    svc = services(demo_estate, session, Journal(tmp_path / "j.jsonl"), command="test", registry=observed_registry)
    op = _failover(session, demo_estate, svc, "northeurope")
    set_link_state(sim, "eastus2", "SEEDING", database="catalog")
    dry = usecases.rollback(svc, op, RunOptions(dry_run=True))
    assert [r.rule for r in dry.evaluation.refused] == ["sql_links_ready"]
    set_link_state(sim, "eastus2", "CATCH_UP", database="catalog")

    rolled = usecases.rollback(svc, op, RunOptions())

    assert rolled.outcome is RunOutcome.APPLIED
    assert "sql_links_ready" in [r.rule for r in rolled.evaluation.results if r.passed]
    assert read_status(session, demo_estate).primary_region == "westeurope"
    step = svc.journal.operation(rolled.operation).plan.steps[0]
    assert (step.params["to_region"], step.params["mode"]) == ("westeurope", "planned")  # observed at rollback
