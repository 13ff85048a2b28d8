"""Bounded journal reads: with thousands of operations journaled, a drain, a restore, a resume or a
rollback reads only the records it needs (counted: `Journal.parsed`), and gets what a full read gives.
A missing index (an old journal) or a damaged one is rebuilt from the journal, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mcctl.domain.frontdoor import prior_from_history
from mcctl.errors import UsageError
from mcctl.ops.frontdoor import history
from mcctl.ops.journal import Journal
from mcctl.ops.journal_index import index_path
from mcctl.ops.journal_reader import forget_indexes

ORIGINS = [f"origin-{n}" for n in range(6)]


@pytest.fixture(autouse=True)
def _each_journal_object_as_a_new_process() -> None:
    forget_indexes()  # the index a test wrote or damaged is read from disk (it would be, by the next command)


def _header(op: str, kind: str, origin: str, enabled: bool, parent: str | None = None) -> dict[str, Any]:
    step = {
        "kind": "set_origin",
        "target": f"origin {origin}",
        "resource_id": f"/subscriptions/s/providers/Microsoft.Cdn/profiles/p/originGroups/g/origins/{origin}",
        "before": {"enabled": not enabled},
        "after": {"enabled": enabled},
        "params": {"origin": origin, "prior": {"weight": 100 + sum(map(ord, op)) % 900, "priority": 1}},
        "group": 0,
    }
    plan = {"kind": kind, "summary": f"{kind} {origin}", "steps": [step]}
    return {"ts": "2026-12-01T00:00:00Z", "type": "operation", "op": op, "kind": kind, "parent": parent, "plan": plan}


def _operation(op: str, n: int, status: str = "succeeded", ended: bool = True) -> list[dict[str, Any]]:
    origin = ORIGINS[n % len(ORIGINS)]
    drain = (n // len(ORIGINS)) % 2 == 0
    records = [
        _header(op, "frontdoor-drain" if drain else "frontdoor-restore", origin, enabled=not drain),
        {"type": "intent", "op": op, "step": 0},
    ]
    if status != "in-flight":
        records.append({"type": "outcome", "op": op, "step": 0, "status": status})
    if ended:
        records.append({"type": "end", "op": op, "status": "succeeded" if status == "succeeded" else "failed"})
    return records


def _write(path: Path, operations: int, extra: list[dict[str, Any]] = ()) -> None:  # type: ignore[assignment]
    path.parent.mkdir(parents=True, exist_ok=True)
    records = [r for n in range(operations) for r in _operation(f"op-{n:05d}", n)] + list(extra)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _priors(operations: list[Any]) -> dict[str, Any]:
    past = history(operations)
    return {origin: prior_from_history(past, origin) for origin in ORIGINS}


@pytest.fixture
def big(tmp_path: Path) -> Path:
    """2,000 drains and restores of six origins, then one drain that failed and one in flight."""
    path = tmp_path / "journal" / "sim-demo.jsonl"
    extra = _operation("op-failed", 1, status="failed") + _operation("op-flying", 2, status="in-flight", ended=False)
    _write(path, 2000, extra)
    return path


def test_a_drain_reads_only_the_operations_that_decide_its_origins(big: Path) -> None:
    full = Journal(big)
    expected = _priors(full.operations())
    assert full.parsed == 2000 * 4 + 4 + 2  # what every drain parsed before the index

    first = Journal(big)
    assert _priors(first.operations_touching(ORIGINS)) == expected  # builds the index (one full parse)
    assert index_path(big).exists() and first._reader.rebuilt == "missing"

    warm = Journal(big)
    touched = warm.operations_touching(ORIGINS)
    assert _priors(touched) == expected
    assert any(p is not None for p in expected.values())  # the check is not vacuous: some origin is drained
    # per origin: the newest that succeeded, plus what came after it (the failed drain, the one in flight)
    assert [op.id for op in touched][-2:] == ["op-failed", "op-flying"] and len(touched) == 6 + 2
    assert warm.parsed == sum(len(op.records) for op in touched) <= 40


def test_resume_and_rollback_read_one_operation(big: Path) -> None:
    Journal(big).ids()  # the index exists, as after any earlier command
    journal = Journal(big)

    record = journal.operation("op-01234")

    assert record.id == "op-01234" and record.status == "succeeded" and len(record.records) == 4
    assert journal.parsed == 4
    assert journal.operation("op-fly").status == "interrupted"  # a unique prefix
    assert journal.operation("latest").id == "op-flying"
    assert journal.parsed == 4 + 2 * 2
    with pytest.raises(UsageError, match="matches 10 operations"):
        journal.operation("op-0123")
    with pytest.raises(UsageError, match="no operation 'nope'"):
        journal.operation("nope")


def test_unfinished_children_and_latest_match_a_full_read(big: Path) -> None:
    full = Journal(big).operations()
    Journal(big).ids()
    journal = Journal(big)

    unfinished = journal.unfinished_operations()

    assert [op.id for op in unfinished] == [op.id for op in full if op.unfinished] == ["op-flying"]
    assert journal.parsed == 2  # only the candidate's records
    assert [op.id for op in journal.latest(3)] == [op.id for op in full[-3:]]
    assert journal.children("op-00007") == [] and len(journal.ids()) == 2002


def test_records_appended_since_are_caught_up_without_reading_the_rest(big: Path) -> None:
    Journal(big).ids()
    writer = Journal(big)
    for record in [_header("op-new", "frontdoor-drain", ORIGINS[0], enabled=False, parent="op-00007")]:
        writer.append(record)
    writer.append({"type": "intent", "op": "op-new", "step": 0})
    writer.append({"type": "outcome", "op": "op-new", "step": 0, "status": "submitted"})

    reader = Journal(big)
    children = reader.children("op-00007")

    assert [op.id for op in children] == ["op-new"] and children[0].unfinished
    assert reader.parsed == 3 + 3  # the three new lines once to index them, then the operation's three
    assert reader._reader.rebuilt is None
    assert [op.id for op in Journal(big).unfinished_operations()] == ["op-flying", "op-new"]


@pytest.mark.parametrize(
    "damage",
    [
        b"not json at all",
        b'{"version": 99}',
        b'{"version": 1, "size": 10}',
        b"",
        b'{"version":1,"size":5,"lines":1,"head":"","tail":"","touches":[],"ops":[["x",null,null,false,1,[],"no",[],[],true,null]],'
        b'"orphans":[],"warnings":[]}',
    ],
    ids=["garbage", "other-version", "fields-missing", "empty", "bad-spans"],
)
def test_a_damaged_index_is_rebuilt_from_the_journal(big: Path, damage: bytes) -> None:
    expected = _priors(Journal(big).operations())
    index_path(big).write_bytes(damage)
    forget_indexes()
    seen: list[str] = []
    journal = Journal(big, on_warning=seen.append)

    assert _priors(journal.operations_touching(ORIGINS)) == expected
    assert journal.operation("op-00042").id == "op-00042"
    assert any("index" in w and "rebuilt from the journal" in w for w in seen) or journal._reader.rebuilt
    rebuilt = json.loads(index_path(big).read_text())
    assert rebuilt["version"] == 1 and len(rebuilt["ops"]) == 2002
    quiet: list[str] = []
    forget_indexes()
    again = Journal(big, on_warning=quiet.append)
    assert again.operation("op-00042").id == "op-00042" and quiet == [] and again.parsed == 4


def test_an_index_pointing_at_other_records_is_rebuilt(big: Path) -> None:
    Journal(big).ids()
    data = json.loads(index_path(big).read_text())
    first, second = data["ops"][0], data["ops"][1]
    first[6], second[6] = second[6], first[6]  # each operation's spans now point at the other's records
    index_path(big).write_text(json.dumps(data))
    forget_indexes()

    journal = Journal(big)

    assert journal.operation("op-00000").header["op"] == "op-00000"
    assert journal._reader.rebuilt == "a record was not where the index said"


def test_a_journal_replaced_under_its_index_is_reindexed(big: Path, tmp_path: Path) -> None:
    Journal(big).ids()
    Journal(big).archive()  # `sim reset`: the journal starts afresh (and its index with it)
    assert not index_path(big).exists()
    _write(big, 3)

    journal = Journal(big)

    assert journal.ids() == ["op-00000", "op-00001", "op-00002"]
    stale = tmp_path / "stale.index"  # an index left from a longer journal: not trusted
    index_path(big).rename(stale)
    _write(big, 2)
    stale.rename(index_path(big))
    assert Journal(big).ids() == ["op-00000", "op-00001"]


def test_an_old_journal_without_an_index_still_reads(tmp_path: Path) -> None:
    from tests.ops.test_journal import OLD_FORMAT

    path = tmp_path / "j.jsonl"
    path.write_text(OLD_FORMAT, encoding="utf-8")
    journal = Journal(path)

    assert journal.operation("20261201-155135").status == "succeeded"
    assert journal.operation("latest").refused and journal.unfinished_operations() == []
    assert journal.warnings == [] and index_path(path).exists()


def test_skipped_lines_are_still_reported_by_bounded_reads(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    _write(path, 3)
    with path.open("ab") as fh:
        fh.write(b"garbage{\n")
    first: list[str] = []
    Journal(path, on_warning=first.append).operation("op-00001")
    later: list[str] = []
    Journal(path, on_warning=later.append).operation("op-00001")

    assert first == later and len(first) == 1 and "line 13: not a JSON record" in first[0]


def test_an_unwritable_index_only_costs_a_full_parse(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    _write(path, 50)
    index_path(path).mkdir()  # neither readable nor replaceable as a file

    journal = Journal(path)

    assert journal.operation("op-00049").id == "op-00049" and journal.unfinished_operations() == []
    assert index_path(path).is_dir()


def test_a_torn_last_record_is_read_as_the_full_read_does(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    _write(path, 2)
    records = _operation("op-torn", 0, ended=False)
    path.write_text(path.read_text() + "".join(json.dumps(r) + "\n" for r in records[:-1]) + json.dumps(records[-1]))

    journal = Journal(path)

    torn = journal.operation("op-torn")
    assert torn.status == Journal(path).operations()[-1].status == "incomplete"
    assert [o["status"] for o in torn.history(0)] == ["succeeded"]  # the torn line, read as it reads
    assert json.loads(index_path(path).read_text())["size"] < path.stat().st_size  # the torn line is not indexed
    journal.append({"type": "end", "op": "op-torn", "status": "succeeded"})
    assert journal.operation("op-torn").end is not None and journal.latest(1)[0].id == "op-torn"


def test_status_reads_only_the_operations_that_may_not_be_over(tmp_path: Path) -> None:
    from mcctl.ops.journal_records import OperationStatus

    stopped_part_way = {"partial", "stopped", "interrupted", "incomplete", "timeout"}
    path = tmp_path / "j.jsonl"
    odd: list[dict[str, Any]] = []
    for n, end in enumerate(["partial", "stopped", "timeout", "submitted", "failed"]):
        op = f"op-odd-{end}"
        odd += _operation(op, n, ended=False) + [{"type": "end", "op": op, "status": end}]
    odd += _operation("op-rollback", 0, ended=False) + [{"type": "end", "op": "op-rollback", "status": "succeeded"}]
    odd[-4]["parent"] = "op-odd-partial"  # the rollback's header: it put the partial one back
    _write(path, 1000, odd + _operation("op-killed", 3, status="in-flight", ended=False))
    full = Journal(path).operations()
    Journal(path).ids()
    journal = Journal(path)

    candidates = journal.operations_not_over()

    def listed(records: list[Any]) -> set[str]:  # what `status` lists as open (ops/status.py)
        put_back = {r.parent for r in records if r.parent and r.status in ("succeeded", "partial")}
        return {r.id for r in records if r.unfinished or (r.status in stopped_part_way and r.id not in put_back)}

    assert listed(candidates) == listed(full) == {"op-odd-stopped", "op-odd-timeout", "op-killed"}
    assert {r.id for r in candidates} == {f"op-odd-{e}" for e in ("partial", "stopped", "timeout", "submitted")} | {
        "op-rollback",
        "op-killed",
    }
    assert journal.parsed == sum(len(r.records) for r in candidates) < 40
    assert next(r for r in candidates if r.id == "op-odd-submitted").status == OperationStatus.SUCCEEDED


def test_the_stored_index_reads_back_as_it_was_built(big: Path) -> None:
    from mcctl.ops.journal_index import load_index

    journal = Journal(big)
    journal.ids()
    built = journal._reader._index

    stored = load_index(index_path(big))

    assert built is not None and stored is not None
    assert stored.entries == built.entries and (stored.size, stored.lines) == (built.size, built.lines)
    assert stored.entries["op-flying"].may_be_unfinished and not stored.entries["op-failed"].may_not_be_over
