"""Two and three operators against one simulated estate, and `--no-wait` sequences: the safety rules
hold because they are re-checked under the lease against live state that includes the operations
still in flight. Races run as real processes; the "at the prompt" race is driven in process, with
each operator's confirmation answered only after the others have acted (deterministic).
"""

from __future__ import annotations

import pytest

from tests.reliability import harness as h

RACE_CODES = (0, 5, 8)  # done, refused by a rule, lease held / estate changed


def _race(*commands: tuple[str, ...]) -> list[tuple[int, str, str]]:
    processes = [h.start_process("--sim", *command) for command in commands]
    return [h.finish(p) for p in processes]


def _check_race(mcctl, commands: tuple[tuple[str, ...], ...], results: list[tuple[int, str, str]]) -> None:
    for command, (code, _, err) in zip(commands, results, strict=True):
        assert code in RACE_CODES, f"{h.args_text(command)}: exit {code}\n{err}"
        h.assert_outcome_message(code, err)
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0
    assert h.serving_regions(mcctl), "the race left no region serving"
    assert h.operations_running(mcctl) == 0


@pytest.mark.parametrize("no_wait", [False, True], ids=["wait", "no-wait"])
@pytest.mark.parametrize("attempt", [1, 2])
def test_three_simultaneous_drains_never_leave_zero_serving(mcctl, no_wait, attempt) -> None:
    assert h.serving_regions(mcctl) == list(h.REGIONS)
    flags = ("--yes", "--no-wait") if no_wait else ("--yes",)
    commands = tuple(("frontdoor", "drain", region, *flags) for region in h.REGIONS)

    results = _race(*commands)

    _check_race(mcctl, commands, results)
    assert [code for code, _, _ in results].count(0) <= 2
    refused = [err for code, _, err in results if code == 5]
    assert all("min_serving_regions" in err for err in refused), refused


@pytest.mark.parametrize("no_wait", [False, True], ids=["wait", "no-wait"])
def test_two_operators_race_for_the_last_two_regions(mcctl, no_wait) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes").exit_code == 0
    flags = ("--yes", "--no-wait") if no_wait else ("--yes",)
    commands = (("frontdoor", "drain", "northeurope", *flags), ("frontdoor", "drain", "eastus2", *flags))

    results = _race(*commands)

    _check_race(mcctl, commands, results)
    assert [code for code, _, _ in results].count(0) <= 1, results


def test_two_operators_at_the_prompt_while_a_third_drains(mcctl, monkeypatch) -> None:
    """A (drain northeurope) and B (drain eastus2) both planned while every region served; C drains
    westeurope meanwhile; then B confirms, then A. A's plan is no longer safe: exit 5, nothing changed."""
    results: dict[str, object] = {}

    def operator_b() -> None:
        results["B"] = mcctl("--sim", "frontdoor", "drain", "eastus2")

    def operator_c() -> None:
        results["C"] = mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes")

    meanwhile = [operator_b, operator_c]  # A's prompt lets B plan; B's prompt lets C act

    def answer_yes_later(*args, **kwargs) -> bool:
        meanwhile.pop(0)()
        return True

    monkeypatch.setattr("mcctl.cli.mutate.is_interactive", lambda: True)
    monkeypatch.setattr("typer.confirm", answer_yes_later)

    a = mcctl("--sim", "frontdoor", "drain", "northeurope")

    b, c = results["B"], results["C"]
    assert meanwhile == [], "the prompts were not reached"
    assert c.exit_code == 0, c.stderr
    assert b.exit_code == 0, b.stderr
    assert a.exit_code == 5, f"A applied a plan made unsafe at its prompt: exit {a.exit_code}\n{a.stderr}"
    assert "min_serving_regions" in h.assert_one_line_error(a.stderr)
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0
    assert h.serving_regions(mcctl) == ["northeurope"]
    assert [o["status"] for o in h.journal(mcctl)] == ["succeeded", "succeeded", "refused"]


def test_no_wait_drains_in_sequence_are_refused_before_the_last_region(mcctl) -> None:
    west = mcctl("--sim", "frontdoor", "drain", "westeurope", "--no-wait", "--yes")
    assert west.exit_code == 0, west.stderr
    north = mcctl("--sim", "frontdoor", "drain", "northeurope", "--no-wait", "--yes")
    assert north.exit_code == 0, north.stderr  # eastus2 still serves once both have landed

    east = mcctl("--sim", "frontdoor", "drain", "eastus2", "--no-wait", "--yes")

    assert east.exit_code == 5, f"the in-flight drains were not counted: exit {east.exit_code}\n{east.stderr}"
    assert "min_serving_regions" in h.assert_one_line_error(east.stderr)
    assert mcctl("--sim", "sim", "advance", "300").exit_code == 0
    assert h.serving_regions(mcctl) == ["eastus2"]


def test_no_wait_scale_then_rollback_waits_for_it_and_reverses_it(mcctl) -> None:
    submitted = mcctl("--sim", "-o", "json", "scale", "weu-1", "--instances", "6", "--no-wait", "--yes")
    assert submitted.exit_code == 0, submitted.stderr
    assert h.latest(mcctl)["status"] == "submitted"
    assert h.operations_running(mcctl) >= 1

    rolled = mcctl("--sim", "rollback", "latest", "--yes")

    assert rolled.exit_code == 0, rolled.stderr
    assert "nothing to do" not in rolled.stdout
    assert h.capacities(mcctl, "weu-1") == (3,)
    assert mcctl("--sim", "sim", "advance", "900").exit_code == 0
    assert h.capacities(mcctl, "weu-1") == (3,)  # nothing of the scale landed afterwards


def test_restore_right_after_a_no_wait_drain_is_not_undone_by_it(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "eastus2", "--no-wait", "--yes").exit_code == 0

    restored = mcctl("--sim", "frontdoor", "restore", "eastus2", "--yes")

    # Either the restore takes the in-flight drain into account (waits for it, then restores), or it
    # refuses to act on resources with a change in flight; never "done" with the drain landing after.
    assert restored.exit_code in (0, 8), restored.stderr
    h.assert_outcome_message(restored.exit_code, restored.stderr)
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0
    if restored.exit_code == 0:
        assert h.origins_enabled(mcctl, "eus2-1", "eus2-2") == (True, True)


def test_no_wait_drain_then_resume_verifies_and_closes_the_operation(mcctl) -> None:
    submitted = mcctl("--sim", "-o", "json", "frontdoor", "drain", "eastus2", "--no-wait", "--yes")
    assert submitted.exit_code == 0, submitted.stderr
    op = h.latest(mcctl)
    assert op["status"] == "submitted"

    resumed = mcctl("--sim", "resume", op["id"], "--yes")

    assert resumed.exit_code == 0, resumed.stderr
    assert h.origins_enabled(mcctl, "eus2-1", "eus2-2") == (False, False)
    assert h.operation(mcctl, op["id"])["status"] == "succeeded"
    assert h.operations_running(mcctl) == 0
