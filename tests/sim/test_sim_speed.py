"""`sim serve --speed N`: simulated time runs N times faster than the wall for every process on the
state file while a server keeps the speed, stops accelerating when nobody renews it, and LRO answers
served over the network carry `retry-after-ms` in wall milliseconds. No sleeping: the wall clock is
a fake every Sim reads (SimClock `wall=`), and the keeper is renewed by hand."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from mcctl.config.loader import demo_source
from mcctl.domain.estate import Estate
from mcctl.errors import SimStateDamaged
from mcctl.sim.app import Sim
from mcctl.sim.clock import MAX_OFFSET, SimClock
from mcctl.sim.credential import make_sim_token
from mcctl.sim.http import SimRequest
from mcctl.sim.providers.sql import DURATION_SECONDS, sql_state
from mcctl.sim.runtime import open_simulator
from mcctl.sim.server import LEASE_SECONDS, LoopbackServer, SpeedKeeper
from mcctl.sim.tls import make_self_signed

SPEED = 60.0
HOST = "https://127.0.0.1:8443"
API = "api-version=2021-11-01"


class FakeWall:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall() -> FakeWall:
    return FakeWall()


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state" / "demo.json"


def _open(estate: Estate, path: Path, wall: FakeWall) -> Sim:
    """A simulator on the state file as another process would open it, reading the fake wall."""
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=path)
    sim.clock = SimClock(wall=wall)
    return _synced(sim)


def _synced(sim: Sim) -> Sim:
    sim.advance(0)  # a request's worth of syncing with the state file, passing no time
    return sim


def _now(sim: Sim) -> float:
    return _synced(sim).now()


def _about(expected: float) -> object:
    # Absolute: a relative tolerance of an epoch-sized instant would hide whole minutes.
    return pytest.approx(expected, rel=0, abs=1e-3)


def _saved(path: Path) -> dict:
    return json.loads(path.read_text())


# -- one clock for every process ----------------------------------------------------------------------
def test_a_second_simulator_on_the_state_sees_the_accelerated_clock(demo_estate, state, wall) -> None:
    server, other = _open(demo_estate, state, wall), _open(demo_estate, state, wall)
    start = _now(other)
    keeper = SpeedKeeper(server, SPEED)
    assert keeper.renew()
    assert _saved(state)["clock_speed"]["factor"] == SPEED

    wall.t += 2
    assert _now(other) == _about(start + 2 * SPEED)
    assert _now(server) == _now(other)
    assert other.clock.factor() == SPEED


def test_renewals_keep_the_clock_monotonic_and_exact_for_every_reader(demo_estate, state, wall) -> None:
    server, other = _open(demo_estate, state, wall), _open(demo_estate, state, wall)
    start = _now(other)
    keeper = SpeedKeeper(server, SPEED)
    readings = []
    for step in range(12):
        if step % 2 == 0:
            keeper.renew()
        readings.append(_now(other))
        wall.t += 0.5
    assert readings == sorted(readings)
    assert readings[-1] == _about(start + 5.5 * SPEED)


def test_a_speed_nobody_renews_ends_with_its_lease(demo_estate, state, wall) -> None:
    server, other = _open(demo_estate, state, wall), _open(demo_estate, state, wall)
    start = _now(other)
    SpeedKeeper(server, SPEED).renew()  # then the server is killed: no more renewals

    wall.t += 100
    assert _now(other) == _about(start + LEASE_SECONDS * SPEED + (100 - LEASE_SECONDS))
    assert other.clock.factor() == 1.0
    wall.t += 10
    assert _now(other) == _about(start + LEASE_SECONDS * SPEED + (110 - LEASE_SECONDS))


def test_a_clean_stop_keeps_the_time_gained_and_goes_back_to_wall_speed(demo_estate, state, wall) -> None:
    server, other = _open(demo_estate, state, wall), _open(demo_estate, state, wall)
    start = _now(other)
    keeper = SpeedKeeper(server, SPEED)
    keeper.renew()
    wall.t += 2
    keeper.release()

    saved = _saved(state)
    assert "clock_speed" not in saved
    assert saved["clock_offset"] == _about(2 * (SPEED - 1))
    assert _now(other) == _about(start + 2 * SPEED)
    wall.t += 10
    assert _now(other) == _about(start + 2 * SPEED + 10)


def test_the_server_takes_and_gives_back_the_speed_with_its_lifetime(demo_estate, state, wall, tmp_path) -> None:
    sim = _open(demo_estate, state, wall)
    cert, key = make_self_signed(tmp_path / "tls")
    with LoopbackServer(sim, cert, key, speed=SPEED) as server:
        assert server.speed == SPEED
        assert _saved(state)["clock_speed"]["factor"] == SPEED
        wall.t += 1
    assert "clock_speed" not in _saved(state)
    assert _saved(state)["clock_offset"] == _about(SPEED - 1)


def test_a_server_at_wall_speed_leaves_the_clock_alone(demo_estate, state, wall, tmp_path) -> None:
    sim = _open(demo_estate, state, wall)
    cert, key = make_self_signed(tmp_path / "tls")
    with LoopbackServer(sim, cert, key):
        # held at factor 1: the lease says the state is served; time runs at wall speed
        assert _saved(state)["clock_speed"]["factor"] == 1
        wall.t += 30
        assert _saved(state)["clock_offset"] == 0
    assert "clock_speed" not in _saved(state) and _saved(state)["clock_offset"] == 0


@pytest.mark.parametrize("speed", [10.0, SPEED, 1.0])
def test_a_second_keeper_is_refused_while_the_first_runs(demo_estate, state, wall, speed) -> None:
    """One server per state, whatever its speed: two would fight over its clock, TLS files and
    served estate file."""
    first, second = _open(demo_estate, state, wall), _open(demo_estate, state, wall)
    assert SpeedKeeper(first, SPEED, label="https://127.0.0.1:8443 pid 42").renew()
    other = SpeedKeeper(second, speed)
    assert not other.renew()
    with pytest.raises(ValueError, match=r"another server serves this simulator \(https://127.0.0.1:8443 pid 42, at"):
        other.start()
    assert _saved(state)["clock_speed"]["factor"] == SPEED
    wall.t += LEASE_SECONDS + 1  # the first one died: its speed ran out, the second may take over
    assert other.renew()
    assert _saved(state)["clock_speed"]["factor"] == speed


def test_the_clock_stays_within_its_bound_however_long_a_speed_runs() -> None:
    wall = FakeWall()
    clock = SimClock(MAX_OFFSET - 10, wall=wall)
    assert clock.keep_speed(1000, LEASE_SECONDS, "me")
    wall.t += 1
    assert clock.effective_offset() == MAX_OFFSET
    clock.drop_speed("me")
    assert clock.offset == MAX_OFFSET and clock.speed is None


# -- retry-after-ms ---------------------------------------------------------------------------------------
def _wsgi(sim: Sim, method: str, url: str, body: bytes = b"") -> tuple[int, dict[str, str]]:
    """One request as the loopback server hands it to the simulator."""
    parts = urlsplit(url)
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": parts.path,
        "QUERY_STRING": parts.query,
        "HTTP_HOST": parts.netloc,
        "SERVER_NAME": parts.hostname,
        "SERVER_PORT": str(parts.port),
        "wsgi.url_scheme": "https",
        "HTTP_AUTHORIZATION": f"Bearer {make_sim_token()[0]}",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }
    answer: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), dict(headers)

    b"".join(sim(environ, start_response))
    return answer["status"], answer["headers"]  # type: ignore[return-value]


def _failover_url(estate: Estate) -> str:
    assert estate.sql is not None
    secondary = estate.sql.servers[1]
    return f"{HOST}{secondary.ref.id}/failoverGroups/{estate.sql.name}/failover?{API}"


def _primary(sim: Sim, estate: Estate) -> str:
    assert estate.sql is not None
    return sql_state(sim)["groups"][estate.sql.name.lower()]["primary"].lower()


def test_a_60s_failover_served_at_speed_completes_after_60_over_n_wall_seconds(demo_estate, state, wall) -> None:
    sim = _open(demo_estate, state, wall)
    keeper = SpeedKeeper(sim, SPEED)
    keeper.renew()
    assert DURATION_SECONDS["planned"] == 60

    status, headers = _wsgi(sim, "POST", _failover_url(demo_estate))
    assert status == 202
    # 10 simulated seconds (capped at poll_seconds) are 10/SPEED wall seconds: whole seconds in
    # Retry-After (which azure-core reads first: az would otherwise sleep 10 wall seconds), exactly in ms.
    assert headers["Retry-After"] == "1"
    assert headers["retry-after-ms"] == str(round(10 * 1000 / SPEED))
    monitor = headers["Location"]
    assert _primary(sim, demo_estate) == demo_estate.sql.servers[0].ref.id.lower()

    for _ in range(9):  # a wall-clock poller (az) every 0.1 s, the keeper renewing as it goes
        wall.t += 0.1
        keeper.renew()
        status, headers = _wsgi(sim, "GET", monitor)
        assert status == 202 and "retry-after-ms" in headers
    wall.t += 0.1 + 1e-6  # 60 / SPEED wall seconds after the POST
    status, _ = _wsgi(sim, "GET", monitor)
    assert status in (200, 204)
    assert _primary(sim, demo_estate) == demo_estate.sql.servers[1].ref.id.lower()


def test_retry_after_ms_has_a_floor_and_applies_to_every_retry_after(demo_estate, state, wall) -> None:
    sim = _open(demo_estate, state, wall)
    SpeedKeeper(sim, 3600).renew()
    sim.add_fault({"kind": "throttle", "method": "GET", "path": "/serverfarms", "count": 1, "retry_after": 7})
    status, headers = _wsgi(
        sim, "GET", f"{HOST}/subscriptions/{demo_estate.subscription}/providers/Microsoft.Web/serverfarms?{API}"
    )
    assert status == 429 and headers["Retry-After"] == "1"  # 7 simulated seconds: at least 1 wall second
    assert headers["retry-after-ms"] == "50"  # 7 s / 3600 is 2 ms: a poller still gets 50


def test_without_a_speed_served_answers_carry_no_retry_after_ms(demo_estate, state, wall) -> None:
    sim = _open(demo_estate, state, wall)
    status, headers = _wsgi(sim, "POST", _failover_url(demo_estate))
    assert status == 202 and headers["Retry-After"] == "10"
    assert not any(key.lower() == "retry-after-ms" for key in headers)


def test_in_process_answers_carry_no_retry_after_ms_even_at_speed(demo_estate, state, wall) -> None:
    """The in-process transport turns sleeps into simulated time: milliseconds would make it poll in
    tiny simulated steps."""
    sim = _open(demo_estate, state, wall)
    SpeedKeeper(sim, SPEED).renew()
    token = make_sim_token()[0]
    response = sim.handle(SimRequest("POST", _failover_url(demo_estate), {"Authorization": f"Bearer {token}"}))
    assert response.status == 202 and response.headers["Retry-After"] == "10"
    assert not any(key.lower() == "retry-after-ms" for key in response.headers)


def test_a_speed_that_ran_out_stops_the_retry_after_ms(demo_estate, state, wall) -> None:
    sim = _open(demo_estate, state, wall)
    SpeedKeeper(sim, SPEED).renew()
    wall.t += LEASE_SECONDS + 1
    status, headers = _wsgi(sim, "POST", _failover_url(demo_estate))
    assert status == 202 and "retry-after-ms" not in headers


# -- bad input ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("speed", [0, 0.5, -1, math.nan, math.inf, -math.inf, 1e9])
def test_bad_speeds_are_refused_naming_the_option(sim, tmp_path, speed) -> None:
    with pytest.raises(ValueError, match="^--speed: "):
        LoopbackServer(sim, tmp_path / "no-cert.pem", tmp_path / "no-key.pem", speed=speed)
    with pytest.raises(ValueError, match="^--speed: "):
        SpeedKeeper(sim, speed)


DAMAGED_SPEEDS = {
    "a string": "fast",
    "a string factor": {"factor": "60", "since": 1.0, "until": 2.0},
    "a slow factor": {"factor": 0.5, "since": 1.0, "until": 2.0},
    "an infinite factor": {"factor": 4242.4242, "since": 1.0, "until": 2.0},  # written as 1e999 (Python: inf)
    "no since": {"factor": 60, "until": 2.0},
    "until before since": {"factor": 60, "since": 2.0, "until": 1.0},
    "a numeric owner": {"factor": 60, "since": 1.0, "until": 2.0, "owner": 7},
}


@pytest.mark.parametrize("kind", list(DAMAGED_SPEEDS))
def test_a_damaged_clock_speed_is_reported_like_other_damage(demo_estate, state, wall, kind) -> None:
    _open(demo_estate, state, wall)
    saved = _saved(state)
    saved["clock_speed"] = DAMAGED_SPEEDS[kind]
    state.write_text(json.dumps(saved).replace("4242.4242", "1e999"), encoding="utf-8")
    with pytest.raises(SimStateDamaged) as info:
        open_simulator(demo_estate, demo_source().fingerprint, path=state)
    assert "clock_speed" in info.value.message and info.value.exit_code == 2
    assert len(list(state.parent.glob("demo.json.corrupt-*"))) == 1 and not state.exists()


def test_a_slow_speed_gives_retry_after_in_whole_wall_seconds(demo_estate, state, wall) -> None:
    sim = _open(demo_estate, state, wall)
    SpeedKeeper(sim, 3).renew()
    status, headers = _wsgi(sim, "POST", _failover_url(demo_estate))
    assert status == 202 and (headers["Retry-After"], headers["retry-after-ms"]) == ("4", "3333")  # 10 s / 3
