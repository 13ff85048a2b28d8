"""Crash points: a multi-step operation is SIGKILLed right after each of its journal records in turn
(MCCTL_SIM_KILL_AFTER_RECORDS=N, a real subprocess), then `resume` finishes it and, from the same
moment (a copy of the state dir), `rollback` takes the estate back where it started.

The operation is a gradual drain of one stamp (three sequential steps with health gates between them),
so its records come in one order and every boundary is a distinct point of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.reliability import harness as h

OPERATION = ("frontdoor", "drain", "--stamp", "eus2-1", "--steps", "50,90,100", "--yes")
MAX_BOUNDARIES = 10  # the parametrization below covers this many; the operation must not write more


@dataclass(frozen=True)
class CleanRun:
    records: int  # journal records the operation appends when nothing goes wrong
    start: dict[str, tuple[bool, int | None, int | None]]  # origins before
    target: dict[str, tuple[bool, int | None, int | None]]  # origins after


def _journal_lines() -> list[str]:
    path = h.state_dir() / "journal" / "sim-demo.jsonl"
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] if path.exists() else []


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> CleanRun:
    """The operation once, undisturbed, in a subprocess like the killed runs (same code path)."""
    base = tmp_path_factory.mktemp("clean-run")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MCCTL_STATE_DIR", str(base / "state"))
        patch.setenv("MCCTL_CONFIG_DIR", str(base / "config"))
        for var in ("MCCTL_ESTATE", "MCCTL_SIM", "MCCTL_ACCESS_TOKEN", "MCCTL_OUTPUT", "MCCTL_SIM_KILL_AFTER_RECORDS"):
            patch.delenv(var, raising=False)
        cli = h.in_process_cli()
        start = h.origins(cli)
        done = h.run_process("--sim", *OPERATION)
        assert done.returncode == 0, done.stderr
        return CleanRun(len(_journal_lines()), start, h.origins(cli))


def test_the_clean_run_drains_the_stamp_in_at_most_max_boundaries(clean_run: CleanRun) -> None:
    assert clean_run.start["eus2-1"] == (True, 1000, 1)
    assert clean_run.target["eus2-1"][0] is False
    assert {k: v for k, v in clean_run.target.items() if k != "eus2-1"} == {
        k: v for k, v in clean_run.start.items() if k != "eus2-1"
    }
    # header, 3 × (intent, outcome), end: raise MAX_BOUNDARIES if the engine journals more
    assert 8 <= clean_run.records <= MAX_BOUNDARIES


@pytest.mark.parametrize("n", range(1, MAX_BOUNDARIES + 1))
def test_killed_after_record_n_then_resume_and_rollback(mcctl, use_state, tmp_path: Path, clean_run, n) -> None:
    assert h.origins(mcctl) == clean_run.start
    run = h.run_process("--sim", *OPERATION, env=h.subprocess_env(MCCTL_SIM_KILL_AFTER_RECORDS=str(n)))
    if n > clean_run.records:  # no such boundary: the kill never comes and the run ends as the clean one
        assert run.returncode == 0, run.stderr
        assert h.origins(mcctl) == clean_run.target
        return
    assert run.returncode == h.SIGKILLED, f"not killed after record {n}: exit {run.returncode}\n{run.stderr}"
    h.assert_no_traceback(run.stderr)
    assert len(_journal_lines()) == n  # it died right after its n-th record
    op = h.latest(mcctl)
    if n < clean_run.records:
        assert op["status"] in ("interrupted", "incomplete"), op
    fork = h.copy_state(tmp_path / "fork")

    resumed = mcctl("--sim", "resume", op["id"], "--yes")
    assert resumed.exit_code == 0, f"resume after record {n}: exit {resumed.exit_code}\n{resumed.stderr}"
    h.assert_outcome_message(0, resumed.stderr)
    assert h.origins(mcctl) == clean_run.target
    assert h.operation(mcctl, op["id"])["status"] == "succeeded"
    assert h.operations_running(mcctl) == 0

    use_state(fork)
    rolled = mcctl("--sim", "rollback", op["id"], "--yes")
    assert rolled.exit_code == 0, f"rollback after record {n}: exit {rolled.exit_code}\n{rolled.stderr}"
    h.assert_outcome_message(0, rolled.stderr)
    assert h.origins(mcctl) == clean_run.start
    assert h.operations_running(mcctl) == 0
