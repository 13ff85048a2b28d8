"""Safety rules: table tests of every built-in rule, the registry, break-glass overrides, and properties."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcctl.domain.estate import SafetySettings
from mcctl.domain.plan import Plan, Step
from mcctl.domain.safety import (
    BUILTIN_RULES,
    RuleContext,
    RuleRegistry,
    RuleResult,
    SafetyRule,
    default_registry,
)
from mcctl.domain.snapshot import EstateSnapshot, StampSnapshot

REGION = {"weu": "westeurope", "neu": "northeurope", "eus2": "eastus2"}
STAMPS = ("weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2")


def _estate(*, drained: tuple[str, ...] = (), instances: dict[str, int] | None = None) -> EstateSnapshot:
    """The demo shape: 3 regions × 2 stamps, 3 instances each, SQL primary in westeurope."""
    instances = instances or {}
    return EstateSnapshot(
        tuple(
            StampSnapshot(
                name,
                REGION[name.split("-")[0]],
                origin_enabled=name not in drained,
                app_running=True,
                instances=instances.get(name, 3),
            )
            for name in STAMPS
        ),
        sql_primary="westeurope",
    )


def _in(region: str) -> tuple[str, ...]:
    return tuple(s for s in STAMPS if s.startswith(f"{region}-"))


def _set_origins(snap: EstateSnapshot, names: tuple[str, ...], enabled: bool) -> tuple[Step, ...]:
    return tuple(
        Step(
            "set_origin",
            f"stamp {n} origin",
            f"/origins/{n}",
            {"enabled": snap.stamp(n).origin_enabled},
            {"enabled": enabled},
            params={"stamp": n},
        )
        for n in names
    )


def _scale_step(snap: EstateSnapshot, name: str, capacity: int) -> Step:
    before = {"capacity": snap.stamp(name).instances}
    return Step("scale_plan", f"stamp {name} plan", f"/plans/{name}", before, {"capacity": capacity}, {"stamp": name})


def _failover_step(snap: EstateSnapshot, region: str) -> Step:
    return Step("sql_failover", "fg", "/fg", {"primary_region": snap.sql_primary}, {"primary_region": region})


PlanOf = Callable[[EstateSnapshot], Plan]


def drain(*names: str) -> PlanOf:
    return lambda snap: Plan("drain", f"drain {names}", _set_origins(snap, names, False))


def restore(*names: str) -> PlanOf:
    return lambda snap: Plan("restore", f"restore {names}", _set_origins(snap, names, True))


def scale(name: str, capacity: int) -> PlanOf:
    return lambda snap: Plan("scale", f"scale {name}", (_scale_step(snap, name, capacity),))


def failover(region: str, *, first: PlanOf | None = None, forced: bool = False) -> PlanOf:
    """A SQL failover to `region`, after the steps of `first` (e.g. restoring the target)."""

    def build(snap: EstateSnapshot) -> Plan:
        steps = first(snap).steps if first else ()
        return Plan("failover", f"failover to {region}", (*steps, _failover_step(snap, region)), data_loss=forced)

    return build


def forced(snap: EstateSnapshot) -> Plan:
    return failover("northeurope", forced=True)(snap)


def _evaluate(
    plan: Plan,
    before: EstateSnapshot,
    safety: SafetySettings,
    *,
    overrides: dict[str, str] | None = None,
    acknowledged: bool = False,
    registry: RuleRegistry | None = None,
) -> list[RuleResult]:
    context = RuleContext(plan, before, plan.project(before), safety, data_loss_acknowledged=acknowledged)
    return (registry or default_registry()).evaluate(context, overrides)


def _result(results: list[RuleResult], rule: str) -> RuleResult | None:
    found = [r for r in results if r.rule == rule]
    assert len(found) <= 1
    return found[0] if found else None


def _outcome(result: RuleResult | None) -> str:
    if result is None:
        return "not applicable"
    if result.overridden:
        return "overridden"
    return "allowed" if result.passed else "refused"


DEFAULTS = SafetySettings()
ALL_BUT_WEU = ("neu-1", "neu-2", "eus2-1", "eus2-2")
REASON = "INC-1234 region unhealthy"


def case(
    id: str,
    plan: PlanOf,
    outcome: str,
    *,
    before: EstateSnapshot | None = None,
    safety: SafetySettings = DEFAULTS,
    override: bool = False,
    acknowledged: bool = False,
    numbers: dict[str, Any] | None = None,
) -> Any:
    return pytest.param(before or _estate(), plan, safety, override, acknowledged, outcome, numbers, id=id)


RULE_TABLES = {
    "min_serving_regions": [
        case("drain-one-region-of-three", drain(*_in("neu")), "allowed", numbers={"before": 3, "after": 2}),
        case(
            "drain-to-one-region-minimum-1",
            drain(*_in("neu"), *_in("eus2")),
            "allowed",
            numbers={"before": 3, "after": 1, "minimum": 1},
        ),
        case(
            "drain-below-minimum-3",
            drain(*_in("neu")),
            "refused",
            safety=SafetySettings(min_serving_regions=3),
            numbers={"before": 3, "after": 2, "minimum": 3},
        ),
        case(
            "drain-the-last-region",
            drain(*STAMPS),
            "refused",
            safety=SafetySettings(min_serving_stamps=0, min_serving_capacity=0),
            numbers={"before": 3, "after": 0, "minimum": 1},
        ),
        case(
            "already-below-and-worse",
            drain(*_in("eus2")),
            "refused",
            before=_estate(drained=_in("neu")),
            safety=SafetySettings(min_serving_regions=3),
            numbers={"before": 2, "after": 1, "minimum": 3},
        ),
        case(
            "drain-below-minimum-overridden",
            drain(*_in("neu")),
            "overridden",
            safety=SafetySettings(min_serving_regions=3),
            override=True,
        ),
        case("drain-one-stamp-region-still-serves", drain("neu-1"), "not applicable"),
        case("scale-in", scale("weu-1", 1), "not applicable"),
        case(
            "restore-while-below-minimum",
            restore(*_in("neu")),
            "not applicable",
            before=_estate(drained=ALL_BUT_WEU),
            safety=SafetySettings(min_serving_regions=3),
        ),
        case(
            "swap-regions-same-count",
            lambda s: Plan("swap", "s", drain(*_in("weu"))(s).steps + restore(*_in("neu"))(s).steps),
            "not applicable",
            before=_estate(drained=_in("neu")),
            safety=SafetySettings(min_serving_regions=3),
        ),
        case("empty-plan", lambda s: Plan("drain", "nothing", ()), "not applicable"),
    ],
    "min_serving_stamps": [
        case("drain-one-of-six", drain("weu-1"), "allowed", numbers={"before": 6, "after": 5, "minimum": 2}),
        case(
            "drain-to-exactly-the-minimum",
            drain(*ALL_BUT_WEU),
            "allowed",
            safety=SafetySettings(min_serving_capacity=0),
            numbers={"before": 6, "after": 2, "minimum": 2},
        ),
        case(
            "drain-below-minimum",
            drain("weu-1"),
            "refused",
            before=_estate(drained=ALL_BUT_WEU),
            numbers={"before": 2, "after": 1, "minimum": 2},
        ),
        case(
            "scale-to-zero-stops-serving",
            scale("weu-1", 0),
            "refused",
            before=_estate(drained=ALL_BUT_WEU),
            numbers={"before": 2, "after": 1, "minimum": 2},
        ),
        case(
            "minimum-5-drain-a-region",
            drain(*_in("eus2")),
            "refused",
            safety=SafetySettings(min_serving_stamps=5),
            numbers={"before": 6, "after": 4, "minimum": 5},
        ),
        case(
            "drain-below-minimum-overridden",
            drain("weu-1"),
            "overridden",
            before=_estate(drained=ALL_BUT_WEU),
            override=True,
        ),
        case("scale-in-keeps-serving", scale("weu-1", 1), "not applicable"),
        case(
            "restore-one-while-below-minimum",
            restore("neu-1"),
            "not applicable",
            before=_estate(drained=("weu-2", *ALL_BUT_WEU)),
        ),
        case("drain-an-already-drained-stamp", drain("neu-1"), "not applicable", before=_estate(drained=("neu-1",))),
    ],
    "min_serving_capacity": [
        case(
            "drain-a-region-keeps-two-thirds",
            drain(*_in("eus2")),
            "allowed",
            numbers={"before": 18, "after": 12, "share": 0.6667, "minimum_share": 0.5},
        ),
        case(
            "exactly-half-is-enough",
            drain("weu-1", "neu-1", "eus2-1"),
            "allowed",
            numbers={"before": 18, "after": 9, "share": 0.5, "minimum_share": 0.5},
        ),
        case(
            "drain-two-regions",
            drain(*ALL_BUT_WEU),
            "refused",
            numbers={"before": 18, "after": 6, "share": 0.3333, "minimum_share": 0.5},
        ),
        case(
            "scale-in-a-big-stamp",
            scale("weu-1", 1),
            "refused",
            before=_estate(drained=ALL_BUT_WEU, instances={"weu-1": 10, "weu-2": 2}),
            numbers={"before": 12, "after": 3, "share": 0.25, "minimum_share": 0.5},
        ),
        case(
            "stricter-ratio",
            drain(*_in("eus2")),
            "refused",
            safety=SafetySettings(min_serving_capacity=0.8),
            numbers={"before": 18, "after": 12, "share": 0.6667, "minimum_share": 0.8},
        ),
        case("drain-two-regions-overridden", drain(*ALL_BUT_WEU), "overridden", override=True),
        case("scale-out", scale("weu-1", 10), "not applicable"),
        case(
            "restore-while-below-ratio",
            restore("neu-1"),
            "not applicable",
            before=_estate(drained=ALL_BUT_WEU),
            safety=SafetySettings(min_serving_capacity=1.0),
        ),
        case(
            "nothing-serves-before",
            scale("weu-1", 1),
            "not applicable",
            before=_estate(drained=STAMPS),
            safety=SafetySettings(min_serving_capacity=1.0),
        ),
        case("scale-a-drained-stamp", scale("neu-1", 1), "not applicable", before=_estate(drained=("neu-1",))),
    ],
    "sql_failover_target_serving": [
        case(
            "target-serves", failover("northeurope"), "allowed", numbers={"region": "northeurope", "serving_stamps": 2}
        ),
        case(
            "target-drained",
            failover("northeurope"),
            "refused",
            before=_estate(drained=_in("neu")),
            numbers={"region": "northeurope", "serving_stamps": 0},
        ),
        case(
            "target-drained-by-the-same-plan",
            failover("northeurope", first=drain(*_in("neu"))),
            "refused",
            numbers={"region": "northeurope", "serving_stamps": 0},
        ),
        case(
            "target-restored-by-the-same-plan",
            failover("northeurope", first=restore("neu-2")),
            "allowed",
            before=_estate(drained=_in("neu")),
            numbers={"region": "northeurope", "serving_stamps": 1},
        ),
        case(
            "target-with-no-instances",
            failover("eastus2"),
            "refused",
            before=_estate(instances={"eus2-1": 0, "eus2-2": 0}),
        ),
        case(
            "target-drained-overridden",
            failover("northeurope"),
            "overridden",
            before=_estate(drained=_in("neu")),
            override=True,
        ),
        case("no-failover-step", drain(*_in("neu")), "not applicable", before=_estate(drained=_in("neu"))),
    ],
    "data_loss_acknowledged": [
        case("forced-acknowledged", forced, "allowed", acknowledged=True),
        case("forced-not-acknowledged", forced, "refused"),
        case("forced-override-does-not-count", forced, "refused", override=True),
        case("planned-failover", failover("northeurope"), "not applicable"),
        case("planned-failover-acknowledged-anyway", failover("northeurope"), "not applicable", acknowledged=True),
    ],
}


@pytest.mark.parametrize(
    ("rule", "before", "plan_of", "safety", "override", "acknowledged", "outcome", "numbers"),
    [
        pytest.param(rule, *p.values, id=f"{rule}-{p.id}", marks=p.marks)
        for rule, params in RULE_TABLES.items()
        for p in params
    ],
)
def test_builtin_rule(
    rule: str,
    before: EstateSnapshot,
    plan_of: PlanOf,
    safety: SafetySettings,
    override: bool,
    acknowledged: bool,
    outcome: str,
    numbers: dict[str, Any] | None,
) -> None:
    plan = plan_of(before)
    overrides = {rule: REASON} if override else None
    result = _result(_evaluate(plan, before, safety, overrides=overrides, acknowledged=acknowledged), rule)
    assert _outcome(result) == outcome
    if result is None:
        return
    assert result.refused is (outcome == "refused")
    if numbers is not None:
        assert {k: result.numbers.get(k) for k in numbers} == numbers
    if outcome == "overridden":
        assert (result.passed, result.reason) == (False, REASON)
        assert "--override" not in result.message
    else:
        assert result.reason is None


def test_every_builtin_rule_has_a_table() -> None:
    assert set(RULE_TABLES) == {r.name for r in BUILTIN_RULES}
    for name, params in RULE_TABLES.items():
        outcomes = {p.values[-2] for p in params}
        expected = {"allowed", "refused", "not applicable"}
        if name != "data_loss_acknowledged":
            expected.add("overridden")
        assert expected <= outcomes, name


# --- refusal messages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "plan_of", "safety", "rule", "texts"),
    [
        pytest.param(
            _estate(),
            drain(*_in("neu")),
            SafetySettings(min_serving_regions=3),
            "min_serving_regions",
            ["only 2 region(s) would serve (westeurope, eastus2)", "minimum of 3", "(now 3)"],
            id="regions",
        ),
        pytest.param(
            _estate(),
            drain(*STAMPS),
            SafetySettings(min_serving_stamps=0, min_serving_capacity=0),
            "min_serving_regions",
            ["only 0 region(s) would serve (none)"],
            id="regions-none-left",
        ),
        pytest.param(
            _estate(drained=ALL_BUT_WEU),
            drain("weu-2"),
            DEFAULTS,
            "min_serving_stamps",
            ["only 1 stamp(s) would serve (weu-1)", "minimum of 2", "(now 2)"],
            id="stamps",
        ),
        pytest.param(
            _estate(),
            drain(*ALL_BUT_WEU),
            DEFAULTS,
            "min_serving_capacity",
            ["6 of 18 serving instances would remain (33%)", "minimum of 50%"],
            id="capacity",
        ),
        pytest.param(
            _estate(drained=_in("neu")),
            failover("northeurope"),
            DEFAULTS,
            "sql_failover_target_serving",
            ["northeurope has no serving stamp"],
            id="sql-target",
        ),
    ],
)
def test_a_refusal_gives_the_numbers_and_how_to_override(
    before: EstateSnapshot, plan_of: PlanOf, safety: SafetySettings, rule: str, texts: list[str]
) -> None:
    result = _result(_evaluate(plan_of(before), before, safety), rule)
    assert result is not None and result.refused
    for text in texts:
        assert text in result.message
    assert result.message.endswith(f"; override with --override {rule} --reason TEXT")


def test_a_data_loss_refusal_says_it_cannot_be_overridden() -> None:
    before = _estate()
    overrides = {"data_loss_acknowledged": REASON}
    result = _result(_evaluate(forced(before), before, DEFAULTS, overrides=overrides), "data_loss_acknowledged")
    assert result is not None
    assert (result.passed, result.overridden, result.refused, result.reason) == (False, False, True, None)
    assert result.message == "this plan can lose data and the data loss was not acknowledged (cannot be overridden)"
    assert "--override" not in result.message


def test_passing_results_explain_themselves_without_a_hint() -> None:
    before = _estate()
    results = _evaluate(drain(*_in("eus2"))(before), before, DEFAULTS)
    assert [(r.rule, r.passed) for r in results] == [
        ("min_serving_regions", True),
        ("min_serving_stamps", True),
        ("min_serving_capacity", True),
    ]
    assert results[0].message == "2 regions would still serve (minimum 1)"
    assert results[1].message == "4 stamps would still serve (minimum 2)"
    assert results[2].message == "12 of 18 serving instances would remain (67%), minimum 50%"
    assert all("override" not in r.message for r in results)


def test_an_override_of_a_rule_that_passes_records_nothing() -> None:
    before = _estate()
    results = _evaluate(drain("weu-1")(before), before, DEFAULTS, overrides={"min_serving_stamps": REASON})
    result = _result(results, "min_serving_stamps")
    assert result is not None
    assert (result.passed, result.overridden, result.reason) == (True, False, None)


def test_an_override_only_lifts_the_rule_it_names() -> None:
    before = _estate(drained=ALL_BUT_WEU)
    plan = drain("weu-1")(before)  # 2 → 1 stamps and 6 → 3 instances: both refuse at 0.6
    safety = SafetySettings(min_serving_capacity=0.6)
    results = _evaluate(plan, before, safety, overrides={"min_serving_stamps": REASON})
    assert {r.rule: _outcome(r) for r in results} == {
        "min_serving_stamps": "overridden",
        "min_serving_capacity": "refused",
    }
    results = _evaluate(
        plan, before, safety, overrides={"min_serving_stamps": REASON, "min_serving_capacity": "capacity ok"}
    )
    assert [(r.rule, r.overridden, r.reason) for r in results] == [
        ("min_serving_stamps", True, REASON),
        ("min_serving_capacity", True, "capacity ok"),
    ]
    assert not any(r.refused for r in results)


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_reason(reason: str) -> None:
    before = _estate(drained=ALL_BUT_WEU)
    result = _result(
        _evaluate(drain("weu-1")(before), before, DEFAULTS, overrides={"min_serving_stamps": reason}),
        "min_serving_stamps",
    )
    assert result is not None and result.refused


def test_restoring_a_region_is_never_blocked_below_every_threshold() -> None:
    before = _estate(drained=("weu-2", *ALL_BUT_WEU))
    strict = SafetySettings(min_serving_regions=3, min_serving_stamps=6, min_serving_capacity=1.0)
    results = _evaluate(restore(*_in("neu"))(before), before, strict)
    assert not any(r.refused for r in results)
    assert [(r.rule, r.passed) for r in results] == []  # it makes nothing worse: no rule even applies


# --- RuleResult ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("passed", "overridden", "refused"),
    [
        pytest.param(True, False, False, id="passed"),
        pytest.param(False, False, True, id="failed"),
        pytest.param(False, True, False, id="failed-overridden"),
    ],
)
def test_result_refused_only_when_failed_and_not_overridden(passed: bool, overridden: bool, refused: bool) -> None:
    assert RuleResult("r", passed, "m", overridden=overridden).refused is refused


def test_result_to_dict() -> None:
    result = RuleResult("min_serving_stamps", False, "m", overridden=True, reason=REASON, numbers={"after": 1})
    assert result.to_dict() == {
        "rule": "min_serving_stamps",
        "passed": False,
        "overridden": True,
        "reason": REASON,
        "message": "m",
        "numbers": {"after": 1},
    }


# --- the registry -----------------------------------------------------------------------------------


def test_default_registry_has_the_builtin_rules_first_in_order() -> None:
    registry = default_registry()
    assert [r.name for r in registry.rules][:5] == [
        "min_serving_regions",
        "min_serving_stamps",
        "min_serving_capacity",
        "sql_failover_target_serving",
        "data_loss_acknowledged",
    ]
    assert [r.name for r in BUILTIN_RULES if not r.overridable] == ["data_loss_acknowledged"]
    assert all(r.description for r in registry.rules)


def test_registered_rules_join_every_default_registry(registry) -> None:
    rule = SafetyRule("plugin_rule", "a plugin's rule", lambda ctx: None)
    registry.add_rule(rule)
    registry.add_rule(rule)  # again: a no-op
    assert [r.name for r in registry.rule_registry().rules][-1] == "plugin_rule"
    assert [r.name for r in default_registry().rules] == [r.name for r in BUILTIN_RULES]  # data, not a global
    with pytest.raises(ValueError, match="already registered"):
        registry.add_rule(SafetyRule("plugin_rule", "another", lambda ctx: None))
    with pytest.raises(ValueError, match="already registered"):
        registry.add_rule(SafetyRule("min_serving_regions", "shadowing a built-in", lambda ctx: None))


def test_default_safety_settings_match_the_issue() -> None:
    assert SafetySettings() == SafetySettings(min_serving_regions=1, min_serving_stamps=2, min_serving_capacity=0.5)


def test_duplicate_rule_names_are_rejected() -> None:
    registry = default_registry()
    before = registry.rules
    with pytest.raises(ValueError, match="'min_serving_stamps' is already registered"):
        registry.register(SafetyRule("min_serving_stamps", "again", lambda ctx: None))
    with pytest.raises(ValueError, match="already registered"):
        RuleRegistry([SafetyRule("x", "d", lambda ctx: None), SafetyRule("x", "d", lambda ctx: None)])
    assert registry.rules == before  # the rejected rule did not replace the built-in


def test_unknown_overrides_names_what_no_rule_is_called() -> None:
    registry = default_registry()
    names = ["min_serving_stamps", "min_serving_stamp", "data_loss_acknowledged", "nope"]
    assert registry.unknown_overrides(names) == ["min_serving_stamp", "nope"]
    assert registry.unknown_overrides([]) == []


def test_an_unknown_override_lifts_nothing() -> None:
    before = _estate(drained=ALL_BUT_WEU)
    results = _evaluate(drain("weu-1")(before), before, DEFAULTS, overrides={"min_serving_stamp": REASON})
    assert _outcome(_result(results, "min_serving_stamps")) == "refused"


def _max_instances(limit: int) -> SafetyRule:
    """A plugin-style rule: no stamp may run more than `limit` instances after a change."""

    def check(ctx: RuleContext) -> tuple[bool, str, dict[str, Any]] | None:
        grown = [s for s in ctx.after.stamps if s.instances > ctx.before.stamp(s.name).instances]
        if not grown:
            return None
        biggest = max(s.instances for s in grown)
        return biggest <= limit, f"largest stamp would run {biggest} instances (limit {limit})", {"max": biggest}

    return SafetyRule("max_instances", "no stamp above the instance limit", check)


def test_a_rule_registered_by_a_plugin_is_evaluated_and_can_be_overridden() -> None:
    registry = default_registry()
    assert registry.register(_max_instances(8)).name == "max_instances"
    before = _estate()
    plan = scale("weu-1", 12)(before)
    results = _evaluate(plan, before, DEFAULTS, registry=registry)
    assert [(r.rule, _outcome(r)) for r in results] == [("max_instances", "refused")]
    assert results[0].numbers == {"max": 12}
    assert results[0].message.endswith("; override with --override max_instances --reason TEXT")
    assert registry.unknown_overrides(["max_instances"]) == []
    again = _evaluate(plan, before, DEFAULTS, registry=registry, overrides={"max_instances": REASON})
    assert [(r.rule, _outcome(r), r.reason) for r in again] == [("max_instances", "overridden", REASON)]
    # Not applicable (no stamp grows): the plugin rule is silent.
    quiet = _evaluate(scale("weu-1", 2)(before), before, DEFAULTS, registry=registry)
    assert _result(quiet, "max_instances") is None
    assert [r.rule for r in quiet] == ["min_serving_capacity"]


def test_a_non_overridable_plugin_rule_stays_refused() -> None:
    registry = RuleRegistry([SafetyRule("frozen", "change freeze", lambda ctx: (False, "change freeze", {}), False)])
    before = _estate()
    results = _evaluate(scale("weu-1", 2)(before), before, DEFAULTS, registry=registry, overrides={"frozen": "pls"})
    assert [(r.rule, r.refused, r.overridden) for r in results] == [("frozen", True, False)]
    assert results[0].message == "change freeze (cannot be overridden)"


def test_registries_do_not_share_plugin_rules() -> None:
    default_registry().register(_max_instances(8))
    assert "max_instances" not in [r.name for r in default_registry().rules]
    before = _estate()
    assert _evaluate(scale("weu-1", 12)(before), before, DEFAULTS) == []


def test_results_come_in_registration_order() -> None:
    registry = RuleRegistry(
        [SafetyRule(n, n, lambda ctx, n=n: (True, n, {})) for n in ("b", "a", "c")]  # type: ignore[misc]
    )
    before = _estate()
    assert [r.rule for r in _evaluate(Plan("k", "s", ()), before, DEFAULTS, registry=registry)] == ["b", "a", "c"]


# --- properties -------------------------------------------------------------------------------------


@st.composite
def estates(draw: st.DrawFn) -> EstateSnapshot:
    """1-5 regions, 1-4 stamps each, 1-10 instances, origins randomly enabled; a few apps stopped."""
    stamps = []
    for r in range(draw(st.integers(1, 5))):
        for i in range(draw(st.integers(1, 4))):
            stamps.append(
                StampSnapshot(
                    name=f"r{r}-{i}",
                    region=f"region{r}",
                    origin_enabled=draw(st.booleans()),
                    app_running=draw(st.sampled_from([True, True, True, False])),
                    instances=draw(st.integers(1, 10)),
                )
            )
    return EstateSnapshot(tuple(stamps), sql_primary="region0")


safety_settings = st.builds(
    SafetySettings,
    min_serving_regions=st.integers(0, 5),
    min_serving_stamps=st.integers(0, 10),
    min_serving_capacity=st.one_of(st.sampled_from([0.0, 0.25, 1 / 3, 0.5, 2 / 3, 0.75, 1.0]), st.floats(0, 1)),
)

# An operation: what it does, and a random number it picks its target (and new capacity) with.
operations = st.lists(
    st.tuples(
        st.sampled_from(["drain_region", "restore_region", "drain_stamp", "restore_stamp", "scale_in", "failover"]),
        st.integers(0, 1000),
        st.integers(0, 1000),
        st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


def _regions(snap: EstateSnapshot) -> list[str]:
    return list(dict.fromkeys(s.region for s in snap.stamps))


def _operation_plan(snap: EstateSnapshot, op: tuple[str, int, int, bool]) -> Plan:
    kind, pick, amount, forced_failover = op
    regions = _regions(snap)
    stamp = snap.stamps[pick % len(snap.stamps)]
    region = regions[pick % len(regions)]
    in_region = tuple(s.name for s in snap.stamps if s.region == region)
    if kind in ("drain_region", "restore_region"):
        return Plan(kind, region, _set_origins(snap, in_region, kind == "restore_region"))
    if kind in ("drain_stamp", "restore_stamp"):
        return Plan(kind, stamp.name, _set_origins(snap, (stamp.name,), kind == "restore_stamp"))
    if kind == "scale_in":
        steps = (_scale_step(snap, stamp.name, amount % stamp.instances),) if stamp.instances > 1 else ()
        return Plan(kind, stamp.name, steps)
    return Plan(kind, region, (_failover_step(snap, region),), data_loss=forced_failover)


def _violations(plan: Plan, before: EstateSnapshot, after: EstateSnapshot, safety: SafetySettings) -> set[str]:
    """The rules the plan breaks, computed independently of the rule code."""
    broken = set()
    regions_before, regions_after = len(before.serving_regions), len(after.serving_regions)
    if regions_after < min(safety.min_serving_regions, regions_before):
        broken.add("min_serving_regions")
    stamps_before, stamps_after = len(before.serving_stamps), len(after.serving_stamps)
    if stamps_after < min(safety.min_serving_stamps, stamps_before):
        broken.add("min_serving_stamps")
    cap_before, cap_after = before.serving_capacity, after.serving_capacity
    if cap_after < cap_before and cap_after / cap_before < safety.min_serving_capacity:
        broken.add("min_serving_capacity")
    targets = [s.after["primary_region"] for s in plan.steps if s.kind == "sql_failover"]
    if targets and targets[-1] not in after.serving_regions:
        broken.add("sql_failover_target_serving")
    return broken


@settings(max_examples=200, deadline=None)
@given(estates(), safety_settings, operations, st.booleans())
def test_accepted_plans_never_make_the_estate_unsafe(
    start: EstateSnapshot, safety: SafetySettings, ops: list[tuple[str, int, int, bool]], acknowledged: bool
) -> None:
    registry = default_registry()
    state = start
    for op in ops:
        plan = _operation_plan(state, op)
        after = plan.project(state)
        context = RuleContext(plan, state, after, safety, data_loss_acknowledged=acknowledged)
        results = registry.evaluate(context)
        refused = {r.rule for r in results if r.refused}
        needs_ack = plan.data_loss and not acknowledged
        # Refused exactly when a rule is broken: no plan gets past a threshold, and none is blocked for nothing.
        assert refused == _violations(plan, state, after, safety) | ({"data_loss_acknowledged"} if needs_ack else set())
        if op[0].startswith("restore"):
            assert not refused, "a restore makes nothing worse"
        if refused:
            _check_break_glass(registry, context, refused)
            continue
        # The invariants, as the issue states them, for every accepted plan.
        assert len(after.serving_regions) >= min(safety.min_serving_regions, len(state.serving_regions))
        assert len(after.serving_stamps) >= min(safety.min_serving_stamps, len(state.serving_stamps))
        if after.serving_capacity < state.serving_capacity:
            assert after.serving_capacity / state.serving_capacity >= safety.min_serving_capacity
        assert not any(r.overridden for r in results)
        state = after


def _check_break_glass(registry: RuleRegistry, context: RuleContext, refused: set[str]) -> None:
    """Only an override of every refused rule gets the plan past, and each override is recorded."""
    overridable = refused - {"data_loss_acknowledged"}  # the issue: data loss is never overridable
    everything = {r.name: f"reason for {r.name}" for r in registry.rules}
    for missing in refused:
        partial = {k: v for k, v in everything.items() if k != missing}
        assert missing in {r.rule for r in registry.evaluate(context, partial) if r.refused}
    results = registry.evaluate(context, everything)
    still = {r.rule for r in results if r.refused}
    assert still == refused - overridable  # only the data-loss acknowledgement survives an override
    overridden = {r.rule: r.reason for r in results if r.overridden}
    assert overridden == {name: f"reason for {name}" for name in overridable}
    assert all(not r.passed for r in results if r.overridden)
