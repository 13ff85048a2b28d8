"""Health semantics of issue 14, each rule a table of hand-built values: a stamp drained on purpose is
`drained` (its own signals still shown), drained stamps and regions do not count in the roll-ups,
an estate serving nothing is unhealthy, the SQL primary unreachable makes the estate unhealthy, a
stopped web app's stamp is unhealthy, and `--check` exits 0 on drained. Pure: no simulator."""

from __future__ import annotations

import pytest

from mcctl.domain import health as h
from mcctl.domain.estate import HealthSettings
from mcctl.domain.observed import OriginState, WebAppState

SETTINGS = HealthSettings()
DRAIN = "20261201-190437-4951"
DEMO = [("weu-1", "westeurope"), ("weu-2", "westeurope"), ("eus2-1", "eastus2"), ("eus2-2", "eastus2")]


def _s(name: str, status: str) -> h.Signal:
    return h.Signal(name, status, f"{name} is {status}")  # type: ignore[arg-type]


def _origin(enabled: bool) -> OriginState:
    state = "Enabled" if enabled else "Disabled"
    return OriginState("id", "origin-eus2-1", "host", state, 1000, 1, "Succeeded", "Succeeded")


def _app(state: str) -> WebAppState:
    return WebAppState("id", "app-eus2-1", "eastus2", state, True, "Normal", "host", "plan")


def _stamp(name: str, region: str, status: str) -> h.StampHealth:
    """A stamp with that verdict: `drained` (serving healthy behind it) or `drained:unhealthy`."""
    drained, _, condition = status.partition(":")
    if drained == "drained":
        signals = [_s("probe", condition or "healthy")]
        return h.stamp_health(name, region, signals, SETTINGS, drained_by=DRAIN)
    return h.stamp_health(name, region, [_s("probe", status)], SETTINGS)


# -- rule 4: the stamp ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("signals", "drained_by", "status", "condition", "first_reason"),
    [
        ([("probe", "healthy")], None, "healthy", "healthy", None),
        ([("probe", "unhealthy")], None, "unhealthy", "unhealthy", "health endpoint: probe is unhealthy"),
        ([("probe", "healthy")], DRAIN, "drained", "healthy", f"drained on purpose by operation {DRAIN}"),
        ([("probe", "degraded")], DRAIN, "drained", "degraded", f"drained on purpose by operation {DRAIN}"),
        ([("probe", "unhealthy")], DRAIN, "drained", "unhealthy", f"drained on purpose by operation {DRAIN}"),
        ([("probe", "unknown")], DRAIN, "drained", "unknown", f"drained on purpose by operation {DRAIN}"),
    ],
)
def test_a_stamp_drained_on_purpose_is_drained_whatever_its_signals(
    signals: list[tuple[str, str]], drained_by: str | None, status: str, condition: str, first_reason: str | None
) -> None:
    stamp = h.stamp_health("eus2-1", "eastus2", [_s(n, s) for n, s in signals], SETTINGS, drained_by)
    assert (stamp.status, stamp.signals_status, stamp.drained_by) == (status, condition, drained_by)
    if first_reason is None:
        assert stamp.reasons == []
    else:
        assert stamp.reasons[0].startswith(first_reason)
    if drained_by is not None and condition != "healthy":
        # broken behind the drain: said in the first reason, and the signal's own reason follows
        assert stamp.reasons[0].endswith(f"its own signals: {condition}")
        assert stamp.reasons[1] == f"health endpoint: probe is {condition}"


def test_a_drained_stamps_document_names_the_drain_and_its_condition() -> None:
    drained = h.stamp_health("eus2-1", "eastus2", [_s("probe", "unhealthy")], SETTINGS, DRAIN).to_dict()
    assert (drained["status"], drained["drained_by"], drained["condition"]) == ("drained", DRAIN, "unhealthy")
    assert [s["status"] for s in drained["signals"]] == ["unhealthy"]  # its own signals are still shown
    serving = h.stamp_health("eus2-1", "eastus2", [_s("probe", "healthy")], SETTINGS).to_dict()
    assert "drained_by" not in serving and "condition" not in serving  # the documented keys, unchanged


