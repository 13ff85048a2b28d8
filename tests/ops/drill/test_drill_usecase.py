"""The drill use cases without a terminal (run_drill, rollback_drill, rollback_plan) on the in-process
simulator: approvals given ahead or asked, the on-failure policy and its exit codes, the rollback's
order (faults ended first, then the changes last first) and its health check afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcctl.adapters.probes import sim_admin
from mcctl.bootstrap import services
from mcctl.config.drillfile import parse_drill_plan
from mcctl.domain.statuses import OperationStatus
from mcctl.errors import ExitCode, UsageError
from mcctl.ops.drill.runtime import Approvals
from mcctl.ops.drill.usecase import (
    DrillFailed,
    DrillFailedCleanly,
    DrillOptions,
    RollbackLeftUnhealthy,
    drill_record,
    rollback_drill,
    rollback_plan,
    run_drill,
)
from mcctl.ops.journal import Journal
from mcctl.ops.usecases import RunOptions
from mcctl.sim.providers.health import health_state

SCALE_THEN_CHECK = """\
drill: 1
name: scale-then-check
steps:
  - name: start
    approval: {{message: "Scale northeurope?"}}
  - fault: {{stamp: weu-2, mode: degraded}}
  - scale: {{stamp: neu-1, capacity: 4}}
  - scale: {{stamp: neu-2, capacity: 5}}
  - name: gate
    check: {{sql: {{primary_region: {primary}}}}}
    on_failure: {policy}
"""


@pytest.fixture
def svc(session, demo_estate, tmp_path: Path, registry):
    return services(demo_estate, session, Journal(tmp_path / "journal.jsonl"), command="test", registry=registry)


def _spec(primary: str = "westeurope", policy: str = "rollback"):
    return parse_drill_plan(SCALE_THEN_CHECK.format(primary=primary, policy=policy), "drill.yaml")


def _options(*approve: str, prompt=None) -> DrillOptions:
    return DrillOptions(RunOptions(), Approvals.parse(list(approve)), prompt=prompt, probes=False)


def _capacity(sim, estate, stamp: str) -> int:
    plan = next(s for s in estate.stamps if s.name == stamp).plan_ref
    return sim.store.get(plan.id)["sku"]["capacity"]


def test_exit_codes_tell_the_outcomes_apart() -> None:
    assert DrillFailedCleanly("x").exit_code == ExitCode.DRILL_ROLLED_BACK == 9
    assert DrillFailed("x").exit_code == ExitCode.PARTIAL == 7
    assert RollbackLeftUnhealthy("x").exit_code == ExitCode.UNHEALTHY == 11


def test_a_missing_approval_is_refused_before_the_journal(svc, sim, demo_estate) -> None:
    with pytest.raises(UsageError, match=r"--approve: step 1 \(start\)"):
        run_drill(svc, _spec(), _options(), source="drill.yaml")
    assert svc.journal.operations() == []
    assert _capacity(sim, demo_estate, "neu-1") == 3


def test_the_operator_is_asked_and_a_refusal_changes_nothing(svc, sim, demo_estate) -> None:
    asked: list[str] = []

    def decline(message: str) -> bool:
        asked.append(message)
        return False

    with pytest.raises(DrillFailedCleanly, match="nothing had been changed"):
        run_drill(svc, _spec(), _options(prompt=decline), source="drill.yaml")
    assert asked == ["Scale northeurope?"]
    (record,) = svc.journal.operations()
    assert record.status is OperationStatus.FAILED and not record.applied_steps()
    assert _capacity(sim, demo_estate, "neu-1") == 3


def test_a_passing_drill_with_the_operators_approval(svc, sim, demo_estate) -> None:
    result = run_drill(svc, _spec(), _options(prompt=lambda message: True), source="drill.yaml")
    record = drill_record(svc, "latest")
    assert result.operation == record.id and record.status is OperationStatus.SUCCEEDED
    assert (_capacity(sim, demo_estate, "neu-1"), _capacity(sim, demo_estate, "neu-2")) == (4, 5)


def test_a_failed_gate_rolls_back_the_changes_and_ends_the_fault(svc, sim, demo_estate) -> None:
    with pytest.raises(DrillFailedCleanly, match="rolled back cleanly") as raised:
        run_drill(svc, _spec(primary="eastus2"), _options("all"), source="drill.yaml")
    drill = raised.value.operation
    assert (_capacity(sim, demo_estate, "neu-1"), _capacity(sim, demo_estate, "neu-2")) == (3, 3)
    assert _health_faults(sim) == {}
    rollbacks = [r for r in svc.journal.operations() if r.kind == "rollback:drill"]
    assert [(r.parent, r.status) for r in rollbacks] == [(drill, OperationStatus.SUCCEEDED)]


def test_on_failure_stop_leaves_the_changes_then_rollback_plans_faults_first_changes_last_first(
    svc, sim, demo_estate
) -> None:
    with pytest.raises(DrillFailed, match="left as the drill left it"):
        run_drill(svc, _spec(primary="eastus2", policy="stop"), _options("all"), source="drill.yaml")
    assert (_capacity(sim, demo_estate, "neu-1"), _capacity(sim, demo_estate, "neu-2")) == (4, 5)
    assert len(_health_faults(sim)) == 1

    record = drill_record(svc, "latest")
    plan = rollback_plan(svc, record)
    assert [s.kind for s in plan.steps] == ["drill.fault", "drill.scale", "drill.scale"]
    assert [s.params.get("index") for s in plan.steps[1:]] == [3, 2]  # the later change undone first
    assert [s.group for s in plan.steps] == [0, 1, 2]  # one at a time

    result = rollback_drill(svc, record.id, _options())
    assert result.healthy_after is True
    assert (_capacity(sim, demo_estate, "neu-1"), _capacity(sim, demo_estate, "neu-2")) == (3, 3)
    assert _health_faults(sim) == {}
    # rolled back once: a second rollback has nothing to do and changes nothing
    again = rollback_drill(svc, record.id, _options())
    assert again.rollback is not None and again.rollback.operation is None
    assert len([r for r in svc.journal.operations() if r.kind == "rollback:drill"]) == 1


def test_a_rollback_that_leaves_the_estate_unhealthy_raises_exit_11(svc, sim, demo_estate) -> None:
    run_drill(svc, _spec(), _options("all"), source="drill.yaml")
    # a stamp fails after the drill, not by it: the rollback runs, and the estate is not healthy after
    sim_admin(svc.session, "PUT", "/providers/Mcctl.Simulator/stamps/eus2-1", {"mode": "fail"})

    with pytest.raises(RollbackLeftUnhealthy, match="not healthy") as raised:
        rollback_drill(svc, drill_record(svc, "latest").id, _options())
    assert raised.value.exit_code == 11
    assert (_capacity(sim, demo_estate, "neu-1"), _capacity(sim, demo_estate, "neu-2")) == (3, 3)  # it did run


def _health_faults(sim) -> dict:
    return dict(health_state(sim)["faults"])
