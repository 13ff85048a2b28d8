"""Issue 11's engine reproductions: safety that holds when operators race, runs are left in flight
(--no-wait, a killed process) and the lease is broken mid-run. Each failed before the fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from typing import Any

import pytest


def _stamps(mcctl) -> dict[str, dict[str, Any]]:
    result = mcctl("--sim", "-o", "json", "stamps", "list", "--no-health")
    if result.exit_code != 0:  # (older CLIs have no --no-health)
        result = mcctl("--sim", "-o", "json", "stamps", "list")
    assert result.exit_code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)}


def _serving_regions(mcctl) -> set[str]:
    return {row["region"] for row in _stamps(mcctl).values() if row["origin_enabled"]}


def _ops(mcctl) -> list[dict[str, Any]]:
    result = mcctl("--sim", "-o", "json", "journal", "list")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _primary(mcctl) -> str:
    result = mcctl("--sim", "-o", "json", "sql", "status")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["primary_region"]


def _subprocess(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mcctl", "--sim", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
        check=False,
    )


# -- 1. operators racing at the prompt --------------------------------------------------------------
def test_two_operators_at_the_prompt_while_a_third_drains_never_reach_zero_serving(mcctl, monkeypatch) -> None:
    """B and A both planned while all three regions served; C drained westeurope while they sat at
    the prompt. A still leaves one region serving; B, judged again under the lease, is refused."""
    from mcctl.cli import mutate

    real_confirm = mutate.confirm
    inner: list[tuple[str, ...]] = [
        ("--sim", "frontdoor", "drain", "northeurope"),  # operator A, at B's prompt
        ("--sim", "frontdoor", "drain", "westeurope", "--yes"),  # operator C, at A's prompt
    ]
    results: dict[str, Any] = {}

    def at_the_prompt(runtime, plan, flags) -> None:
        if inner:
            args = inner.pop(0)
            results[args[3]] = mcctl(*args, input="y\n")
        real_confirm(runtime, plan, flags)

    monkeypatch.setattr(mutate, "confirm", at_the_prompt)
    monkeypatch.setattr(mutate, "is_interactive", lambda: True)
    b = mcctl("--sim", "frontdoor", "drain", "eastus2", input="y\n")

    assert results["westeurope"].exit_code == 0, results["westeurope"].stderr
    assert results["northeurope"].exit_code == 0, results["northeurope"].stderr
    assert b.exit_code == 5, b.stderr
    assert "min_serving_regions" in b.stderr and "since the plan was made" in b.stderr
    assert "westeurope" in b.stderr and "northeurope" in b.stderr  # what changed, named
    assert _serving_regions(mcctl) == {"eastus2"}
    refused = _ops(mcctl)[-1]
    assert refused["status"] == "refused" and refused["summary"].startswith("drain")


# -- 2. --no-wait submissions are in-flight state --------------------------------------------------------
def test_no_wait_drains_are_counted_as_done_until_they_land(mcctl) -> None:
    first = mcctl("--sim", "frontdoor", "drain", "westeurope", "--no-wait", "--yes")
    second = mcctl("--sim", "frontdoor", "drain", "northeurope", "--no-wait", "--yes")
    assert first.exit_code == 0, first.stderr
    assert second.exit_code == 0, second.stderr
    assert "may still land: counted the way that serves less" in second.stderr

    third = mcctl("--sim", "frontdoor", "drain", "eastus2", "--no-wait", "--yes")
    assert third.exit_code == 5, third.stderr
    assert "min_serving_regions" in third.stderr

    assert mcctl("--sim", "sim", "advance", "300").exit_code == 0
    assert _serving_regions(mcctl) == {"eastus2"}


def test_a_landed_no_wait_change_is_settled_in_the_journal_by_the_next_run(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--no-wait", "--yes").exit_code == 0
    submitted = _ops(mcctl)[-1]
    assert submitted["status"] == "submitted"
    assert mcctl("--sim", "sim", "advance", "300").exit_code == 0
    assert mcctl("--sim", "scale", "neu-1", "--instances", "4", "--yes").exit_code == 0
    shown = json.loads(mcctl("--sim", "-o", "json", "journal", "show", submitted["id"]).stdout)
    histories = [s["history"] for s in shown["step_history"]]
    assert histories == [["submitted", "succeeded"]] * 2, shown
    assert all(not s["uncertain"] for s in shown["step_history"])
    assert next(o for o in _ops(mcctl) if o["id"] == submitted["id"])["status"] == "succeeded"


# -- 3. a killed run's change still lands: rollback waits for it ---------------------------------------
def test_rollback_of_a_killed_scale_waits_for_it_and_reverses_it(mcctl) -> None:
    armed = mcctl("sim", "fault", "add", "crash", "--method", "PUT", "--path", "serverfarms/asp-mc-weu-1")
    assert armed.exit_code == 0, armed.stderr
    killed = _subprocess("scale", "weu-1", "--instances", "30", "--yes")
    assert killed.returncode == -9, killed.stderr
    assert _stamps(mcctl)["weu-1"]["instances"] == 3  # still scaling in "Azure"
    op = _ops(mcctl)[-1]["id"]

    # 30 → 3 is a scale-in below half the serving capacity: the rule says so (never "nothing to do")
    refused = mcctl("--sim", "-o", "json", "rollback", "latest", "--yes")
    assert refused.exit_code == 5, refused.stderr
    assert "still running in Azure" in refused.stderr and "min_serving_capacity" in refused.stderr
    assert _stamps(mcctl)["weu-1"]["instances"] == 30  # it landed meanwhile; nothing else changed

    rolled = mcctl(
        "--sim", "-o", "json", "rollback", op, "--yes",
        "--override", "min_serving_capacity", "--reason", "undo the mistaken scale-out",
    )  # fmt: skip
    assert rolled.exit_code == 0, rolled.stderr
    assert json.loads(rolled.stdout)["status"] == "applied"
    assert _stamps(mcctl)["weu-1"]["instances"] == 3
    assert mcctl("--sim", "sim", "advance", "3600").exit_code == 0
    assert _stamps(mcctl)["weu-1"]["instances"] == 3  # nothing lands later


def test_rollback_of_a_killed_planned_sql_failover_waits_for_it_and_fails_back(mcctl) -> None:
    armed = mcctl("sim", "fault", "add", "crash", "--method", "POST", "--path", "fg-mc-demo/failover")
    assert armed.exit_code == 0, armed.stderr
    killed = _subprocess("sql", "failover", "--to", "northeurope", "--yes")
    assert killed.returncode == -9, killed.stderr

    rolled = mcctl("--sim", "rollback", "latest", "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    assert mcctl("--sim", "sim", "advance", "3600").exit_code == 0
    assert _primary(mcctl) == "westeurope"


def test_resume_of_a_killed_scale_joins_the_running_change(mcctl) -> None:
    assert mcctl("sim", "fault", "add", "crash", "--method", "PUT", "--path", "serverfarms/asp-mc-weu-1").exit_code == 0
    assert _subprocess("scale", "weu-1", "--instances", "7", "--yes").returncode == -9
    resumed = mcctl("--sim", "-o", "json", "resume", "latest", "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert _stamps(mcctl)["weu-1"]["instances"] == 7


def test_a_killed_run_in_flight_is_counted_by_the_next_plans_rules(mcctl) -> None:
    """A drain killed mid-request is still landing: the next drains' rules count it."""
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes").exit_code == 0
    assert mcctl("sim", "fault", "add", "crash", "--method", "PATCH", "--path", "origin-neu-1").exit_code == 0
    assert _subprocess("frontdoor", "drain", "northeurope", "--yes").returncode == -9
    refused = mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes")
    assert refused.exit_code == 5, refused.stderr
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0
    assert "eastus2" in _serving_regions(mcctl)