@pytest.mark.parametrize(
    ("enabled", "drained_by", "status", "reason"),
    [
        (True, None, "healthy", "origin-eus2-1 enabled"),
        (False, None, "degraded", "origin-eus2-1 is Disabled (no traffic)"),  # by hand: not on purpose
        (False, DRAIN, "healthy", f"origin-eus2-1 is Disabled on purpose (drained by {DRAIN})"),
        (True, DRAIN, "healthy", "origin-eus2-1 enabled"),  # enabled again: the drain no longer holds
    ],
)
def test_a_disabled_origin_is_healthy_only_when_a_drain_disabled_it(
    enabled: bool, drained_by: str | None, status: str, reason: str
) -> None:
    signal = h.origin_signal(_origin(enabled), drained_by=drained_by)
    assert (signal.status, signal.reason) == (status, reason)


@pytest.mark.parametrize(
    ("state", "status"), [("Running", "healthy"), ("Stopped", "unhealthy"), ("Stopping", "unhealthy")]
)
def test_a_stopped_web_app_makes_its_stamp_unhealthy(state: str, status: str) -> None:
    signal = h.app_signal(_app(state))
    assert signal.status == status
    stamp = h.stamp_health("eus2-1", "eastus2", [_s("probe", "healthy"), signal], SETTINGS)
    assert stamp.status == status
    if status == "unhealthy":
        assert stamp.reasons == [f"web app: app-eus2-1 is {state}"]


# -- rules 2, 3 and 5: the roll-ups --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("children", "share", "expected"),
    [
        (["drained"], 1.0, "drained"),
        (["drained", "drained"], 1.0, "drained"),
        (["drained", "healthy"], 1.0, "healthy"),  # a drained child does not count against its parent
        (["drained", "unhealthy"], 1.0, "unhealthy"),  # every child meant to serve is down
        (["drained", "unhealthy", "healthy"], 1.0, "degraded"),
        (["drained", "degraded"], 1.0, "degraded"),
        (["drained", "unknown"], 1.0, "unknown"),
        (["drained", "unhealthy", "healthy"], 0.0, "unhealthy"),  # worst-of, over the serving ones
        (["drained", "healthy"], 0.0, "healthy"),
    ],
)
def test_rollup_counts_only_the_children_meant_to_serve(children: list[str], share: float, expected: str) -> None:
    assert h.rollup({f"c{i}": s for i, s in enumerate(children)}, share) == expected


@pytest.mark.parametrize(
    ("statuses", "region", "reasons"),
    [
        (["drained", "drained"], "drained", ["2 of 2 stamps drained (eus2-1, eus2-2)"]),
        (
            ["drained:unhealthy", "drained"],
            "drained",
            ["2 of 2 stamps drained (eus2-1: unhealthy, eus2-2)"],  # what is broken behind the drain
        ),
        (["drained", "healthy"], "healthy", ["1 of 2 stamps drained (eus2-1)"]),
        (
            ["drained", "unhealthy"],
            "unhealthy",
            ["1 of 2 stamps unhealthy (eus2-2)", "1 of 2 stamps drained (eus2-1)"],
        ),
        (["degraded", "healthy"], "degraded", ["1 of 2 stamps degraded (eus2-1)"]),
    ],
)
def test_a_region_rolls_up_its_serving_stamps_and_counts_the_drained(
    statuses: list[str], region: str, reasons: list[str]
) -> None:
    stamps = [_stamp(name, "eastus2", s) for name, s in zip(("eus2-1", "eus2-2"), statuses, strict=True)]
    found = h.region_health("eastus2", stamps, SETTINGS)
    assert (found.status, found.reasons) == (region, reasons)


