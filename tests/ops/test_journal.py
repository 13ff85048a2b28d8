"""The journal reads what a killed, damaged or concurrent writer left, and keeps every outcome of a step:
readers take the strongest evidence (an applied change is never hidden by a later `skipped`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mcctl.errors import ExitCode, McctlError, UsageError
from mcctl.ops.journal import Journal, OperationStatus, StepStatus

# Lines as the journal of mcctl before typed records wrote them (a scale that succeeded, then a
# refused one): they must keep reading the same.
OLD_FORMAT = """\
{"ts":"2026-12-01T15:51:35.438583Z","type":"operation","op":"20261201-155135-4069","kind":"scale","parent":null,"estate":"demo","simulated":true,"actor":{"upn":"operator@sim.mcctl","oid":"11111111-2222-4333-8444-555555555555"},"host":"vm","command":"mcctl --sim scale weu-1 --instances 4 --yes","plan":{"kind":"scale","summary":"scale stamp weu-1: weu-1 3\\u21924","steps":[{"kind":"scale_plan","target":"stamp weu-1 plan asp-mc-weu-1","resource_id":"/subscriptions/6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c/resourceGroups/rg-mc-weu-1/providers/Microsoft.Web/serverfarms/asp-mc-weu-1","before":{"capacity":3},"after":{"capacity":4},"params":{"stamp":"weu-1"},"expected_seconds":50,"group":0,"change":"capacity: 3 \\u2192 4"}],"data_loss":false,"confirm_name":null,"notes":[],"expected_seconds":50,"gate":null,"interval":0.0},"rules":[],"overrides":[]}
{"ts":"2026-12-01T15:51:35.447599Z","type":"intent","op":"20261201-155135-4069","step":0,"target":"stamp weu-1 plan asp-mc-weu-1","change":"capacity: 3 \\u2192 4"}
{"ts":"2026-12-01T15:51:35.545410Z","type":"outcome","op":"20261201-155135-4069","step":0,"status":"succeeded","seconds":50.07701349258423,"observed":{"capacity":4}}
{"ts":"2026-12-01T15:51:35.567917Z","type":"end","op":"20261201-155135-4069","status":"succeeded","seconds":50.194368839263916}
{"ts":"2026-12-01T15:52:01.000000Z","type":"operation","op":"20261201-155201-aaaa","kind":"scale","parent":null,"estate":"demo","simulated":true,"actor":{"upn":"operator@sim.mcctl"},"host":"vm","command":"mcctl --sim scale weu-1 --instances 1 --yes","plan":{"kind":"scale","summary":"scale stamp weu-1: weu-1 4\\u21921","steps":[{"kind":"scale_plan","target":"stamp weu-1 plan asp-mc-weu-1","resource_id":"/x","before":{"capacity":4},"after":{"capacity":1},"params":{"stamp":"weu-1"},"expected_seconds":50,"group":0,"change":"capacity: 4 \\u2192 1"}],"data_loss":false,"confirm_name":null,"notes":[],"expected_seconds":50,"gate":null,"interval":0.0},"rules":[{"rule":"min_serving_capacity","passed":false,"overridden":false,"message":"too few","reason":null}],"overrides":[],"status":"refused"}
{"ts":"2026-12-01T15:52:01.000001Z","type":"end","op":"20261201-155201-aaaa","status":"refused","seconds":0}
{"ts":"2026-12-01T15:53:00.000000Z","type":"event","op":null,"event":"lock-break","reason":"stuck"}
"""  # noqa: E501


def _plan(steps: int = 2) -> dict[str, Any]:
    return {
        "kind": "scale",
        "summary": "scale two stamps",
        "steps": [
            {
                "kind": "scale_plan",
                "target": f"stamp s-{i}",
                "resource_id": f"/plans/s-{i}",
                "before": {"capacity": 3},
                "after": {"capacity": 5},
                "params": {"stamp": f"s-{i}"},
            }
            for i in range(steps)
        ],
    }


def _header(op: str, **extra: Any) -> dict[str, Any]:
    return {"type": "operation", "op": op, "kind": "scale", "estate": "demo", "plan": _plan(), **extra}


def _intent(op: str, step: int) -> dict[str, Any]:
    return {"type": "intent", "op": op, "step": step, "target": f"stamp s-{step}", "change": "capacity: 3 → 5"}


def _outcome(op: str, step: int, status: str, **extra: Any) -> dict[str, Any]:
    return {"type": "outcome", "op": op, "step": step, "status": status, "seconds": 1.0, **extra}


def _end(op: str, status: str) -> dict[str, Any]:
    return {"type": "end", "op": op, "status": status, "seconds": 2.0}


def _journal(tmp_path: Path, *records: dict[str, Any]) -> Journal:
    journal = Journal(tmp_path / "journal" / "j.jsonl")
    for record in records:
        journal.append(record)
    return journal


# -- torn tail and damaged lines -------------------------------------------------------------------
def test_a_torn_tail_is_closed_before_the_next_record(tmp_path) -> None:
    journal = _journal(tmp_path, _header("op-a"), _intent("op-a", 0))
    with open(journal.path, "ab") as fh:
        fh.write(b'{"ts":"2026-12-01T00:00:00Z","type":"outco')  # killed mid-write
    journal.append(_header("op-b"))
    journal.append(_end("op-b", "succeeded"))

    assert [op.id for op in journal.operations()] == ["op-a", "op-b"]
    assert journal.operation("latest").id == "op-b" and journal.operation("latest").status == "succeeded"
    assert journal.operation("op-a").status == "interrupted"
    assert len(journal.warnings) == 1 and "line 3: not a JSON record" in journal.warnings[0]


def test_damaged_and_unknown_lines_are_skipped_with_one_warning_each(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    good = [_header("op-a"), _intent("op-a", 0), _outcome("op-a", 0, "succeeded"), _end("op-a", "succeeded")]
    lines = [json.dumps(r).encode() for r in good[:2]] + [
        b"garbage{",  # 3
        b"[]",  # 4
        json.dumps({"type": "outcome", "op": "op-a", "status": "failed"}).encode(),  # 5: no step
        json.dumps(_outcome("op-a", "0", "failed")).encode(),  # 6: a step that is not a number
        json.dumps({"type": "checkpoint", "op": "op-a"}).encode(),  # 7
        b"\xff\xfe\x00 not utf-8",  # 8
        json.dumps({"type": "operation", "op": "op-b", "kind": "scale"}).encode(),  # 9: no plan
        json.dumps({**_header("op-c"), "plan": {"kind": "scale"}}).encode(),  # 10: a plan that does not parse
        json.dumps(_outcome("op-a", 7, "succeeded")).encode(),  # 11: op-a has 2 steps
        json.dumps(_outcome("op-a", 1, "exploded")).encode(),  # 12
        json.dumps(_end("op-a", "done-ish")).encode(),  # 13
        json.dumps(_intent("op-z", 0)).encode(),  # 14: no header for op-z
        b"",
    ]
    lines += [json.dumps(r).encode() for r in good[2:]]
    path.write_bytes(b"\n".join(lines) + b"\n" + b'{"type":"end","op":"op-a","sta')  # and a torn tail
    seen: list[str] = []
    journal = Journal(path, on_warning=seen.append)

    ops = journal.operations()
    journal.operations()  # read twice: each problem is still reported once

    assert [op.id for op in ops] == ["op-a"]
    assert ops[0].status == "succeeded" and ops[0].history(0) == [good[2]] and ops[0].history(1) == []
    assert seen == journal.warnings
    numbers = [int(w.split(": line ")[1].split(":")[0]) for w in journal.warnings]
    assert numbers == list(range(3, 15))  # the torn last line is expected after a kill: no warning
    assert all(str(path) in w and w.endswith("; skipped") for w in journal.warnings)


def test_old_format_journals_still_read(tmp_path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(OLD_FORMAT, encoding="utf-8")
    journal = Journal(path)

    scaled, refused = journal.operations()
    assert journal.warnings == []
    assert scaled.status == OperationStatus.SUCCEEDED and scaled.status == "succeeded"
    assert scaled.summary()["steps"] == "1/1" and scaled.summary()["actor"] == "operator@sim.mcctl"
    assert scaled.plan.steps[0].after == {"capacity": 4} and (scaled.kind, scaled.estate) == ("scale", "demo")
    assert scaled.applied_steps() == [0] and scaled.uncertain_steps() == [] and not scaled.unfinished
    assert refused.refused and refused.status == "refused" and not refused.unfinished
    assert journal.operation("latest").id == refused.id and journal.unfinished_operations() == []


# -- every outcome kept, strongest evidence wins ---------------------------------------------------
def test_a_step_resume_found_in_place_is_still_applied(tmp_path) -> None:
    journal = _journal(
        tmp_path,
        _header("op"),
        _intent("op", 0),
        _outcome("op", 0, "unverified", error="verification failed"),
        _end("op", "partial"),
        {"type": "event", "op": "op", "event": "resumed"},
        _intent("op", 0),
        _outcome("op", 0, "skipped"),
        _intent("op", 1),
        _outcome("op", 1, "skipped"),
        _end("op", "succeeded"),
    )
    record = journal.operation("op")

    assert [o["status"] for o in record.history(0)] == ["unverified", "skipped"]
    assert record.outcomes[0]["status"] == "skipped"  # the last outcome, as before
    assert record.applied(0) and not record.applied(1) and record.applied_steps() == [0]
    assert record.finished(0) and record.finished(1) and record.status == "succeeded"
    assert record.uncertain_steps() == [] and [e["event"] for e in record.events] == ["resumed"]


@pytest.mark.parametrize(
    ("outcomes", "applied"),
    [
        (["submitted", ("failed", True)], False),  # settled: it did not land
        (["submitted", ("succeeded", True)], True),
        (["submitted", "failed"], True),  # a failed retry does not prove the first attempt did not land
        (["unverified", ("failed", True), "succeeded"], True),
        (["timeout"], False),
        (["failed", "skipped"], False),
    ],
)
def test_applied_reads_the_whole_history(tmp_path, outcomes, applied) -> None:
    records: list[dict[str, Any]] = [_header("op")]
    for outcome in outcomes:
        status, settled = outcome if isinstance(outcome, tuple) else (outcome, None)
        records += [_intent("op", 0), _outcome("op", 0, status, **({"settled": settled} if settled else {}))]
    record = _journal(tmp_path, *records).operation("op")

    assert record.applied(0) is applied
    assert record.applied_steps() == ([0] if applied else [])


@pytest.mark.parametrize(
    ("status", "uncertain"),
    [
        (None, True),  # an intent without an outcome: the process died in the step
        ("submitted", True),
        ("timeout", True),
        ("unverified", True),
        ("interrupted", True),
        ("succeeded", False),
        ("skipped", False),
        ("failed", False),
    ],
)
def test_uncertain_steps(tmp_path, status, uncertain) -> None:
    records = [_header("op"), _intent("op", 0)] + ([_outcome("op", 0, status)] if status else [])
    journal = _journal(tmp_path, *records)
    record = journal.operation("op")

    assert record.uncertain(0) is uncertain and record.uncertain_steps() == ([0] if uncertain else [])
    assert record.unfinished is uncertain and [op.id for op in journal.unfinished_operations()] == (
        ["op"] if uncertain else []
    )
    assert not record.uncertain(1)  # never started


def test_an_intent_written_again_by_a_resume_is_in_flight_again(tmp_path) -> None:
    journal = _journal(
        tmp_path,
        _header("op"),
        _intent("op", 0),
        _outcome("op", 0, "timeout"),
        _end("op", "timeout"),
        {"type": "event", "op": "op", "event": "resumed"},
        _intent("op", 0),  # the resume was killed here
    )
    record = journal.operation("op")

    assert record.in_flight() == [0] and record.uncertain(0) and not record.finished(0)
    assert record.status == OperationStatus.INTERRUPTED
    assert record.end is not None and record.end["status"] == "timeout"


def test_the_last_end_record_gives_the_status(tmp_path) -> None:
    journal = _journal(
        tmp_path,
        _header("op"),
        _intent("op", 0),
        _outcome("op", 0, "submitted"),
        _end("op", "submitted"),
        _outcome("op", 0, "succeeded", settled=True),  # settled later, by another process
    )
    record = journal.operation("op")

    assert record.status == OperationStatus.SUBMITTED and not record.uncertain(0) and record.applied(0)
    assert isinstance(record.status, OperationStatus)
    assert record.outcomes[0]["status"] == StepStatus.SUCCEEDED


def test_refused_operations_are_never_unfinished(tmp_path) -> None:
    journal = _journal(tmp_path, _header("op", status="refused"), _intent("op", 0), _end("op", "refused"))
    record = journal.operation("op")
    assert record.refused and not record.unfinished and journal.unfinished_operations() == []


# -- an unwritable journal -------------------------------------------------------------------------
def test_an_unwritable_journal_is_a_usage_error(tmp_path) -> None:
    (tmp_path / "afile").write_text("a regular file, not a directory")
    journal = Journal(tmp_path / "afile" / "j.jsonl")

    with pytest.raises(UsageError, match=r"^journal: cannot write .*afile/j\.jsonl: ") as checked:
        journal.check_writable()
    assert checked.value.exit_code == ExitCode.USAGE and checked.value.hint
    with pytest.raises(McctlError, match="journal: cannot write") as appended:
        journal.append(_header("op"))
    assert appended.value.exit_code == ExitCode.USAGE


def test_check_writable_creates_the_directory_and_writes_nothing(tmp_path) -> None:
    journal = Journal(tmp_path / "new" / "journal" / "j.jsonl")
    journal.check_writable()
    assert journal.path.exists() and journal.path.read_bytes() == b"" and journal.operations() == []


# -- crash injection -------------------------------------------------------------------------------
_APPEND_THREE = """
import sys
from pathlib import Path
from mcctl.ops.journal import Journal
journal = Journal(Path(sys.argv[1]), simulated=sys.argv[2] == "sim")
for n in range(3):
    journal.append({"type": "event", "op": None, "event": f"e{n}"})
