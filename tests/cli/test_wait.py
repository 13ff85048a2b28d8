"""`mcctl wait health|sql|redis|frontdoor` on the persisted simulator: met, timed out (exit 6 with the
last observed state), bad input (exit 2, no Azure call). No sleeping: every wait runs on the
simulated clock, which `session.sleep` advances (a ten-minute wait takes no wall time)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mcctl.config.loader import demo_source, load_estate
from mcctl.domain.frontdoor_verify import Probe, Verification
from mcctl.domain.wait import (
    EdgeWanted,
    HealthWanted,
    Observation,
    judge_edge,
    judge_health,
    judge_sql,
)
from mcctl.errors import AzureRequestError, UsageError, WaitTimeout
from mcctl.ops.wait import Condition, wait_until
from mcctl.sim.providers.sql import sql_state
from mcctl.sim.runtime import open_simulator, sim_state_path

RESULT_KEYS = {"condition", "met", "observed", "detail", "seconds", "polls"}


def _met(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == RESULT_KEYS and data["met"] is True
    return data


def _timed_out(result: Any) -> str:
    assert result.exit_code == 6, result.stderr
    assert result.stdout == ""  # no result document: the condition was not met
    return " ".join(result.stderr.split())


def _live_lines(result: Any, condition: str) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith(f"mcctl: wait for {condition}: ")]


def _sim_primary() -> str:
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return sql_state(sim)["groups"]["fg-mc-demo"]["primary"].rsplit("/", 1)[-1]


# -- health ----------------------------------------------------------------------------------------
def test_health_times_out_during_an_outage_and_is_met_after_it(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    waited = mcctl("--sim", "wait", "health", "--region", "eastus2", "--for", "healthy", "--timeout", "1m")
    message = _timed_out(waited)
    assert "timed out after 60s waiting for health eastus2 healthy: last observed unhealthy" in message
    assert "2 of 2 stamps unhealthy" in message
    assert len(_live_lines(waited, "health eastus2 healthy")) == 1  # one state seen: one line, not one per poll

    assert mcctl("sim", "outage", "end", "eastus2").exit_code == 0
    data = _met(mcctl("--sim", "-o", "json", "wait", "health", "--region", "eastus2", "--for", "healthy"))
    assert (data["condition"], data["observed"], data["polls"]) == ("health eastus2 healthy", "healthy", 1)


def test_health_drained_after_a_drain_and_not_for_a_serving_region(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes").exit_code == 0
    data = _met(mcctl("--sim", "-o", "json", "wait", "health", "-r", "eastus2", "--for", "drained"))
    assert data["observed"] == "drained"
    message = _timed_out(mcctl("--sim", "wait", "health", "-r", "westeurope", "--for", "drained", "--timeout", "30s"))
    assert "waiting for health westeurope drained: last observed healthy" in message


# -- sql -------------------------------------------------------------------------------------------
def test_sql_waits_through_a_running_failover(mcctl) -> None:
    submitted = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--no-wait", "--yes")
    assert submitted.exit_code == 0, submitted.stderr
    waited = mcctl("--sim", "-o", "json", "wait", "sql", "--primary", "northeurope", "--interval", "5s")
    data = _met(waited)
    assert (data["condition"], data["observed"]) == ("sql primary northeurope", "primary northeurope")
    assert data["seconds"] > 0 and data["polls"] > 1  # the failover ran on the simulated clock meanwhile
    lines = _live_lines(waited, "sql primary northeurope")
    assert "(failover pending)" in lines[0] and lines[-1].startswith(
        "mcctl: wait for sql primary northeurope: primary northeurope"
    )
    assert len(lines) == 2  # a line per change of state, not per poll
    assert _sim_primary() == "sql-mc-neu"


def test_sql_timeout_names_the_primary_it_saw(mcctl) -> None:
    message = _timed_out(mcctl("--sim", "wait", "sql", "--primary", "eastus2", "--timeout", "1m"))
    assert "waiting for sql primary eastus2: last observed primary westeurope" in message
    assert "mcctl sql status" in message
    assert _sim_primary() == "sql-mc-weu"  # a wait changes nothing


# -- redis -----------------------------------------------------------------------------------------
def test_redis_times_out_while_the_link_is_broken_and_is_met_once_linked(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    message = _timed_out(mcctl("--sim", "wait", "redis", "--region", "eastus2", "--for", "linked", "--timeout", "2m"))
    assert "waiting for redis eastus2 linked: last observed broken" in message
    assert mcctl("sim", "outage", "end", "eastus2").exit_code == 0
    data = _met(mcctl("--sim", "-o", "json", "wait", "redis", "--region", "eastus2", "--for", "linked"))
    assert (data["condition"], data["observed"]) == ("redis eastus2 linked", "linked")


# -- frontdoor -------------------------------------------------------------------------------------
def test_frontdoor_drained_and_serving_at_the_edge(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes").exit_code == 0
    # the change takes minutes to reach the edge: a one-minute wait still sees eastus2 answer
    early = _timed_out(mcctl("--sim", "wait", "frontdoor", "-r", "eastus2", "--for", "drained", "--timeout", "1m"))
    assert "waiting for frontdoor eastus2 drained: last observed" in early
    assert "last observed serving" in early or "last observed draining" in early

    # The drain PATCHes the two origins one after the other, so the edge drops eus2-2 a little after
    # eus2-1; the round-robin edge gives each of the 7 origins still on it a turn in any 7 answers,
    # so 10 in a row from elsewhere (the default) can only end once eus2-2 has left too. (5 could be
    # met between the two, with wall time deciding whether the next wait still saw eus2-2.)
    waited = mcctl("--sim", "-o", "json", "wait", "frontdoor", "-r", "eastus2", "--for", "drained")
    data = _met(waited)
    assert data["observed"] == "drained" and "none from eus2-1, eus2-2" in data["detail"]
    assert _live_lines(waited, "frontdoor eastus2 drained")[-1].startswith(
        "mcctl: wait for frontdoor eastus2 drained: drained"
    )

    not_back = _timed_out(mcctl("--sim", "wait", "frontdoor", "-r", "eastus2", "--for", "serving", "--timeout", "1m"))
    assert "waiting for frontdoor eastus2 serving: last observed not serving" in not_back
    assert "frontdoor verify eastus2 --restored" in not_back

    assert mcctl("--sim", "frontdoor", "restore", "eastus2", "--yes").exit_code == 0
    data = _met(mcctl("--sim", "-o", "json", "wait", "frontdoor", "-r", "eastus2", "--for", "serving"))
    assert data["observed"] == "serving" and "eus2-1, eus2-2 serve again" in data["detail"]
    assert data["seconds"] >= 120  # the edge's propagation delay, passed on the simulated clock


def test_table_output_says_what_was_met(mcctl) -> None:
    result = mcctl("--sim", "wait", "sql", "--primary", "westeurope")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("sql primary westeurope: met after simulated ")


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("health", "--region", "westeruope", "--for", "healthy"), "--region: 'westeruope' has no stamps"),
        (("health", "--region", "eastus2", "--for", "sick"), "--for: 'sick' is not one of healthy | drained"),
        (("health", "--region", "eastus2"), "--for"),
        (("health", "--region", "eastus2", "--for", "healthy", "--timeout", "0"), "--timeout"),
        (("health", "--region", "eastus2", "--for", "healthy", "--interval", "soon"), "--interval"),
        (("sql", "--primary", "uksouth"), "--primary: 'uksouth' has no server of failover group fg-mc-demo"),
        (("redis", "--region", "uksouth", "--for", "linked"), "--region: no Redis member in 'uksouth'"),
        (("redis", "--region", "eastus2", "--for", "broken"), "--for: 'broken' is not one of linked"),
        (("frontdoor", "--region", "eastus2", "--for", "away"), "--for: 'away' is not one of serving | drained"),
        (("frontdoor", "--region", "eastus2", "--for", "drained", "--count", "0"), "--count: must be at least 1"),
        (("frontdoor", "--region", "nowhere", "--for", "drained"), "--region: 'nowhere' has no stamps"),
    ],
)
def test_bad_input_exits_2_before_any_azure_call(mcctl, tmp_path, args, message) -> None:
    result = mcctl("--sim", "wait", *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "state" / "sim" / "demo.json").exists()


# -- the polling loop, on a fake clock -------------------------------------------------------------
class _Clock:
    """A session as far as the loop sees it: a clock that only moves when slept."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


