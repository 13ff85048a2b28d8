"""Rotation and retention: the journal stops growing without bound, and never drops an operation a
change of which may still land, nor what a restore still needs (a drained origin's prior)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from mcctl.errors import ExitCode, UsageError
from mcctl.ops.journal import Journal, _write_line
from mcctl.ops.journal_reader import forget_indexes
from mcctl.ops.journal_rotation import ROTATE_ENV, archives, rotate
from tests.ops.test_journal_index import ORIGINS, _header, _operation, _priors


def _journal(tmp_path: Path, operations: int) -> Path:
    """`operations` finished drains and restores, plus: a drain that submitted (may still land), one
    killed in its step, one not ended (a live process between its steps), and a refused one."""
    path = tmp_path / "journal" / "sim-demo.jsonl"
    path.parent.mkdir(parents=True)
    records = [r for n in range(operations) for r in _operation(f"op-{n:05d}", n)]
    records[40:40] = _operation("op-submitted", 3, status="submitted")  # early: only its doubt keeps it
    records[80:80] = _operation("op-killed", 4, status="in-flight", ended=False)
    records[120:120] = _operation("op-between", 5, ended=False)
    records += [{**_header("op-refused", "frontdoor-drain", ORIGINS[0], False), "status": "refused"}]
    records += [{"type": "end", "op": "op-refused", "status": "refused"}]
    records += [{"type": "event", "op": None, "event": "lock-break"}]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


UNFINISHED = ["op-submitted", "op-killed"]


@pytest.fixture(autouse=True)
def _each_journal_object_as_a_new_process() -> None:
    forget_indexes()


def test_rotation_keeps_every_unfinished_operation_and_what_restores_need(tmp_path: Path) -> None:
    path = _journal(tmp_path, 3000)
    before = Journal(path).operations()
    size = path.stat().st_size

    rotation = rotate(Journal(path), keep_recent=10)

    assert rotation is not None and rotation.bytes_before == size and rotation.bytes_after < size / 20
    after = Journal(path).operations()
    assert [op.id for op in after if op.unfinished] == [op.id for op in before if op.unfinished] == UNFINISHED
    assert "op-between" in rotation.kept  # not ended: its process may still append to it
    assert _priors(after) == _priors(before)  # a restore puts back the same weights as before
    assert [op.id for op in after[-10:]] == [op.id for op in before[-10:]]
    assert len(after) == len(rotation.kept) < 30 and rotation.dropped == len(before) - len(after)
    for op in after:  # carried whole: every record, in order
        assert op.records == next(b for b in before if b.id == op.id).records
    assert rotation.archive is not None
    assert rotation.archive.read_bytes().count(b"\n") == sum(len(b.records) for b in before) + 1


def test_an_operation_left_only_in_the_archive_is_still_found(tmp_path: Path) -> None:
    path = _journal(tmp_path, 500)
    rotate(Journal(path), keep_recent=5)

    journal = Journal(path)
    record = journal.operation("op-00017")  # `journal show`, `rollback` and `resume` of an old operation

    assert record.id == "op-00017" and record.status == "succeeded"
    assert "op-00017" not in journal.ids()
    with pytest.raises(UsageError, match="no operation 'nope'"):
        journal.operation("nope")


def test_retention_deletes_old_archives_but_never_an_unfinished_operation(tmp_path: Path) -> None:
    path = _journal(tmp_path, 300)
    journal = Journal(path)
    for n in range(4):
        for record in _operation(f"op-round-{n}", n):
            journal.append(record)
        rotate(journal, keep_recent=1, keep_archives=2)

    assert len(archives(path)) == 2
    assert [op.id for op in Journal(path).unfinished_operations()] == UNFINISHED
    assert Journal(path).operation("op-round-0").status == "succeeded"  # in an archive still kept
    with pytest.raises(UsageError, match="no operation 'op-00007'"):
        Journal(path).operation("op-00007")  # its archive is past retention (and it had finished)


def test_a_new_operation_rotates_a_journal_past_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _journal(tmp_path, 200)
    seen: list[str] = []
    journal = Journal(path, on_warning=seen.append)
    monkeypatch.setenv(ROTATE_ENV, "0.01")  # 10 KiB

    journal.append({"type": "event", "op": None, "event": "lock-break"})  # not an operation: no rotation
    assert archives(path) == []
    journal.append(_header("op-next", "frontdoor-drain", ORIGINS[0], False))

    assert len(archives(path)) == 1 and any("rotated to" in w for w in seen)
    assert journal.operation("op-next").id == "op-next"
    assert [op.id for op in journal.unfinished_operations()] == UNFINISHED
    monkeypatch.setenv(ROTATE_ENV, "0")  # never
    journal.append(_header("op-later", "frontdoor-drain", ORIGINS[1], False))
    assert len(archives(path)) == 1


def test_a_threshold_below_what_rotation_keeps_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past 200 kept operations larger than the threshold every new operation would rotate again:
    the warning names the variable instead of leaving the churn to be found in the archives."""
    path = _journal(tmp_path, 400)
    seen: list[str] = []
    journal = Journal(path, on_warning=seen.append)
    monkeypatch.setenv(ROTATE_ENV, "0.01")  # 10 KiB: less than the newest 200 operations
    journal.append(_header("op-next", "frontdoor-drain", ORIGINS[0], False))
    assert len(archives(path)) == 1
    assert any(f"at least half of {ROTATE_ENV}: raise it" in w for w in seen), seen