# -- 7. a lease broken mid-run after something was applied is a partial operation --------------------
def test_lock_broken_mid_run_after_a_step_landed_is_partially_applied(mcctl, monkeypatch) -> None:
    """The lease is broken while the first group of a gradual drain runs: the next renewal (during the
    wait between groups) finds it lost. One origin is already disabled: exit 7, status partial."""
    from mcctl.adapters import frontdoor

    real = frontdoor.update_origin
    broken: list[int] = []
    once = threading.Lock()  # the first group's two origins are updated in parallel

    def update_then_lose_the_lock(*args, **kwargs):
        found = real(*args, **kwargs)
        with once:
            if not broken:
                broken.append(mcctl("--sim", "lock", "break", "--reason", "taking over", "--yes").exit_code)
        return found

    monkeypatch.setattr(frontdoor, "update_origin", update_then_lose_the_lock)
    result = mcctl("--sim", "frontdoor", "drain", "westeurope", "--steps", "50,100", "--interval", "2m", "--yes")
    assert broken == [0]
    assert result.exit_code == 7, result.stderr
    assert "partially applied" in result.stderr and "rollback" in result.stderr
    op = _ops(mcctl)[-1]
    assert op["status"] == "partial"


# -- 12. a Redis relink whose link failed after the flush resumes --------------------------------------
def test_resume_of_a_relink_whose_link_failed_after_the_flush_is_not_refused(mcctl) -> None:
    unlinked = mcctl("--sim", "redis", "unlink", "eastus2", "--allow-data-loss", "--yes")
    assert unlinked.exit_code == 0, unlinked.stderr
    assert mcctl("sim", "fault", "add", "lro_failure", "--operation", "redis.database.forceLink").exit_code == 0
    failed = mcctl("--sim", "redis", "relink", "eastus2", "--allow-data-loss", "--yes")
    assert failed.exit_code == 7, failed.stderr
    assert "resume" in failed.stderr

    resumed = mcctl("--sim", "resume", "latest", "--allow-data-loss", "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    status = json.loads(mcctl("--sim", "-o", "json", "redis", "status").stdout)
    rows = status if isinstance(status, list) else status.get("regions", [])
    assert rows, status
    eus2 = [r for r in rows if r.get("region") == "eastus2"]
    assert eus2 and all("link" not in str(v).lower() or "linked" in str(v).lower() for v in eus2[0].values())


@pytest.mark.parametrize("verb", ["resume", "rollback"])
def test_resume_and_rollback_dry_run_write_nothing_to_the_journal(mcctl, verb: str) -> None:
    assert mcctl("sim", "fault", "add", "crash", "--method", "PUT", "--path", "serverfarms/asp-mc-weu-2").exit_code == 0
    assert _subprocess("scale", "weu-2", "--instances", "6", "--yes").returncode == -9
    before = _ops(mcctl)
    result = mcctl("--sim", "-o", "json", verb, "latest", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert _ops(mcctl) == before


def test_an_origin_update_in_flight_from_another_machine_is_not_counted_as_serving(mcctl) -> None:
    """Another machine's (or tool's) --no-wait drain is in no journal of ours: the origins it is
    updating (provisioningState Updating) do not count as serving until they settle."""
    from mcctl.config.paths import state_dir

    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--no-wait", "--yes").exit_code == 0
    assert mcctl("--sim", "frontdoor", "drain", "northeurope", "--no-wait", "--yes").exit_code == 0
    for journal in (state_dir() / "journal").glob("*.jsonl"):
        journal.unlink()  # as seen from another machine
    refused = mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes")
    assert refused.exit_code == 5, refused.stderr
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0
    assert _serving_regions(mcctl) == {"eastus2"}


# -- 6. a signal while a parallel group waits ------------------------------------------------------------
def test_sigterm_while_a_parallel_group_runs_leaves_no_step_without_an_outcome_then_resume_finishes(mcctl) -> None:
    armed = mcctl("sim", "fault", "add", "signal", "--signal", "TERM", "--method", "PUT", "--path", "asp-mc-neu-1")
    assert armed.exit_code == 0, armed.stderr
    terminated = _subprocess("scale", "--region", "northeurope", "--instances", "5", "--yes")
    assert terminated.returncode == 143, terminated.stderr
    assert "Traceback" not in terminated.stderr
    shown = json.loads(mcctl("--sim", "-o", "json", "journal", "show", "latest").stdout)
    assert shown["status"] == "interrupted"
    histories = [s["history"] for s in shown["step_history"]]
    # Each step was interrupted mid-wait, never began, or (the simulator's waits take no wall time)
    # finished before the main thread took the signal: never left running without an outcome.
    assert all(h in (["interrupted"], ["succeeded"], []) for h in histories), histories
    by_stamp = {s["target"].split()[1]: s["history"] for s in shown["step_history"]}
    assert by_stamp["neu-1"] != [], shown  # its PUT raised the signal: it began, and its outcome is journaled
    assert not [s for s in shown["step_history"] if s["uncertain"] and s["history"] == []], shown
    assert json.loads(mcctl("--sim", "-o", "json", "lock", "status").stdout)["state"] == "available"

    resumed = mcctl("--sim", "resume", "latest", "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert {n: r["instances"] for n, r in _stamps(mcctl).items() if n.startswith("neu")} == {"neu-1": 5, "neu-2": 5}


def test_rollback_refuses_a_different_subscription_than_the_operation_ran_in(mcctl) -> None:
    """An operator who rolls back with another --subscription would act on other resources."""
    assert mcctl("--sim", "scale", "weu-1", "--instances", "4", "--yes").exit_code == 0
    other = "0b8e5a4c-1d2f-4e3a-9b6c-7d8e9f0a1b2c"
    refused = mcctl("--sim", "--subscription", other, "rollback", "latest", "--yes")
    assert refused.exit_code == 2, refused.stderr
    assert "ran in subscription" in refused.stderr
    assert mcctl("--sim", "rollback", "latest", "--yes").exit_code == 0


# -- 4. what a resume found already done is still reversed by a rollback --------------------------------
def test_a_timed_out_failover_that_resume_found_done_is_still_rolled_back(mcctl) -> None:
    timed_out = mcctl("--sim", "sql", "failover", "--to", "northeurope", "--timeout", "20s", "--yes")
    assert timed_out.exit_code == 6, timed_out.stderr
    op = _ops(mcctl)[-1]["id"]
    assert mcctl("--sim", "sim", "advance", "120").exit_code == 0
    resumed = mcctl("--sim", "-o", "json", "resume", op, "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert json.loads(resumed.stdout)["plan"]["steps"][0]["status"] == "skipped"
    assert _primary(mcctl) == "northeurope"

    rolled = mcctl("--sim", "-o", "json", "rollback", op, "--yes")
    assert rolled.exit_code == 0, rolled.stderr
    assert json.loads(rolled.stdout)["status"] == "applied"
    assert _primary(mcctl) == "westeurope"


def test_a_killed_scale_that_landed_before_the_resume_is_still_rolled_back(mcctl) -> None:
    armed = mcctl("sim", "fault", "add", "crash", "--method", "PUT", "--path", "serverfarms/asp-mc-eus2-1")
    assert armed.exit_code == 0, armed.stderr
    assert _subprocess("scale", "eus2-1", "--instances", "5", "--yes").returncode == -9
    op = _ops(mcctl)[-1]["id"]
    assert mcctl("--sim", "sim", "advance", "600").exit_code == 0  # it landed meanwhile
    assert mcctl("--sim", "resume", op, "--yes").exit_code == 0
    shown = json.loads(mcctl("--sim", "-o", "json", "journal", "show", op).stdout)
    assert shown["step_history"][0]["history"] == ["skipped"] and shown["step_history"][0]["applied"] is True

    assert mcctl("--sim", "rollback", op, "--yes").exit_code == 0
    assert _stamps(mcctl)["eus2-1"]["instances"] == 3


def test_a_restore_in_flight_is_not_counted_as_serving_until_it_lands(mcctl) -> None:
    """A --no-wait restore may fail: the next drain must not count on it (else: 0 serving)."""
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes").exit_code == 0
    assert mcctl("--sim", "frontdoor", "drain", "northeurope", "--yes").exit_code == 0
    failing = ("sim", "fault", "add", "lro_failure", "--path", "origin-weu", "--count", "2", "--status", "500")
    assert mcctl(*failing).exit_code == 0
    assert mcctl("--sim", "frontdoor", "restore", "westeurope", "--yes", "--no-wait").exit_code == 0
    refused = mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes")
    assert refused.exit_code == 5, refused.stderr
    assert "min_serving_regions" in refused.stderr
    assert mcctl("--sim", "sim", "advance", "300").exit_code == 0
    assert _serving_regions(mcctl) == {"eastus2"}


def _rewrite_first_header(mutate) -> str:
    from mcctl.config.paths import state_dir

    path = state_dir() / "journal" / "sim-demo.jsonl"
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    mutate(header)
    lines[0] = json.dumps(header)
    path.write_text("\n".join(lines) + "\n")
    return header["op"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda h: h["plan"]["steps"][0].update(resource_id=None),
        lambda h: h["plan"]["steps"][0].update(before=[1]),
        lambda h: h["plan"]["steps"][0].update(after="x"),
        lambda h: h.update(subscription=-1),
    ],
    ids=["resource-id-null", "before-list", "after-text", "subscription-number"],
)
def test_a_damaged_unfinished_header_is_skipped_with_a_warning_never_a_crash(mcctl, damage) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--no-wait", "--yes").exit_code == 0
    _rewrite_first_header(damage)
    for args in (("frontdoor", "drain", "northeurope", "--dry-run"), ("scale", "neu-1", "--instances", "4", "--yes")):
        result = mcctl("--sim", *args)
        assert result.exit_code == 0, result.stderr
        assert "warning" in result.stderr and "internal error" not in result.stderr


def test_an_unfinished_operation_of_a_removed_step_kind_blocks_nothing_and_refuses_rollback(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--no-wait", "--yes").exit_code == 0
    op = _rewrite_first_header(lambda h: h["plan"]["steps"][0].update(kind="set_origin_v2"))
    drained = mcctl("--sim", "frontdoor", "drain", "northeurope", "--dry-run")
    assert drained.exit_code == 0, drained.stderr
    scaled = mcctl("--sim", "scale", "neu-1", "--instances", "4", "--yes")
    assert scaled.exit_code == 0, scaled.stderr
    rolled = mcctl("--sim", "rollback", op, "--dry-run")
    assert rolled.exit_code == 2, rolled.stderr
    assert "set_origin_v2" in rolled.stderr and "internal error" not in rolled.stderr


def test_the_estates_own_subscription_given_again_keeps_the_simulated_state(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes").exit_code == 0
    own = "6A1D2B3C-5E4F-4A1B-9C8D-0D3E5F7A9B1C"  # the demo estate's, in another case
    shown = mcctl("--sim", "--subscription", own, "-o", "json", "stamps", "list")
    assert shown.exit_code == 0, shown.stderr
    assert "re-seeded" not in shown.stderr
    assert "westeurope" not in _serving_regions(mcctl)


def test_a_timeout_after_another_step_landed_is_partially_applied(mcctl, monkeypatch) -> None:
    from mcctl.adapters import web
    from mcctl.errors import WaitTimeout

    real = web.set_plan_capacity

    def slow_on_neu_2(session, stamp, capacity, options):
        if stamp.name != "neu-2":
            return real(session, stamp, capacity, options)
        real(session, stamp, capacity, type(options)(wait=False))
        raise WaitTimeout("timed out after 1s waiting for the scale (simulated)")

    monkeypatch.setattr(web, "set_plan_capacity", slow_on_neu_2)
    result = mcctl("--sim", "scale", "--region", "northeurope", "--instances", "5", "--yes")
    assert result.exit_code == 7, result.stderr
    assert "may still be running" in result.stderr
    assert _ops(mcctl)[-1]["status"] == "partial"
