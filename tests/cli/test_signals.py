"""SIGTERM and SIGHUP inside an operation (repro 6) are handled like Ctrl-C: the step and the operation
are journaled as interrupted, the lease is released at once, and mcctl exits 128 + the signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mcctl.cli import signals
from mcctl.errors import Terminated


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcctl", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )


def _journal_records() -> list[dict]:
    path = Path(os.environ["MCCTL_STATE_DIR"]) / "journal" / "sim-demo.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(("name", "code"), [("TERM", 143), ("HUP", 129)])
def test_a_signal_mid_operation_journals_it_releases_the_lease_and_exits_128_plus_signal(name, code) -> None:
    armed = _run(
        "sim", "fault", "add", "signal", "--signal", name, "--method", "PUT", "--path", "serverfarms/asp-mc-weu-1"
    )
    assert armed.returncode == 0, armed.stderr

    scaled = _run("--sim", "scale", "weu-1", "--instances", "5", "--yes")

    assert scaled.returncode == code, scaled.stderr
    assert "Traceback" not in scaled.stderr
    last = scaled.stderr.strip().splitlines()[-1]
    assert last.startswith(f"mcctl: terminated by SIG{name}")
    records = _journal_records()
    op = next(r["op"] for r in records if r["type"] == "operation")
    ends = [r for r in records if r["type"] == "end" and r["op"] == op]
    assert [e["status"] for e in ends] == ["interrupted"]
    outcomes = [r for r in records if r["type"] == "outcome" and r["op"] == op]
    assert [o["status"] for o in outcomes] == ["interrupted"]

    lock = _run("--sim", "-o", "json", "lock", "status")
    assert lock.returncode == 0, lock.stderr
    assert json.loads(lock.stdout)["state"] == "available"  # released, not left to expire


def test_an_int_signal_fault_is_ctrl_c_exit_130() -> None:
    assert _run("sim", "fault", "add", "signal", "--signal", "INT", "--method", "PUT").returncode == 0
    scaled = _run("--sim", "scale", "weu-2", "--instances", "4", "--yes")
    assert scaled.returncode == 130, scaled.stderr
    assert scaled.stderr.strip().splitlines()[-1] == "mcctl: interrupted"
    assert json.loads(_run("--sim", "-o", "json", "lock", "status").stdout)["state"] == "available"


def test_terminated_raised_in_a_command_maps_to_its_exit_code(mcctl, monkeypatch) -> None:
    from mcctl.adapters import web

    def terminated(*args, **kwargs):
        raise Terminated(signal.SIGHUP)

    monkeypatch.setattr(web, "set_plan_capacity", terminated)
    result = mcctl("--sim", "scale", "weu-1", "--instances", "4", "--yes")
    assert result.exit_code == 129, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("mcctl: terminated by SIGHUP")
    listed = json.loads(mcctl("--sim", "-o", "json", "journal", "list").stdout)
    assert listed[-1]["status"] == "interrupted"
    assert json.loads(mcctl("--sim", "-o", "json", "lock", "status").stdout)["state"] == "available"


def test_terminated_is_a_keyboard_interrupt_with_the_shell_exit_code() -> None:
    assert issubclass(Terminated, KeyboardInterrupt)
    assert Terminated(signal.SIGTERM).exit_code == 143 and Terminated(signal.SIGTERM).signal_name == "SIGTERM"
    assert Terminated(signal.SIGHUP).exit_code == 129


@pytest.fixture
def restore_handlers():
    saved = {s: signal.getsignal(s) for s in signals.DEFERRABLE}
    yield
    for s, handler in saved.items():
        signal.signal(s, handler)


def test_install_turns_term_and_hup_into_terminated(restore_handlers) -> None:
    assert signals.install() is True
    for signum in (signal.SIGTERM, signal.SIGHUP):
        with pytest.raises(Terminated) as info:
            signal.raise_signal(signum)
        assert info.value.signum == signum
    assert signals.last_raised() == signal.SIGHUP


def test_deferred_holds_signals_until_the_block_ends(restore_handlers) -> None:
    signals.install()
    done = []
    with pytest.raises(Terminated) as info:
        with signals.deferred():
            signal.raise_signal(signal.SIGTERM)
            done.append("outcome printed")  # not interrupted by the signal
    assert done == ["outcome printed"] and info.value.signum == signal.SIGTERM
    with pytest.raises(KeyboardInterrupt) as ctrl_c:
        with signals.deferred():
            signal.raise_signal(signal.SIGINT)
            done.append("again")
    assert not isinstance(ctrl_c.value, Terminated) and done[-1] == "again"
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handlers are restored


def test_deferred_nested_blocks_hand_signals_outwards(restore_handlers) -> None:
    signals.install()
    steps = []
    with pytest.raises(Terminated):
        with signals.deferred():
            with signals.deferred():
                signal.raise_signal(signal.SIGHUP)
            steps.append("inner done, still held")
    assert steps == ["inner done, still held"]


def test_deferred_lets_the_blocks_own_error_win(restore_handlers) -> None:
    signals.install()
    with pytest.raises(ValueError):
        with signals.deferred():
            signal.raise_signal(signal.SIGTERM)
            raise ValueError("partially applied")
    with signals.deferred():
        pass  # the dropped signal is not re-delivered later


def test_handlers_are_only_installed_from_the_main_thread(restore_handlers) -> None:
    results = {}

    def worker() -> None:
        results["install"] = signals.install()
        with signals.deferred():
            results["deferred"] = True

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert results == {"install": False, "deferred": True}
    assert signal.getsignal(signal.SIGTERM) is before
