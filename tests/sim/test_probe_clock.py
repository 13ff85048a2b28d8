"""Tick listeners on simulated time (`ClientClock.every`) and on real time (`SystemClock.every`)."""

from __future__ import annotations

import threading

import pytest

from mcctl.adapters import sql
from mcctl.adapters.clients import AzureSession
from mcctl.adapters.clock import SystemClock
from mcctl.adapters.lro import WaitOptions
from mcctl.sim.app import Sim


def test_a_ten_second_sleep_calls_a_one_second_listener_ten_times_at_each_instant(session: AzureSession) -> None:
    clock = session.clock
    start = clock.now()
    calls: list[float] = []
    stop = clock.every(1.0, calls.append)

    clock.sleep(10)
    stop()

    assert len(calls) == 10
    assert all(b > a for a, b in zip(calls, calls[1:], strict=False))
    # Each call happens as simulated time passes its instant, not all at the end.
    assert [round(t - start) for t in calls] == list(range(1, 11))
    assert clock.now() - start == pytest.approx(10, abs=0.5)


def test_stop_stops_the_listener(session: AzureSession) -> None:
    calls: list[float] = []
    stop = session.clock.every(1.0, calls.append)
    session.clock.sleep(3)
    stop()
    session.clock.sleep(5)
    assert len(calls) == 3


def test_sim_advance_calls_listeners_too_and_settles_at_each_chunk(sim: Sim, session: AzureSession) -> None:
    calls: list[float] = []
    stop = session.clock.every(2.0, calls.append)
    sim.advance(9)
    stop()
    assert len(calls) == 4


def test_a_failover_completing_mid_sleep_is_visible_to_the_listener_call_at_its_instant(
    sim: Sim, session: AzureSession
) -> None:
    group = session.estate.sql
    assert group is not None
    neu = group.servers[1]
    assert sql.failover(session, group, neu, "forced", WaitOptions(wait=False)) is None
    [op] = [op for op in sim.store.data["operations"].values() if op["kind"].startswith("sql.failover.")]
    seen: list[tuple[float, str | None]] = []

    def listener(now: float) -> None:  # a listener may call the simulator: it runs outside the lock
        seen.append((now, sql.get_failover_group_from(session, group, neu).role))

    stop = session.clock.every(1.0, listener)
    session.clock.sleep(40)
    stop()

    assert len(seen) == 40
    assert {role for _, role in seen} == {"Primary", "Secondary"}
    # The ticks after the failover's due instant see it done, the ones before do not (simulated time
    # also moves with the wall clock: on a loaded machine a tick's instant drifts by up to JITTER).
    jitter = 2.0
    for now, role in seen:
        if now >= op["due"] + jitter:
            assert role == "Primary", (now - op["due"], role)
        elif now < op["due"] - jitter:
            assert role == "Secondary", (now - op["due"], role)


def test_a_failing_listener_does_not_break_the_sleeper(session: AzureSession) -> None:
    calls: list[float] = []

    def broken(now: float) -> None:
        calls.append(now)
        raise RuntimeError("boom")

    stop = session.clock.every(1.0, broken)
    session.clock.sleep(3)
    stop()
    assert len(calls) == 3


def test_nested_sleeps_inside_a_listener_do_not_call_listeners_again(session: AzureSession) -> None:
    calls: list[float] = []

    def listener(now: float) -> None:
        calls.append(now)
        session.clock.sleep(0.5)  # a probe's own simulated latency

    stop = session.clock.every(1.0, listener)
    session.clock.sleep(5)
    stop()
    assert 4 <= len(calls) <= 5


def test_invalid_intervals_are_refused(session: AzureSession) -> None:
    with pytest.raises(ValueError, match="interval"):
        session.clock.every(0, lambda now: None)
    with pytest.raises(ValueError, match="interval"):
        SystemClock().every(float("nan"), lambda now: None)


def test_system_clock_every_ticks_on_a_daemon_thread_until_stopped() -> None:
    ticked = threading.Event()
    calls: list[float] = []

    def callback(now: float) -> None:
        calls.append(now)
        if len(calls) >= 2:
            ticked.set()

    stop = SystemClock().every(0.01, callback)
    assert ticked.wait(5)
    stop()
    count = len(calls)
    threading.Event().wait(0.05)
    assert len(calls) <= count + 1  # at most one tick already under way when stop() was called


def test_pace_sleeps_wall_time_per_simulated_second_between_ticks(
    session: AzureSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mcctl.sim.ticks as ticks

    slept: list[float] = []
    monkeypatch.setattr(ticks.time, "sleep", slept.append)  # record the wall waits, don't wait
    calls: list[float] = []
    stop = session.clock.every(2.0, calls.append, pace=0.5)
    session.clock.sleep(6)
    stop()

    assert len(calls) == 3
    assert len(slept) == 3 and all(0.9 <= s <= 1.0 for s in slept)  # 2 simulated s x 0.5 wall s each
