"""Issue 15 item 4: a column whose value could not be read shows `?` (README), not `-` (which means
"none here"); in `stamps list -o json` the SQL role of a region whose failover group could not be
read is "unknown", not null."""

from __future__ import annotations

import json


def _fault(mcctl, path: str) -> None:
    armed = mcctl("--sim", "sim", "fault", "add", "error", "--method", "GET", "--path", path, "--count", "50")
    assert armed.exit_code == 0, armed.stderr


def _rows(mcctl, *args: str) -> tuple[int, dict[str, dict]]:
    result = mcctl("--sim", "-o", "json", "stamps", "list", *args)
    return result.exit_code, {r["name"]: r for r in json.loads(result.stdout)}


def test_an_unreadable_failover_group_is_an_unknown_role(mcctl) -> None:
    _fault(mcctl, "/failovergroups")
    code, rows = _rows(mcctl)
    assert code == 4  # the failed read is still reported
    assert {r["sql_role"] for r in rows.values()} == {"unknown"}
    table = mcctl("--sim", "-o", "wide", "stamps", "list").stdout
    weu1 = next(line.split() for line in table.splitlines() if line.startswith("weu-1 "))
    assert "?" in weu1 and "primary" not in weu1 and "-" not in weu1


def test_without_a_fault_every_column_is_read(mcctl) -> None:
    code, rows = _rows(mcctl)
    assert code == 0 and {r["sql_role"] for r in rows.values()} == {"Primary", "Secondary"}
    table = mcctl("--sim", "-o", "wide", "stamps", "list").stdout
    assert "?" not in table


def test_unreadable_origins_show_question_marks_for_weight_and_priority(mcctl) -> None:
    _fault(mcctl, "/origingroups/og-web/origins")
    table = mcctl("--sim", "-o", "wide", "stamps", "list").stdout
    weu1 = next(line.split() for line in table.splitlines() if line.startswith("weu-1 "))
    assert weu1[5:8] == ["?", "?", "?"]  # ORIGIN, WEIGHT, PRIO
