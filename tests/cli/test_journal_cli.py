"""`mcctl journal list|show` on journals a killed or damaged process left: every operation found,
damaged lines reported on stderr (never a traceback), and each step's full outcome history shown."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ops.test_journal import _end, _header, _intent, _outcome


def _path(tmp_path: Path) -> Path:
    path = tmp_path / "state" / "journal" / "sim-demo.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _write(tmp_path: Path, *records: dict, tail: bytes = b"") -> Path:
    path = _path(tmp_path)
    path.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in records) + tail)
    return path


def test_an_operation_after_a_torn_tail_is_listed_and_is_latest(mcctl, tmp_path) -> None:
    first = mcctl("--sim", "-o", "json", "scale", "weu-1", "--instances", "4", "--yes")
    assert first.exit_code == 0, first.stderr
    with open(_path(tmp_path), "ab") as fh:
        fh.write(b'{"ts":"2026-12-01T00:00:00Z","type":"intent","op":"')  # a process killed mid-write
    second = mcctl("--sim", "-o", "json", "scale", "weu-1", "--instances", "3", "--yes")
    assert second.exit_code == 0, second.stderr

    listed = mcctl("--sim", "-o", "json", "journal", "list")
    assert listed.exit_code == 0, listed.stderr
    ids = [op["id"] for op in json.loads(listed.stdout)]
    assert ids == [json.loads(first.stdout)["operation"], json.loads(second.stdout)["operation"]]
    latest = json.loads(mcctl("--sim", "-o", "json", "journal", "show", "latest").stdout)
    assert latest["id"] == ids[1] and latest["status"] == "succeeded"


def test_damaged_lines_are_warned_about_and_skipped(mcctl, tmp_path) -> None:
    path = _write(tmp_path, _header("op-a"), _intent("op-a", 0), _outcome("op-a", 0, "succeeded"))
    with open(path, "ab") as fh:
        fh.write(b'garbage\n[]\n{"type":"outcome","op":"op-a","status":"failed"}\n{"type":"nope"}\n\xff\xfe\n')
        fh.write(json.dumps(_end("op-a", "succeeded")).encode() + b"\n")

    for command in (["journal", "list"], ["journal", "show", "op-a"]):
        result = mcctl("--sim", "-o", "json", *command)
        assert result.exit_code == 0, result.stderr
        assert "Traceback" not in result.stderr
        warnings = [line for line in result.stderr.splitlines() if line.startswith("mcctl: warning: journal ")]
        assert [w.split(": line ")[1].split(":")[0] for w in warnings] == ["4", "5", "6", "7", "8"]
    shown = json.loads(result.stdout)
    assert shown["status"] == "succeeded" and shown["steps"] == "1/2"


def test_show_gives_each_steps_outcome_history_and_whether_it_was_applied(mcctl, tmp_path) -> None:
    _write(
        tmp_path,
        _header("op-r"),
        _intent("op-r", 0),
        _outcome("op-r", 0, "unverified", error="verification failed"),
        _end("op-r", "partial"),
        {"type": "event", "op": "op-r", "event": "resumed"},
        _intent("op-r", 0),
        _outcome("op-r", 0, "skipped"),
        _intent("op-r", 1),
        tail=b'{"type":"outc',
    )

    shown = mcctl("--sim", "-o", "json", "journal", "show", "op-r")
    assert shown.exit_code == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["status"] == "interrupted" and data["in_flight"] == [1] and len(data["records"]) == 8
    assert data["step_history"] == [
        {
            "step": 0,
            "target": "stamp s-0",
            "history": ["unverified", "skipped"],
            "applied": True,
            "uncertain": False,
            "finished": True,
        },
        {"step": 1, "target": "stamp s-1", "history": [], "applied": False, "uncertain": True, "finished": False},
    ]
    table = mcctl("--sim", "journal", "show", "op-r")
    assert table.exit_code == 0, table.stderr
    row = next(line for line in table.stdout.splitlines() if "unverified → skipped" in line)
    assert row.split()[-1] == "yes"
    assert "in flight" in next(line for line in table.stdout.splitlines() if line.startswith("2 ") and "s-1" in line)


def test_list_limit_is_the_newest_n_and_at_least_one(mcctl, tmp_path) -> None:
    _write(tmp_path, _header("op-1"), _end("op-1", "succeeded"), _header("op-2"), _end("op-2", "failed"))

    newest = mcctl("--sim", "-o", "json", "journal", "list", "--limit", "1")
    assert newest.exit_code == 0, newest.stderr
    assert [(op["id"], op["status"]) for op in json.loads(newest.stdout)] == [("op-2", "failed")]
    for bad in ("0", "-3"):
        refused = mcctl("--sim", "journal", "list", "--limit", bad)
        assert refused.exit_code == 2 and "--limit" in refused.stderr and "Traceback" not in refused.stderr
