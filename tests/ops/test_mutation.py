"""The executor's own behaviour: gates and intervals between groups, and the pre-apply check."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcctl.domain.plan import Plan, Step
from mcctl.errors import PartiallyApplied
from mcctl.ops import mutation
from mcctl.ops.inventory import read_inventory
from mcctl.ops.journal import Journal


class CountingLease:
    shared = True

    def __init__(self) -> None:
        self.renewals = 0

    def acquire(self, holder, **kwargs) -> None:
        pass

    def renew_if_due(self) -> None:
        self.renewals += 1

    def release(self) -> bool:
        return True


def _weights(origin: str, *pairs: tuple[int, int]) -> tuple[Step, ...]:
    return tuple(
        Step(
            kind="set_origin",
            target=f"origin {origin}",
            resource_id=f"/origins/{origin}",
            before={"weight": before},
            after={"weight": after},
            params={"stamp": "weu-1", "origin": origin},
            group=group,
        )
        for group, (before, after) in enumerate(pairs)
    )


def _context(session, estate, tmp_path: Path, **kwargs) -> mutation.ApplyContext:
    return mutation.ApplyContext(
        session=session, estate=estate, journal=Journal(tmp_path / "j.jsonl"), lease=None, command="test", **kwargs
    )


def _evaluate(session, estate, plan: Plan) -> mutation.Evaluation:
    return mutation.evaluate(plan, read_inventory(session, estate).snapshot(), estate.safety)


def test_interval_and_gate_run_between_groups_with_the_lease_renewed(session, sim, demo_estate, tmp_path) -> None:
    plan = Plan("test", "lower a weight in two steps", _weights("origin-weu-1", (1000, 500), (500, 100)))
    seen: list[tuple[int, float]] = []
    lease = CountingLease()
    ctx = _context(session, demo_estate, tmp_path, between_groups=lambda n: seen.append((n, sim.now())))
    ctx.lease, ctx.interval = lease, 60
    started = sim.now()
    result = mutation.apply(ctx, _evaluate(session, demo_estate, plan), "test")
    assert result.status == "succeeded"
    assert [n for n, _ in seen] == [0]  # only between groups, never after the last
    assert seen[0][1] - started >= 60  # the interval passed (simulated) before the gate ran
    assert lease.renewals >= 4  # every 15 s of the wait
    assert sim.store.get(demo_estate.frontdoor.origin_id("origin-weu-1"))["properties"]["weight"] == 100


def test_a_failing_gate_stops_the_run_and_journals_why(session, sim, demo_estate, tmp_path) -> None:
    plan = Plan("test", "lower a weight in two steps", _weights("origin-weu-2", (1000, 500), (500, 100)))

    def gate(number: int) -> None:
        raise mutation.GateFailed("neu-1 went unhealthy")

    ctx = _context(session, demo_estate, tmp_path, between_groups=gate)
    with pytest.raises(PartiallyApplied, match="stopped after 1 of 2 steps: neu-1 went unhealthy"):
        mutation.apply(ctx, _evaluate(session, demo_estate, plan), "test")
    assert sim.store.get(demo_estate.frontdoor.origin_id("origin-weu-2"))["properties"]["weight"] == 500
    record = ctx.journal.operations()[-1]
    assert record.status == "stopped" and record.events[0]["event"] == "gate-failed"


def test_only_the_first_step_of_each_resource_is_checked_against_live_state(
    session, sim, demo_estate, tmp_path
) -> None:
    # the second step starts where the first leaves the origin, not where it is now
    plan = Plan("test", "two steps on one origin", _weights("origin-neu-1", (1000, 600), (600, 300)))
    result = mutation.apply(_context(session, demo_estate, tmp_path), _evaluate(session, demo_estate, plan), "test")
    assert [o.status for o in result.outcomes] == ["succeeded", "succeeded"]


class LostLease(CountingLease):
    """The lease is broken by someone else while the first step's operation is running."""

    def renew_if_due(self) -> None:
        from mcctl.errors import LockHeld

        raise LockHeld("the operator lease was lost (broken by bob)")


def _scale(estate, stamp: str, before: int, after: int) -> Step:
    return Step(
        kind="scale_plan",
        target=f"stamp {stamp}",
        resource_id=estate.stamp(stamp).plan_ref.id,
        before={"capacity": before},
        after={"capacity": after},
        params={"stamp": stamp},
    )


def test_a_lost_lease_mid_step_counts_as_applied_never_nothing_changed(session, sim, demo_estate, tmp_path) -> None:
    plan = Plan("scale", "scale weu-1", (_scale(demo_estate, "weu-1", 3, 10),))
    ctx = _context(session, demo_estate, tmp_path)
    ctx.lease = LostLease()
    with pytest.raises(PartiallyApplied, match="may have been made"):
        mutation.apply(ctx, _evaluate(session, demo_estate, plan), "scale")
    record = ctx.journal.operations()[-1]
    assert record.outcomes[0]["status"] == "unverified" and record.status == "partial"
    sim.advance(600)
    assert sim.store.get(demo_estate.stamps[0].plan_ref.id)["sku"]["capacity"] == 10  # it did land


def test_a_refused_lock_or_a_changed_estate_journals_nothing(session, sim, demo_estate, tmp_path) -> None:
    from mcctl.errors import EstateChanged

    plan = Plan("scale", "scale weu-1", (_scale(demo_estate, "weu-1", 4, 5),))  # live capacity is 3, not 4
    ctx = _context(session, demo_estate, tmp_path)
    with pytest.raises(EstateChanged):
        mutation.apply(ctx, _evaluate(session, demo_estate, plan), "scale")
    assert ctx.journal.operations() == []  # never started: `resume latest` cannot pick it up


def test_an_executor_bug_is_journaled_then_surfaces(session, sim, demo_estate, tmp_path, registry) -> None:
    from dataclasses import replace

    def broken(session, estate, step, options):
        raise RuntimeError("boom")

    registry.step_kinds["scale_plan"] = replace(registry.step_kinds["scale_plan"], apply=broken, pending=None)
    plan = Plan("scale", "scale weu-1", (_scale(demo_estate, "weu-1", 3, 4),))
    ctx = _context(session, demo_estate, tmp_path, registry=registry)
    with pytest.raises(RuntimeError, match="boom"):
        mutation.apply(ctx, _evaluate(session, demo_estate, plan), "scale")
    record = ctx.journal.operations()[-1]
    assert (
        record.outcomes[0]["status"] == "failed" and "internal error: RuntimeError: boom" in record.outcomes[0]["error"]
    )
    assert record.end is not None and record.end["status"] == "failed"
