"""Capacity to carry a region in an incident (pure): the load, the split, the bounds and the rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcctl.domain.capacity import (
    CARRY_RULE,
    CARRY_RULE_NAME,
    CarryPlan,
    RegionLoad,
    SplitPolicy,
    carry_steps,
    plan_carry,
    raise_evenly,
    region_load,
    survivors_can_carry,
)
from mcctl.domain.estate import SafetySettings, Stamp
from mcctl.domain.observed import AppServicePlanState, OriginState, WebAppState
from mcctl.domain.plan import Plan, Step
from mcctl.domain.safety import RuleContext, RuleRegistry
from mcctl.domain.snapshot import EstateSnapshot
from mcctl.domain.stampview import StampView
from mcctl.errors import AzureRequestError

SUB = "00000000-0000-0000-0000-000000000001"
REGIONS = {"weu": "westeurope", "neu": "northeurope", "eus2": "eastus2"}
STAMPS = {
    name: Stamp(name, REGIONS[name.split("-")[0]], SUB, f"rg-{name}", f"asp-{name}", f"app-{name}", f"o-{name}", "")
    for name in ("weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2")
}
NEU = ("neu-1", "neu-2")
SURVIVORS = (*NEU, "eus2-1", "eus2-2")
UNEQUAL = {"neu_1": {"capacity": 2}, "neu_2": {"capacity": 6}}
FIVES = {"neu_1": {"capacity": 5}, "neu_2": {"capacity": 5}}
OP = "20261201-101500-ab12"


def _view(
    name: str, capacity: int | None = 3, *, maximum: int | None = 30, origin: bool = True, app: str = "Running"
) -> StampView:
    stamp = STAMPS[name]
    plan = AppServicePlanState(
        f"/p/{name}",
        stamp.app_service_plan,
        stamp.region,
        "P1v3",
        "PremiumV3",
        capacity,
        capacity,
        maximum,
        "Ready",
        "Succeeded",
    )
    web = WebAppState(f"/a/{name}", stamp.web_app, stamp.region, app, True, "Normal", None, None)
    state = OriginState(
        f"/o/{name}", stamp.origin, None, "Enabled" if origin else "Disabled", 1000, 1, "Succeeded", None
    )
    return StampView(stamp, plan=plan, app=web, origin=state, redis=None, sql_role=None)


def _views(**changes: dict) -> tuple[StampView, ...]:
    """Every stamp serving 3 instances (maximum 30) unless `changes[name]` says otherwise."""
    return tuple(_view(name, **changes.get(name.replace("-", "_"), {})) for name in STAMPS)


# -- region_load -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("changes", "drained_by", "expected"),
    [
        ({}, None, RegionLoad("westeurope", 6, 6, "westeurope serves 6 now")),
        (  # drained by a journaled operation: the plans still hold the load
            {"weu_1": {"origin": False}, "weu_2": {"origin": False}},
            {"weu-1": OP, "weu-2": OP},
            RegionLoad("westeurope", 0, 6, f"westeurope serves 0 now; 6 before operation {OP}"),
        ),
        (  # disabled by hand (no drain in the journal): still its plans' capacity, and which stamps idle
            {"weu_1": {"origin": False}, "weu_2": {"origin": False}},
            None,
            RegionLoad("westeurope", 0, 6, "westeurope serves 0 now; 6 in its plans (weu-1, weu-2 not serving)"),
        ),
        (  # a stopped app counts in the load: its instances' traffic lands somewhere once it is back
            {"weu_2": {"app": "Stopped", "capacity": 4}},
            {},
            RegionLoad("westeurope", 3, 7, "westeurope serves 3 now; 7 in its plans (weu-2 not serving)"),
        ),
        (
            {"weu_1": {"origin": False}, "weu_2": {"origin": False}},
            {"weu-1": "op-a", "weu-2": "op-b", "neu-1": "op-c"},
            RegionLoad("westeurope", 0, 6, "westeurope serves 0 now; 6 before operations op-a, op-b"),
        ),
        (  # a journaled drain of a stamp that serves again (restored by hand) is not named
            {},
            {"weu-1": OP},
            RegionLoad("westeurope", 6, 6, "westeurope serves 6 now"),
        ),
    ],
)
def test_region_load_is_the_plans_capacity_not_what_serves_now(changes, drained_by, expected) -> None:
    assert region_load(_views(**changes), "West Europe", drained_by) == expected


def test_region_load_never_guesses_an_unread_capacity() -> None:
    with pytest.raises(AzureRequestError, match="stamp weu-2: the App Service plan's capacity could not be read"):
        region_load(_views(weu_2={"capacity": None}), "westeurope")


# -- plan_carry --------------------------------------------------------------------------------------
def _load(to_carry: int = 6) -> RegionLoad:
    return RegionLoad("westeurope", 0, to_carry, f"westeurope serves 0 now; {to_carry} before operation {OP}")


@pytest.mark.parametrize(
    ("changes", "carriers", "to_carry", "factor", "policy", "targets", "needed"),
    [
        # equal carriers: both policies double them
        ({}, NEU, 6, 1.0, SplitPolicy.PROPORTIONAL, {"neu-1": 6, "neu-2": 6}, 12),
        ({}, NEU, 6, 1.0, SplitPolicy.EVEN, {"neu-1": 6, "neu-2": 6}, 12),
        # unequal carriers: proportional keeps the 1:3 ratio, even levels them
        (UNEQUAL, NEU, 8, 1.0, "proportional", {"neu-1": 4, "neu-2": 12}, 16),
        (UNEQUAL, NEU, 8, 1.0, "even", {"neu-1": 8, "neu-2": 8}, 16),
        # even never scales a stamp in: the large one keeps its 10
        ({"neu_1": {"capacity": 2}, "neu_2": {"capacity": 10}}, NEU, 4, 1.0, "even", {"neu-1": 6, "neu-2": 10}, 16),
        # factor, rounded up: 12 × 1.2 = 14.4 → 15; the remainder goes to the first stamp
        ({}, NEU, 6, 1.2, SplitPolicy.PROPORTIONAL, {"neu-1": 8, "neu-2": 7}, 15),
        ({}, NEU, 6, 1.25, SplitPolicy.EVEN, {"neu-1": 8, "neu-2": 7}, 15),
        # 10 × 1.1 is 11 (float arithmetic says 11.000000000000002: not 12)
        (FIVES, NEU, 0, 1.1, "proportional", {"neu-1": 6, "neu-2": 5}, 11),
        # a factor below 1 never scales in
        ({}, NEU, 6, 0.5, SplitPolicy.PROPORTIONAL, {"neu-1": 3, "neu-2": 3}, 6),
        # survivors in two regions (evacuate): 18 over four stamps
        ({}, SURVIVORS, 6, 1.0, "proportional", {"neu-1": 5, "neu-2": 5, "eus2-1": 4, "eus2-2": 4}, 18),
    ],
)
def test_plan_carry_splits_by_policy(changes, carriers, to_carry, factor, policy, targets, needed) -> None:
    carry = plan_carry(_views(**changes), carriers, _load(to_carry), factor, SplitPolicy(policy))
    assert dict(carry.targets) == targets
    assert (carry.needed, carry.planned, carry.shortfall) == (needed, max(needed, sum(carry.current.values())), 0)
    assert all(carry.targets[n] >= carry.current[n] for n in carry.targets)


def test_a_carrier_at_its_maximum_leaves_the_rest_to_those_with_headroom() -> None:
    views = _views(neu_1={"capacity": 2}, neu_2={"capacity": 6, "maximum": 10})
    carry = plan_carry(views, NEU, _load(8), 1.0, SplitPolicy.PROPORTIONAL)
    # proportional would give neu-2 12 of 16: it takes its 10, neu-1 the other 6
    assert dict(carry.targets) == {"neu-1": 6, "neu-2": 10} and carry.planned == 16 and carry.shortfall == 0
    assert "neu-2 capped at its plan's maximum of 10 workers (the split gave it 12)" in carry.notes
    even = plan_carry(_views(neu_1={"maximum": 4}), NEU, _load(6), 1.0, SplitPolicy.EVEN)
    assert dict(even.targets) == {"neu-1": 4, "neu-2": 8} and even.shortfall == 0


def test_what_no_carrier_can_take_is_the_shortfall() -> None:
    views = _views(neu_1={"maximum": 5}, neu_2={"maximum": 5})
    for policy in SplitPolicy:
        carry = plan_carry(views, NEU, _load(6), 1.0, policy)
        assert dict(carry.targets) == {"neu-1": 5, "neu-2": 5}
        assert (carry.needed, carry.planned, carry.shortfall) == (12, 10, 2)
        assert carry.notes[-1] == "survivors can carry 10 of the 12 instances needed (short by 2)"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"origin": False}, "neu-2 not counted: its origin is disabled"),
        ({"app": "Stopped"}, "neu-2 not counted: its web app is Stopped"),
    ],
)
def test_carriers_that_do_not_serve_are_not_capacity_and_get_nothing(change, why) -> None:
    carry = plan_carry(_views(neu_2=change), NEU, _load(6), 1.0)
    # only neu-1 serves: it carries its own 3 and the 6
    assert dict(carry.targets) == {"neu-1": 9} and carry.needed == 9 and carry.shortfall == 0
    assert why in carry.notes
    assert carry.notes[:2] == (
        f"sized to carry westeurope: westeurope serves 0 now; 6 before operation {OP}",
        "needed ⌈(3 serving on the carriers + 6) × 1⌉ = 9 instances",
    )


def test_no_serving_carrier_carries_nothing_and_says_so() -> None:
    views = _views(neu_1={"origin": False}, neu_2={"app": "Stopped"})
    carry = plan_carry(views, (*NEU, "nope"), _load(6), 1.5)
    assert dict(carry.targets) == {} and (carry.needed, carry.planned, carry.shortfall) == (9, 0, 9)
    assert "split proportional to current capacity: no carrier serves" in carry.notes
    assert "nope not counted: not in the estate's stamps" in carry.notes
    assert carry_steps(views, carry, _load(6)) == ()


def test_raise_evenly_costs_no_more_for_a_large_total() -> None:
    assert raise_evenly({"a": 1, "b": 5}, 10**12) == {"a": 500000000003, "b": 500000000003}
    assert raise_evenly({"a": 1, "b": 5}, 10, {"a": 4, "b": None}) == {"a": 4, "b": 12}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 40), st.one_of(st.none(), st.integers(1, 40))), min_size=1, max_size=4),
    st.integers(0, 100),
    st.sampled_from([0.5, 1.0, 1.2, 2.0]),
    st.sampled_from(list(SplitPolicy)),
)
def test_targets_stay_within_bounds_and_place_all_they_can(stamps, to_carry, factor, policy) -> None:
    names = ("neu-1", "neu-2", "eus2-1", "eus2-2")[: len(stamps)]
    views = tuple(_view(n, c, maximum=m) for n, (c, m) in zip(names, stamps, strict=False))
    carry = plan_carry(views, names, _load(to_carry), factor, policy)
    caps = {n: None if m is None else max(m, c) for n, (c, m) in zip(names, stamps, strict=False)}
    for name, target in carry.targets.items():
        assert carry.current[name] <= target and (caps[name] is None or target <= caps[name])
    room = None if None in caps.values() else sum(caps.values())  # type: ignore[arg-type]
    expected = max(carry.needed, sum(carry.current.values()))
    assert carry.planned == (expected if room is None else min(expected, room))


# -- carry_steps -------------------------------------------------------------------------------------
def test_carry_steps_are_scale_plan_steps_with_the_numbers() -> None:
    views = _views(neu_1={"capacity": 2}, neu_2={"capacity": 6})
    load = _load(0)
    carry = plan_carry(views, NEU, load, 1.5)  # ⌈8 × 1.5⌉ = 12: 3 and 9
    (first, second) = carry_steps(views, carry, load)
    assert (first.kind, first.target, first.resource_id, first.before, first.after, first.group) == (
        "scale_plan",
        "stamp neu-1 plan asp-neu-1",
        STAMPS["neu-1"].plan_ref.id,
        {"capacity": 2},
        {"capacity": 3},
        0,
    )
    assert first.expected_seconds == 30 + 20 * 1 and second.expected_seconds == 30 + 20 * 3
    assert first.params == {
        "stamp": "neu-1",
        "carry": {"region": "westeurope", "needed": 12, "planned": 12, "source": load.source, "factor": 1.5},
    }
    unchanged = plan_carry(_views(), NEU, _load(0), 1.0)
    assert carry_steps(_views(), unchanged, _load(0)) == ()


# -- the rule ----------------------------------------------------------------------------------------
def _context(plan: Plan) -> RuleContext:
    snapshot = EstateSnapshot(())
    return RuleContext(plan, snapshot, snapshot, SafetySettings())


def _carry_plan(maximum: int, factor: float = 1.0) -> Plan:
    views = _views(neu_1={"maximum": maximum}, neu_2={"maximum": maximum})
    carry: CarryPlan = plan_carry(views, NEU, _load(6), factor)
    return Plan("scale", "carry", carry_steps(views, carry, _load(6)))


def test_the_rule_refuses_a_shortfall_with_the_numbers_and_is_overridable() -> None:
    plan = _carry_plan(maximum=5, factor=1.2)  # ⌈12 × 1.2⌉ = 15 needed, 10 placed
    passed, message, numbers = survivors_can_carry(_context(plan))  # type: ignore[misc]
    assert not passed
    assert message.startswith(
        f"survivors can carry 10 of the 15 instances needed (westeurope serves 0 now; 6 before operation {OP}; "
        "factor 1.2)"
    )
    assert numbers == {"region": "westeurope", "needed": 15, "planned": 10, "shortfall": 5, "factor": 1.2}
    registry = RuleRegistry([CARRY_RULE])
    (refused,) = registry.evaluate(_context(plan))
    assert refused.refused and refused.message.endswith(f"; override with --override {CARRY_RULE_NAME} --reason TEXT")
    (overridden,) = registry.evaluate(_context(plan), {CARRY_RULE_NAME: "carry what we can"})
    assert overridden.overridden and not overridden.refused and overridden.reason == "carry what we can"


def test_the_rule_passes_a_plan_the_survivors_can_carry() -> None:
    passed, message, _ = survivors_can_carry(_context(_carry_plan(maximum=30)))  # type: ignore[misc]
    assert passed and message.startswith("survivors can carry the 12 instances needed (westeurope serves 0 now")


def test_no_verdict_without_carry_numbers_nor_on_a_rollback() -> None:
    plain = Step("scale_plan", "t", "/p", {"capacity": 3}, {"capacity": 5}, params={"stamp": "neu-1"})
    assert survivors_can_carry(_context(Plan("scale", "plain", (plain,)))) is None
    refused = _carry_plan(maximum=5)
    rollback = refused.inverse(list(range(len(refused.steps))), "roll back")  # scale-ins: never refused
    assert survivors_can_carry(_context(rollback)) is None
