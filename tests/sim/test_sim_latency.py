"""`MCCTL_SIM_LATENCY_MS`: a network latency on every simulated request — in process as simulated
time (ARM and web requests alike, a probe's measured latency included), served on the wall."""

from __future__ import annotations

import io
import json

import pytest
from typer.testing import CliRunner

from mcctl.adapters import web
from mcctl.adapters.clients import AzureSession
from mcctl.cli.main import create_app
from mcctl.config.paths import sim_state_path
from mcctl.domain.estate import Estate
from mcctl.errors import UsageError
from mcctl.sim.app import Sim
from mcctl.sim.latency import LATENCY_ENV, latency_seconds


@pytest.mark.parametrize(("raw", "seconds"), [(None, 0.0), ("", 0.0), ("0", 0.0), ("40", 0.04), (" 12.5 ", 0.0125)])
def test_the_variable_is_milliseconds(raw: str | None, seconds: float) -> None:
    environ = {} if raw is None else {LATENCY_ENV: raw}
    assert latency_seconds(environ) == pytest.approx(seconds)


@pytest.mark.parametrize("raw", ["abc", "-1", "nan", "inf", "60001", "40ms"])
def test_a_bad_value_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(UsageError) as info:
        latency_seconds({LATENCY_ENV: raw})
    assert str(info.value).startswith(f"{LATENCY_ENV}: ") and repr(raw) in str(info.value)


def test_the_cli_refuses_a_bad_value_with_exit_2_before_touching_the_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LATENCY_ENV, "fast")
    result = CliRunner().invoke(create_app(), ["--sim", "-o", "json", "stamps", "list"])
    assert result.exit_code == 2, result.output
    [line] = [line for line in result.stderr.splitlines() if "error" in line]
    assert LATENCY_ENV in line
    assert result.stdout == ""
    assert not sim_state_path("demo").exists()


def test_the_cli_applies_it_to_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    assert runner.invoke(create_app(), ["--sim", "sim", "status"]).exit_code == 0  # seeded, time as the wall
    monkeypatch.setenv(LATENCY_ENV, "500")
    result = runner.invoke(create_app(), ["--sim", "-o", "json", "health", "--stamp", "weu-1"])
    assert result.exit_code == 0, result.output
    [stamp] = json.loads(result.stdout)["stamps"]
    assert 540 <= stamp["probe"]["latency_ms"] <= 640  # the endpoint's 40-140 ms plus the network's 500


def test_an_arm_request_takes_the_latency_in_simulated_time(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    sim.latency = 30.0  # a large one: the wall time the request really takes is far less
    start = sim.now()
    web.get_plan(session, demo_estate.stamps[0])
    assert sim.now() - start >= 30.0


def test_a_probe_measures_its_own_latency_plus_the_network_s(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    url = demo_estate.stamps[0].health_url
    plain = session.web_request("GET", url, timeout=5).seconds
    sim.latency = 0.25
    slower = session.web_request("GET", url, timeout=5).seconds
    assert slower == pytest.approx(plain + 0.25)


def test_a_latency_beyond_the_probe_timeout_times_the_probe_out(
    session: AzureSession, sim: Sim, demo_estate: Estate
) -> None:
    from azure.core.exceptions import ServiceResponseTimeoutError

    sim.latency = 6.0
    with pytest.raises(ServiceResponseTimeoutError):
        session.web_request("GET", demo_estate.stamps[0].health_url, timeout=5)


def test_a_served_request_sleeps_the_latency_on_the_wall_outside_the_lock(
    sim: Sim, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[tuple[float, int]] = []
    monkeypatch.setattr("mcctl.sim.app.time.sleep", lambda s: slept.append((s, sim.store._depth)))
    sim.latency = 0.04
    environ = {
        "REQUEST_METHOD": "GET",
        "wsgi.url_scheme": "https",
        "HTTP_HOST": "app-mc-weu-1.azurewebsites.net",
        "PATH_INFO": "/health/stamp",
        "wsgi.input": io.BytesIO(b""),
    }
    statuses: list[str] = []
    sim(environ, lambda status, headers: statuses.append(status))
    assert statuses and statuses[0].startswith("200")
    assert slept == [(0.04, 0)]  # once, and not while holding the store (concurrent requests overlap)
