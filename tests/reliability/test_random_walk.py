"""A random walk over the simulated estate (hypothesis, stateful, derandomized): drains, restores,
scales, SQL failovers, `--no-wait` submissions, time passing, rollbacks, break-glass overrides and
two operators racing at the prompt. After every step the serving minimums hold for the estate as it
will be once everything in flight has landed, unless that step used an override; after an override
the estate may stay below a minimum, but no later step may make it worse.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.runtime import open_simulator  # the real one: the test replaces the module's name
from tests.reliability import harness as h

MIN_REGIONS, MIN_STAMPS = 1, 2  # the demo estate's safety settings
STEPS_PER_WALK, WALKS = 50, 8  # ≥ 300 steps in all
MIN_STEPS = 300
ACTION_CODES = (0, 4, 5, 7, 8)  # done, Azure said no (a change in flight), refused, partial, lease / estate changed
STAMPS = ("weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2")
OVERRIDES = ("min_serving_regions", "min_serving_stamps", "min_serving_capacity")

regions = st.sampled_from(h.REGIONS)
stamp_names = st.sampled_from(STAMPS)
no_wait = st.booleans()
# what an operator does in one command: (drain | restore) of a region or a stamp
shifts = st.tuples(st.sampled_from(("drain", "restore")), st.one_of(regions, stamp_names.map(lambda s: f"stamp:{s}")))


# The walk's simulated Azure lives in memory (one per walk), shared by every command of the walk as
# the state file is shared by processes: persisting it after each request would double the walk's time.
# Persistence, processes and kills are what the fault matrix, crash points and races exercise.
_IN_MEMORY: dict[str, Any] = {}


def _fresh_simulator() -> Any:
    simulator, _ = open_simulator(load_estate(demo_source()), demo_source().fingerprint, persist=False)
    return simulator


def _shared_simulator(*args: Any, **kwargs: Any) -> tuple[Any, None]:
    return _IN_MEMORY["sim"], None


def _shift_args(verb: str, where: str) -> tuple[str, ...]:
    scope = ("--stamp", where.split(":", 1)[1]) if where.startswith("stamp:") else (where,)
    return ("frontdoor", verb, *scope)


class EstateWalk(RuleBasedStateMachine):
    steps = 0  # commands the walks ran as steps (all walks of one test)
    seen: Counter[tuple[str, int]] = Counter()  # (command, exit code): what the walks went through

    def __init__(self) -> None:
        super().__init__()
        os.environ["MCCTL_STATE_DIR"] = str(Path(os.environ["RELIABILITY_WALK_BASE"]) / f"walk-{time.monotonic_ns()}")
        _IN_MEMORY["sim"] = _fresh_simulator()
        self.cli = h.in_process_cli()
        self.overridden = False  # the current step used --override
        self.floor: tuple[int, int] | None = None  # below a minimum since an override: never worse than this

    def _act(self, *args: str, codes: tuple[int, ...] = ACTION_CODES, step: bool = True) -> int:
        EstateWalk.steps += step
        result = self.cli("--sim", *args)
        assert result.exit_code in codes, f"{h.args_text(args)}: exit {result.exit_code}\n{result.stderr}"
        name = args[0] if args[0] in ("scale", "rollback") else " ".join(args[:2])
        EstateWalk.seen[(name + (" --no-wait" if "--no-wait" in args else ""), result.exit_code)] += 1
        h.assert_outcome_message(result.exit_code, result.stderr)
        return result.exit_code

    @initialize()
    def seeded(self) -> None:
        assert h.serving_regions(self.cli) == list(h.REGIONS)

    @rule(shift=shifts, no_wait=no_wait)
    def shift_traffic(self, shift: tuple[str, str], no_wait: bool) -> None:
        self._act(*_shift_args(*shift), "--yes", *(("--no-wait",) if no_wait else ()))

    @rule(stamp=stamp_names, instances=st.integers(1, 6), no_wait=no_wait)
    def scale(self, stamp: str, instances: int, no_wait: bool) -> None:
        self._act("scale", stamp, "--instances", str(instances), "--yes", *(("--no-wait",) if no_wait else ()))

    @rule(region=regions, no_wait=no_wait)
    def sql_failover(self, region: str, no_wait: bool) -> None:
        self._act("sql", "failover", "--to", region, "--yes", *(("--no-wait",) if no_wait else ()))

    @rule(seconds=st.sampled_from((5, 30, 120, 600)))
    def time_passes(self, seconds: int) -> None:
        self._act("sim", "advance", str(seconds), codes=(0,))

    @rule()
    def rollback_latest(self) -> None:
        # 2: nothing journaled yet, an irreversible or refused operation; otherwise as any change
        self._act("rollback", "latest", "--yes", codes=(*ACTION_CODES, 2))

    @rule(region=regions)
    def break_glass_drain(self, region: str) -> None:
        overrides = [arg for rule_name in OVERRIDES for arg in ("--override", rule_name)]
        self._act("frontdoor", "drain", region, "--yes", *overrides, "--reason", "random walk: break glass")
        self.overridden = True

    @rule(first=shifts, meanwhile=shifts)
    def two_operators_at_the_prompt(self, first: tuple[str, str], meanwhile: tuple[str, str]) -> None:
        """The first operator planned and waits at the prompt; the second changes the estate; then the
        first confirms a plan made against a state that is gone."""
        import typer

        import mcctl.cli.mutate

        def confirm_after_the_other(*args: object, **kwargs: object) -> bool:
            self._act(*_shift_args(*meanwhile), "--yes", step=False)
            return True

        saved = (mcctl.cli.mutate.is_interactive, typer.confirm)
        mcctl.cli.mutate.is_interactive, typer.confirm = (lambda: True), confirm_after_the_other
        try:
            self._act(*_shift_args(*first))  # "nothing to do" never asks
        finally:
            mcctl.cli.mutate.is_interactive, typer.confirm = saved

    @invariant()
    def serving_minimums_hold_once_everything_lands(self) -> None:
        sim = _IN_MEMORY["sim"]
        with sim.store.transaction() as data:
            serving_regions, serving_stamps = h.projected_serving(data)
        counts = (len(serving_regions), len(serving_stamps))
        enough = counts[0] >= MIN_REGIONS and counts[1] >= MIN_STAMPS
        if self.overridden:
            self.overridden = False
        elif self.floor is None:
            assert enough, f"below the serving minimums without an override: {serving_regions}, {serving_stamps}"
        else:
            assert counts[0] >= self.floor[0] and counts[1] >= self.floor[1], (
                f"below the minimums (after an override) and made worse: {counts} < {self.floor}"
            )
        self.floor = None if enough else counts


def test_random_walk_keeps_the_serving_minimums(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RELIABILITY_WALK_BASE", str(tmp_path))
    monkeypatch.setenv("MCCTL_STATE_DIR", str(tmp_path / "unused"))  # restored after the walks
    monkeypatch.setattr("mcctl.sim.runtime.open_simulator", _shared_simulator)
    EstateWalk.steps, EstateWalk.seen = 0, Counter()
    started = time.monotonic()

    run_state_machine_as_test(
        EstateWalk,
        settings=settings(
            max_examples=WALKS,
            stateful_step_count=STEPS_PER_WALK,
            derandomize=True,
            database=None,
            deadline=None,
            phases=(Phase.explicit, Phase.generate),  # no shrinking: the failing walk is printed as it ran
            suppress_health_check=list(HealthCheck),
        ),
    )

    elapsed = time.monotonic() - started
    assert EstateWalk.steps >= MIN_STEPS, f"only {EstateWalk.steps} steps were walked"
    codes = {code for _, code in EstateWalk.seen}
    assert {0, 5} <= codes, f"the walks never reached a refusal: {EstateWalk.seen}"
    assert any(name.endswith("--no-wait") and code == 0 for name, code in EstateWalk.seen), EstateWalk.seen
    # How long it takes is a figure, not a verdict (timed assertions belong in benchmarks/).
    print(f"{EstateWalk.steps} steps in {elapsed:.1f}s: {sorted(EstateWalk.seen.items())}")