def _condition(*observations: Observation | Exception) -> Condition:
    queue = list(observations)

    def observe(session: Any) -> Observation:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return Condition("thing ready", observe, "look at the thing")


def test_loop_polls_every_interval_until_met_and_reports_each_poll() -> None:
    clock = _Clock()
    seen: list[tuple[str, float, float]] = []
    condition = _condition(Observation("cold"), Observation("cold"), Observation("ready", met=True))
    result = wait_until(
        clock, condition, timeout=60, interval=10, on_poll=lambda o, e, left: seen.append((o.state, e, left))
    )
    assert (result.observed.state, result.seconds, result.polls) == ("ready", 20.0, 3)
    assert clock.sleeps == [10, 10]
    assert seen == [("cold", 0.0, 60.0), ("cold", 10.0, 50.0), ("ready", 20.0, 40.0)]


def test_loop_polls_once_more_at_the_deadline_then_times_out_with_the_last_state() -> None:
    clock = _Clock()
    with pytest.raises(WaitTimeout) as raised:
        wait_until(clock, _condition(Observation("cold", "3 of 4 warm")), timeout=25, interval=10)
    assert clock.sleeps == [10, 10, 5]
    assert raised.value.exit_code == 6
    assert raised.value.message == "timed out after 25s waiting for thing ready: last observed cold (3 of 4 warm)"
    assert raised.value.hint == "look at the thing"


