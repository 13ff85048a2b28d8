"""Shared helpers of the reliability suite: run mcctl in process or as a real process, read the
simulated estate back through the documented JSON outputs, and check error messages.

A `crash` (or `signal`) fault kills the process that sends the matching request: the in-process
runner refuses to send any request while one is armed, so a test can never kill pytest itself.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

SIGKILLED = -9  # subprocess returncode of a process killed by SIGKILL
REGIONS = ("westeurope", "northeurope", "eastus2")
PROCESS_KILLING_FAULTS = ("crash", "signal")
SUBPROCESS_TIMEOUT = 120

Cli = Callable[..., Result]


def state_dir() -> Path:
    return Path(os.environ["MCCTL_STATE_DIR"])


def sim_state_file() -> Path:
    return state_dir() / "sim" / "demo.json"


def armed_killers() -> list[dict[str, Any]]:
    """Faults armed in the persisted simulator that would kill the process sending the request."""
    try:
        data = json.loads(sim_state_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    faults = data.get("faults") if isinstance(data, dict) else None
    return [f for f in faults or [] if isinstance(f, dict) and f.get("kind") in PROCESS_KILLING_FAULTS]


@functools.cache
def _app_and_command() -> tuple[Any, Any]:
    """The app, and the click command Typer builds from it. Building the command costs more than most
    simulated commands take to run, so it is built once per process (as a real mcctl process does)."""
    import typer.main

    from mcctl.cli.main import create_app

    app = create_app()
    return app, typer.main.get_command(app)


def in_process_cli() -> Cli:
    """The real Typer app in this process (fast): `cli("--sim", "stamps", "list")`."""
    from unittest import mock

    runner = CliRunner()
    app, command = _app_and_command()

    def run(*args: str, input: str | None = None) -> Result:
        # `sim ...` commands never send a request to the simulated ARM, so they cannot trip a crash fault.
        if command_name(args) != "sim":
            killers = armed_killers()
            assert not killers, f"a process-killing fault is armed; run {args} in a subprocess: {killers}"
        with mock.patch("typer.testing._get_command", lambda _app: command):
            return runner.invoke(app, list(args), input=input)

    return run


_GLOBAL_OPTIONS_WITH_VALUE = ("-o", "--output", "--query", "--estate", "--subscription", "--credential")


def command_name(args: Sequence[str]) -> str | None:
    """The command group or command of an mcctl argument list (after the global options)."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in _GLOBAL_OPTIONS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "MCCTL_ACCESS_TOKEN"}
    env.update(extra)
    return env


def mcctl_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "mcctl", *args]


def run_process(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """mcctl as a real process on the same state dir (for SIGKILL and races)."""
    return subprocess.run(
        mcctl_command(*args),
        capture_output=True,
        text=True,
        input=input,
        env=env or subprocess_env(),
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )


def start_process(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        mcctl_command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env or subprocess_env(),
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=SUBPROCESS_TIMEOUT)
    return process.returncode, out, err


# -- messages --------------------------------------------------------------------------------------
def assert_no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "internal error" not in stderr, stderr


def assert_one_line_error(stderr: str) -> str:
    """`mcctl: error: ...` once, only indented detail/hint lines after it, no traceback. Returns it."""
    assert_no_traceback(stderr)
    lines = [line for line in stderr.splitlines() if line.strip()]
    errors = [i for i, line in enumerate(lines) if line.startswith("mcctl: error: ")]
    assert len(errors) == 1, f"expected exactly one 'mcctl: error:' line:\n{stderr}"
    after = lines[errors[0] + 1 :]
    assert all(line.startswith("  ") for line in after), f"unindented lines after the error:\n{stderr}"
    return lines[errors[0]]


def assert_outcome_message(code: int, stderr: str) -> None:
    """Exit 0: no error at all. Any other documented code: one error line (a killed process says nothing)."""
    if code == SIGKILLED:
        assert_no_traceback(stderr)
    elif code == 0:
        assert_no_traceback(stderr)
        assert "mcctl: error:" not in stderr, stderr
    else:
        assert_one_line_error(stderr)


# -- reading the estate back -----------------------------------------------------------------------
def read_json(cli: Cli, *args: str) -> Any:
    result = cli("--sim", "-o", "json", *args)
    assert result.exit_code == 0, f"{args}: exit {result.exit_code}: {result.stderr}"
    return json.loads(result.stdout)


def stamps(cli: Cli) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in read_json(cli, "stamps", "list")}


def capacities(cli: Cli, *names: str) -> tuple[int, ...]:
    rows = stamps(cli)
    return tuple(rows[name]["instances"] for name in names)


def origins_enabled(cli: Cli, *names: str) -> tuple[bool, ...]:
    rows = {row["stamp"]: row for row in read_json(cli, "frontdoor", "status")["origins"]}
    return tuple(rows[name]["enabled"] for name in names)


def origins(cli: Cli) -> dict[str, tuple[bool, int | None, int | None]]:
    rows = read_json(cli, "frontdoor", "status")["origins"]
    return {row["stamp"]: (row["enabled"], row["weight"], row["priority"]) for row in rows}


def serving_regions(cli: Cli) -> list[str]:
    return list(read_json(cli, "frontdoor", "status")["serving_regions"])


def sql_primary(cli: Cli) -> str:
    return str(read_json(cli, "sql", "status")["primary_region"])


def redis_verdicts(cli: Cli) -> tuple[str, ...]:
    entries = {entry["region"]: entry["verdict"] for entry in read_json(cli, "redis", "status")}
    return tuple(entries[region] for region in REGIONS)


def operations_running(cli: Cli) -> int:
    return int(read_json(cli, "sim", "status")["operations_running"])


def journal(cli: Cli) -> list[dict[str, Any]]:
    return list(read_json(cli, "journal", "list"))


def operation(cli: Cli, op: str) -> dict[str, Any]:
    return next(o for o in journal(cli) if o["id"] == op)


def latest(cli: Cli) -> dict[str, Any]:
    ops = journal(cli)
    assert ops, "the journal is empty"
    return ops[-1]


# -- state dirs ------------------------------------------------------------------------------------
def copy_state(to: Path) -> Path:
    """A copy of the whole state dir (simulator, journal, lease): a second future from the same past."""
    shutil.copytree(state_dir(), to)
    return to


def projected_serving(
    state: dict[str, Any] | None = None, advance_seconds: float = 3600.0
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(serving regions, serving stamps) once every running simulated operation has landed: a copy of
    the simulator's state (default: the persisted one) advanced in memory, read through the real
    adapters. The original is untouched."""
    import copy

    from mcctl.bootstrap import simulated_session
    from mcctl.ops.inventory import read_inventory
    from mcctl.sim.app import Sim
    from mcctl.sim.runtime import all_providers
    from mcctl.sim.store import SimStore

    estate = _demo_estate()
    data = copy.deepcopy(state) if state is not None else json.loads(sim_state_file().read_text(encoding="utf-8"))
    data["faults"] = []  # reading must not trip a fault armed for the next command
    sim = Sim(SimStore(None, data), all_providers())
    sim.advance(advance_seconds)
    session = simulated_session(estate, sim)
    try:
        snapshot = read_inventory(session, estate).snapshot()
    finally:
        session.close()
    return tuple(snapshot.serving_regions), tuple(s.name for s in snapshot.serving_stamps)


@functools.cache
def _demo_estate() -> Any:
    from mcctl.config.loader import demo_source, load_estate

    return load_estate(demo_source())


def args_text(args: Sequence[str]) -> str:
    return "mcctl " + " ".join(args)