@pytest.mark.parametrize(
    ("statuses", "scope", "expected", "code"),
    [
        # eastus2 drained on purpose, healthy or broken behind the drain: the estate is healthy
        (["healthy", "healthy", "drained", "drained"], {}, "healthy", 0),
        (["healthy", "healthy", "drained:unhealthy", "drained:unhealthy"], {}, "healthy", 0),
        # drained vs degraded: the same disabled origins without a journaled drain
        (["healthy", "healthy", "degraded", "degraded"], {}, "degraded", 10),
        (["healthy", "healthy", "unhealthy", "unhealthy"], {}, "degraded", 10),
        # the regions meant to serve decide: the only one serving is down
        (["unhealthy", "unhealthy", "drained", "drained"], {}, "unhealthy", 11),
        (["unhealthy", "healthy", "drained", "drained"], {}, "degraded", 10),
        # nothing serves: the whole estate is unhealthy, a scope (region or stamp) is drained
        (["drained"] * 4, {}, "unhealthy", 11),
        (["drained"] * 4, {"region": None, "stamp": None}, "unhealthy", 11),
        (["drained"] * 4, {"region": "eastus2", "stamp": None}, "drained", 0),
        (["drained"] * 4, {"region": None, "stamp": "eus2-1"}, "drained", 0),
    ],
)
def test_the_estate_counts_only_regions_meant_to_serve(
    statuses: list[str], scope: dict[str, str | None], expected: str, code: int
) -> None:
    stamps = [_stamp(n, r, s) for (n, r), s in zip(DEMO, statuses, strict=True)]
    estate = h.estate_health("demo", stamps, SETTINGS, scope=scope)
    assert (estate.status, estate.exit_code) == (expected, code)


def test_a_drained_region_is_named_last_in_the_estates_reasons() -> None:
    statuses = ["healthy", "unhealthy", "drained", "drained"]
    estate = h.estate_health("demo", [_stamp(n, r, s) for (n, r), s in zip(DEMO, statuses, strict=True)], SETTINGS)
    assert estate.reasons == [
        "region westeurope degraded: 1 of 2 stamps unhealthy (weu-2)",
        "region eastus2 drained: 2 of 2 stamps drained (eus2-1, eus2-2)",
    ]
    assert estate.regions["eastus2"].to_dict()["stamps"] == {"eus2-1": "drained", "eus2-2": "drained"}


def test_every_stamp_drained_says_nothing_serves() -> None:
    estate = h.estate_health("demo", [_stamp(n, r, "drained") for n, r in DEMO], SETTINGS)
    assert estate.reasons[0] == "no region serves traffic: every stamp is drained"


# -- rule 6: the SQL primary ---------------------------------------------------------------------------
PRIMARY_DOWN = h.SqlServerReach("westeurope", "sql-weu", "Primary", False, "HTTP 504")
PRIMARY_UP = h.SqlServerReach("westeurope", "sql-weu", "Primary", True)


@pytest.mark.parametrize(
    ("primary", "statuses", "scope", "expected", "code"),
    [
        (PRIMARY_UP, ["healthy"] * 4, {}, "healthy", 0),
        (PRIMARY_DOWN, ["healthy"] * 4, {}, "unhealthy", 11),  # no region can write
        (PRIMARY_DOWN, ["unhealthy", "unhealthy", "degraded", "degraded"], {}, "unhealthy", 11),
        (PRIMARY_DOWN, ["healthy", "healthy", "drained", "drained"], {}, "unhealthy", 11),
        (PRIMARY_DOWN, ["healthy"] * 4, {"region": "eastus2", "stamp": None}, "unhealthy", 11),  # any scope
        (None, ["healthy"] * 4, {}, "healthy", 0),  # the group not read: nothing to add
        (h.SqlServerReach("westeurope", "sql-weu", "Primary", None, "not read"), ["healthy"] * 4, {}, "healthy", 0),
    ],
)
def test_the_sql_primary_unreachable_makes_the_estate_unhealthy(
    primary: h.SqlServerReach | None, statuses: list[str], scope: dict[str, str | None], expected: str, code: int
) -> None:
    stamps = [_stamp(n, r, s) for (n, r), s in zip(DEMO, statuses, strict=True)]
    signal = h.sql_primary_signal(primary)
    estate = h.estate_health("demo", stamps, SETTINGS, sql_primary=signal, scope=scope)
    assert (estate.status, estate.exit_code) == (expected, code)
    if expected == "unhealthy":
        assert estate.reasons[0] == "no region can write: SQL primary sql-weu (westeurope) unreachable: HTTP 504"