@pytest.mark.parametrize("value", ["lots", "-1", "nan", "inf"])
def test_a_bad_rotation_size_is_one_line_naming_the_variable(tmp_path: Path, monkeypatch, value: str) -> None:
    monkeypatch.setenv(ROTATE_ENV, value)
    journal = Journal(tmp_path / "j.jsonl")

    with pytest.raises(UsageError) as caught:
        journal.check_writable()  # before anything changes

    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.message.startswith(ROTATE_ENV) and "\n" not in caught.value.message


def test_an_append_waiting_on_the_rotated_file_lands_in_the_new_journal(tmp_path: Path) -> None:
    path = _journal(tmp_path, 20)
    old = os.open(path, os.O_RDWR | os.O_APPEND)  # opened before the rotation, as a racing appender
    try:
        rotate(Journal(path), keep_recent=0)
        assert _write_line(old, b'{"never":"here"}\n', path) is False  # it sees the file replaced
    finally:
        os.close(old)
    Journal(path).append({"type": "event", "op": None, "event": "after"})

    assert b'"after"' in path.read_bytes() and b"never" not in path.read_bytes()
    assert b"never" not in archives(path)[0].read_bytes()


def test_rotating_nothing(tmp_path: Path) -> None:
    assert rotate(Journal(tmp_path / "none.jsonl")) is None


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_the_rotated_journal_is_a_valid_journal_with_its_own_index(tmp_path: Path) -> None:
    path = _journal(tmp_path, 100)
    Journal(path).ids()  # an index of the old file

    rotate(Journal(path), keep_recent=3)

    journal = Journal(path)
    assert journal.ids() == [r["op"] for r in _lines(path) if r["type"] == "operation"]
    assert journal._reader.rebuilt == "the journal no longer matches its index" or journal._reader.rebuilt == "missing"
    assert journal.warnings == []
    assert Journal(archives(path)[0]).ids()[:2] == ["op-00000", "op-00001"]


def test_a_journal_whose_every_operation_is_needed_is_left_alone(tmp_path: Path) -> None:
    path = _journal(tmp_path, 10)
    before = path.read_bytes()

    rotation = rotate(Journal(path), keep_recent=200)

    assert rotation is not None and rotation.archive is None and rotation.dropped == 0
    assert path.read_bytes() == before and archives(path) == []


def test_a_rotation_racing_another_processes_rotation_goes_on_with_the_new_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process rotates the journal between our open and our lock (a drain starting while
    `journal rotate` runs): no error; what is looked at is the journal that process left."""
    import mcctl.ops.journal_rotation as rotation_module

    path = _journal(tmp_path, 300)
    real_inode = rotation_module._inode
    raced: list[Path] = []

    def inode_after_another_rotation(target: Path) -> int | None:
        if not raced:  # what the other process does while we wait for the lock: archive, replace
            archive = target.with_name(target.name + ".rotated-by-other")
            os.link(target, archive)
            fresh = target.with_name(".fresh")
            fresh.write_bytes(target.read_bytes())
            os.replace(fresh, target)
            raced.append(archive)
        return real_inode(target)

    monkeypatch.setattr(rotation_module, "_inode", inode_after_another_rotation)
    rotation = rotate(Journal(path), keep_recent=10)
    assert raced and rotation is not None and rotation.archive is not None and rotation.archive != raced[0]
    assert [op.id for op in Journal(path).operations() if op.unfinished] == UNFINISHED