def test_loop_keeps_polling_through_failed_reads_but_not_through_usage_errors() -> None:
    clock = _Clock()
    failed = AzureRequestError("region down", status=503)
    result = wait_until(
        clock, _condition(failed, Observation("ready", met=True)), timeout=60, interval=10, on_poll=lambda *a: None
    )
    assert result.polls == 2
    with pytest.raises(WaitTimeout, match="last observed unreadable \\(region down\\)"):
        wait_until(_Clock(), _condition(failed), timeout=10, interval=10)
    with pytest.raises(UsageError):
        wait_until(_Clock(), _condition(UsageError("bad estate")), timeout=10, interval=10)


# -- the judges (pure) -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("primary", "state", "met", "shown"),
    [
        ("northeurope", "CATCH_UP", True, "primary northeurope"),
        ("northeurope", "PENDING", False, "primary northeurope (failover pending)"),
        ("westeurope", "CATCH_UP", False, "primary westeurope"),
        (None, None, False, "primary unknown"),
    ],
)
def test_sql_judge(primary, state, met, shown) -> None:
    observed = judge_sql(primary, state, "northeurope")
    assert (observed.met, observed.state) == (met, shown)


@pytest.mark.parametrize(
    ("status", "wanted", "met"),
    [
        ("healthy", HealthWanted.HEALTHY, True),
        ("degraded", HealthWanted.HEALTHY, False),
        ("drained", HealthWanted.HEALTHY, False),
        ("drained", HealthWanted.DRAINED, True),
        ("healthy", HealthWanted.DRAINED, False),
    ],
)
def test_health_judge(status, wanted, met) -> None:
    assert judge_health(status, ["why"], wanted).met is met


def _answers(mode: str, *stamps: str | None) -> Verification:
    seen = Verification(mode, "https://fd/", ("eus2-1", "eus2-2"), 2, 0.0)
    for i, stamp in enumerate(stamps):
        seen.add(Probe(float(i), 200 if stamp else None, stamp, "r" if stamp else None, None if stamp else "timeout"))
    return seen


@pytest.mark.parametrize(
    ("mode", "wanted", "stamps", "state", "met"),
    [
        ("away", EdgeWanted.DRAINED, ("weu-1", "eus2-1"), "serving", False),
        ("away", EdgeWanted.DRAINED, ("eus2-1", "weu-1"), "draining", False),
        ("away", EdgeWanted.DRAINED, ("weu-1", "neu-1"), "drained", True),
        ("away", EdgeWanted.DRAINED, ("weu-1", None), "unreadable", False),
        ("back", EdgeWanted.SERVING, ("weu-1",), "not serving", False),
        ("back", EdgeWanted.SERVING, ("eus2-1", "weu-1"), "partly serving", False),
        ("back", EdgeWanted.SERVING, ("eus2-2", "weu-1", "eus2-1"), "serving", True),
    ],
)
def test_edge_judge(mode, wanted, stamps, state, met) -> None:
    observed = judge_edge(_answers(mode, *stamps), wanted)
    assert (observed.state, observed.met) == (state, met)