"""


def _append_three(tmp_path: Path, kill_after: str, kind: str) -> tuple[int, list[str]]:
    path = tmp_path / f"{kind}-{kill_after}.jsonl"
    env = {**os.environ, "MCCTL_SIM_KILL_AFTER_RECORDS": kill_after}
    done = subprocess.run([sys.executable, "-c", _APPEND_THREE, str(path), kind], env=env, timeout=60, check=False)
    return done.returncode, [json.loads(line)["event"] for line in path.read_text().splitlines()]


def test_a_simulated_journal_kills_its_process_after_the_nth_record(tmp_path) -> None:
    assert _append_three(tmp_path, "2", "sim") == (-9, ["e0", "e1"])


@pytest.mark.parametrize(("kill_after", "kind"), [("1", "real"), ("0", "sim"), ("two", "sim")])
def test_crash_injection_is_ignored_for_real_estates_and_invalid_values(tmp_path, kill_after, kind) -> None:
    assert _append_three(tmp_path, kill_after, kind) == (0, ["e0", "e1", "e2"])


def test_for_estate_keeps_sim_and_real_apart(tmp_path) -> None:
    sim, real = Journal.for_estate("demo", True), Journal.for_estate("demo", False)
    assert sim.simulated and not real.simulated
    assert sim.path.name == "sim-demo.jsonl" and real.path.name == "demo.jsonl"
