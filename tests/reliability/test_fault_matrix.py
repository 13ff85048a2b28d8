"""Every mutating command × every simulator fault kind: the exit code the README documents, a one-line
message (never a traceback), the journal status, and that `resume` and `rollback` of the operation
then reach a consistent state (each from the same moment: the state dir is forked after the fault).

Faults: throttle (429 + Retry-After: absorbed by the SDK's retries), error (5xx on every retry),
lro_failure (the Azure operation ends Failed), crash (the process is SIGKILLed right after its request
was accepted: run as a real subprocess) and a regional outage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.reliability import harness as h

FAULTS = ("throttle", "error", "lro_failure", "crash", "outage")

# What the journal says of the operation after each exit code of the faulted command.
STATUS_AFTER_EXIT = {0: "succeeded", 4: "failed", 5: "refused", 7: "partial", h.SIGKILLED: "interrupted"}

LINKED3 = ("linked", "linked", "linked")
EUS2_UNLINKED = ("linked", "linked", "broken")


def _weu1(cli: h.Cli) -> tuple[int, ...]:
    return h.capacities(cli, "weu-1")


def _neu(cli: h.Cli) -> tuple[int, ...]:
    return h.capacities(cli, "neu-1", "neu-2")


def _eus2(cli: h.Cli) -> tuple[bool, ...]:
    return h.origins_enabled(cli, "eus2-1", "eus2-2")


def _weu3_origin(cli: h.Cli) -> tuple[bool | None, int | None]:
    row = h.stamps(cli)["weu-3"]
    return row["origin_enabled"], row["origin_weight"]


def _shifted(cli: h.Cli) -> tuple[bool, ...]:
    return h.origins_enabled(cli, "weu-1", "weu-3")


def _weu1_release(cli: h.Cli) -> tuple[bool, int, str]:
    row = h.stamps(cli)["weu-1"]
    return row["origin_weight"] is not None, row["instances"], row["lifecycle"]


DEPLOY_WEU3 = (("sim", "stamp", "deploy", "weu-3", "--region", "westeurope"), 0)


@dataclass(frozen=True)
class Case:
    """One mutating command, where its requests go (to aim the faults) and the states it moves between."""

    name: str
    command: tuple[str, ...]
    method: str  # the request a throttle / error / crash fault hits
    path: str
    lro: str  # the simulator's operation kind an lro_failure fault hits
    outage: str  # the region taken down for the outage column
    observe: Callable[[h.Cli], Any]
    start: Any  # just before the faulted command
    target: Any  # once the operation is done (resume)
    undone: Any | None  # once the operation is rolled back; None: rollback refuses it (irreversible)
    exits: dict[str, int]
    setup: tuple[tuple[tuple[str, ...], int], ...] = ()
    resume_flags: tuple[str, ...] = ()


CASES = (
    Case(
        "scale",
        ("scale", "weu-1", "--instances", "5", "--yes"),
        "PUT", "serverfarms/asp-mc-weu-1", "web.plan.scale", "westeurope",
        _weu1, (3,), (5,), (3,),
        {"throttle": 0, "error": 4, "lro_failure": 4, "crash": h.SIGKILLED, "outage": 0},
    ),
    Case(
        "frontdoor-drain",
        ("frontdoor", "drain", "eastus2", "--yes"),
        "PATCH", "origin-eus2-2", "cdn.origin.update", "eastus2",
        _eus2, (True, True), (False, False), (True, True),
        {"throttle": 0, "error": 7, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 0},
    ),
    Case(
        "frontdoor-restore",
        ("frontdoor", "restore", "eastus2", "--yes"),
        "PATCH", "origin-eus2-2", "cdn.origin.update", "eastus2",
        _eus2, (False, False), (True, True), (False, False),
        {"throttle": 0, "error": 7, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 0},
        setup=((("frontdoor", "drain", "eastus2", "--yes"), 0),),
    ),
    Case(
        "sql-failover",
        ("sql", "failover", "--to", "northeurope", "--yes"),
        "POST", "fg-mc-demo/failover", "sql.failover.*", "westeurope",
        h.sql_primary, "westeurope", "northeurope", "westeurope",
        # planned failover out of a region that is down: refused by sql_links_ready (the primary does not answer)
        {"throttle": 0, "error": 4, "lro_failure": 4, "crash": h.SIGKILLED, "outage": 5},
    ),
    Case(
        "redis-unlink",
        ("redis", "unlink", "eastus2", "--allow-data-loss", "--yes"),
        "POST", "forceUnlink", "redis.database.forceUnlink", "eastus2",
        h.redis_verdicts, LINKED3, EUS2_UNLINKED, None,
        # a failed forceUnlink leaves the survivors' links Unlinking: the change may have been made (7)
        {"throttle": 0, "error": 4, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 0},
        resume_flags=("--allow-data-loss",),
    ),
    Case(
        "redis-relink",
        ("redis", "relink", "eastus2", "--allow-data-loss", "--yes"),
        "POST", "forceLinkToReplicationGroup", "redis.database.forceLink", "eastus2",
        h.redis_verdicts, EUS2_UNLINKED, LINKED3, None,
        # the flush (data discarded) ran before the link failed: applied, so 7; in an outage the link cannot verify
        {"throttle": 0, "error": 7, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 7},
        setup=((("redis", "unlink", "eastus2", "--allow-data-loss", "--yes"), 0),),
        resume_flags=("--allow-data-loss",),
    ),
    Case(
        "stamps-add",
        ("stamps", "add", "weu-3", "--yes"),
        "PUT", "origins/origin-weu-3", "cdn.origin.create", "westeurope",
        _weu3_origin, (False, None), (False, 1), (False, None),
        # a failed create leaves the origin Failed: it may be there (7), resume creates it again; in
        # its region's outage the candidate does not validate: refused before anything is journaled
        {"throttle": 0, "error": 4, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 5},
        setup=(DEPLOY_WEU3,),
    ),
    Case(
        "shift",
        ("shift", "--from", "weu-1", "--to", "weu-3", "--yes"),
        "PATCH", "origin-weu-1", "cdn.origin.update", "westeurope",
        _shifted, (True, False), (False, True), (True, False),
        {"throttle": 0, "error": 7, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 0},
        setup=(DEPLOY_WEU3, (("stamps", "add", "weu-3", "--yes"), 0)),
    ),
    Case(
        "stamps-retire",
        ("stamps", "retire", "weu-1", "--yes"),
        "DELETE", "origins/origin-weu-1", "cdn.origin.delete", "westeurope",
        _weu1_release, (True, 3, "active"), (False, 1, "retired"), (True, 3, "active"),
        # the stamp is marked retired first: a delete that fails then leaves it partly retired (7)
        {"throttle": 0, "error": 7, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 0},
        setup=((("frontdoor", "drain", "--stamp", "weu-1", "--yes"), 0),),
    ),
    Case(
        "resume",
        ("resume", "latest", "--yes"),
        "PUT", "serverfarms/asp-mc-neu-2", "web.plan.scale", "northeurope",
        _neu, (6, 3), (6, 6), (3, 3),
        # neu-1 was applied by the first run: a failed resume leaves the operation partially applied (7)
        {"throttle": 0, "error": 7, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 0},
        setup=(
            (("sim", "fault", "add", "error", "--method", "PUT", "--path", "serverfarms/asp-mc-neu-2", "--count", "10"), 0),  # noqa: E501
            (("scale", "--region", "northeurope", "--instances", "6", "--yes"), 7),
            (("sim", "fault", "clear"), 0),
        ),
    ),
    Case(
        "rollback",
        ("rollback", "latest", "--yes"),
        "PATCH", "origin-eus2-2", "cdn.origin.update", "eastus2",
        _eus2, (False, False), (True, True), (False, False),
        {"throttle": 0, "error": 7, "lro_failure": 7, "crash": h.SIGKILLED, "outage": 0},
        setup=((("frontdoor", "drain", "eastus2", "--yes"), 0),),
    ),
)  # fmt: skip


def _sim_args(args: tuple[str, ...]) -> tuple[str, ...]:
    return args if args[0] == "sim" else ("--sim", *args)


def _arm(cli: h.Cli, case: Case, fault: str) -> None:
    where = ("--method", case.method, "--path", case.path)
    armed = {
        "throttle": ("sim", "fault", "add", "throttle", *where, "--count", "2", "--retry-after", "1"),
        "error": ("sim", "fault", "add", "error", *where, "--count", "10", "--status", "503"),
        "lro_failure": ("sim", "fault", "add", "lro_failure", "--operation", case.lro, "--count", "1"),
        "crash": ("sim", "fault", "add", "crash", *where),
        "outage": ("sim", "outage", "start", case.outage),
    }[fault]
    result = cli(*armed)
    assert result.exit_code == 0, result.stderr


def _faults(cli: h.Cli) -> list[dict[str, Any]]:
    return list(h.read_json(cli, "sim", "status")["faults"])


def _run_faulted(cli: h.Cli, case: Case, fault: str) -> tuple[int, str]:
    args = ("--sim", *case.command)
    if fault == "crash":
        killed = h.run_process(*args)
        # Disarm at once (a `sim` command sends no request): nothing in this process may trip it.
        assert cli("sim", "fault", "clear").exit_code == 0
        return killed.returncode, killed.stderr
    result = cli(*args)
    return result.exit_code, result.stderr


def _check_the_fault_fired(cli: h.Cli, fault: str) -> None:
    left = _faults(cli)
    if fault in ("throttle", "lro_failure"):
        assert left == [], f"the {fault} fault never fired: {left}"
    elif fault == "error":
        assert left == [] or left[0]["count"] < 10, f"the error fault never fired: {left}"


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault_then_resume_or_rollback_reach_a_consistent_state(mcctl, use_state, tmp_path, case, fault) -> None:
    for args, code in case.setup:
        done = mcctl(*_sim_args(args))
        assert done.exit_code == code, f"setup {args}: {done.stderr}"
    assert case.observe(mcctl) == case.start
    _arm(mcctl, case, fault)

    code, stderr = _run_faulted(mcctl, case, fault)

    expected = case.exits[fault]
    assert code == expected, f"{h.args_text(case.command)} under {fault}: exit {code}, expected {expected}\n{stderr}"
    h.assert_outcome_message(code, stderr)
    if fault != "crash":
        _check_the_fault_fired(mcctl, fault)
    op = h.latest(mcctl)
    assert op["status"] == STATUS_AFTER_EXIT[code], op
    if code == 0:
        assert case.observe(mcctl) == case.target
    elif code in (4, 5):
        assert case.observe(mcctl) == case.start  # nothing was changed
    assert mcctl("sim", "fault", "clear").exit_code == 0
    assert mcctl("sim", "outage", "end", case.outage).exit_code == 0
    fork = h.copy_state(tmp_path / "fork")

    _resume_reaches_the_target(mcctl, case, op["id"], refused=code == 5)
    use_state(fork)
    _rollback_reaches_the_start(mcctl, case, op["id"], refused=code == 5, applied=code != 4)


def _resume_reaches_the_target(cli: h.Cli, case: Case, op: str, *, refused: bool) -> None:
    resumed = cli("--sim", "resume", op, "--yes", *case.resume_flags)
    if refused:  # a refused operation changed nothing: there is nothing to resume
        assert resumed.exit_code == 2, resumed.stderr
        assert "refused" in h.assert_one_line_error(resumed.stderr)
        assert case.observe(cli) == case.start
        return
    assert resumed.exit_code == 0, f"resume {op}: exit {resumed.exit_code}\n{resumed.stderr}"
    h.assert_outcome_message(0, resumed.stderr)
    assert case.observe(cli) == case.target
    assert h.operation(cli, op)["status"] == "succeeded"
    assert h.operations_running(cli) == 0  # nothing of it can still land later


def _rollback_reaches_the_start(cli: h.Cli, case: Case, op: str, *, refused: bool, applied: bool) -> None:
    """`applied`: the operation changed (or may have changed) something. An irreversible change that
    was, or may have been, made is refused with the command that reverses it; "nothing to do" (exit 0)
    is only true when the estate is back at the start and nothing of the operation is still running."""
    before = [o["id"] for o in h.journal(cli)]
    rolled = cli("--sim", "rollback", op, "--yes")
    irreversible = case.undone is None and applied
    if irreversible and rolled.exit_code == 0:
        assert (case.observe(cli), h.operations_running(cli)) == (case.start, 0), (
            f"rollback {op} said it had nothing to undo, but the estate is not back at the start:\n{rolled.stdout}"
        )
        return
    if refused or irreversible:
        assert rolled.exit_code == 2, f"rollback {op}: exit {rolled.exit_code}\n{rolled.stderr}"
        message = h.assert_one_line_error(rolled.stderr)
        assert ("refused" if refused else "cannot be rolled back") in message
        assert [o["id"] for o in h.journal(cli)] == before  # refused before anything was journaled
        return
    assert rolled.exit_code == 0, f"rollback {op}: exit {rolled.exit_code}\n{rolled.stderr}"
    h.assert_outcome_message(0, rolled.stderr)
    assert case.observe(cli) == (case.start if case.undone is None else case.undone)
    assert h.operations_running(cli) == 0  # it waited for whatever of the operation was still running
    new = [o for o in h.journal(cli) if o["id"] not in before]
    assert all(o["parent"] == op and o["status"] == "succeeded" for o in new), new
