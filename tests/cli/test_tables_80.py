"""Tables for people at 80 columns (issue 14, item 4): ids and verdicts are never cut, low-value
columns drop first, `-o wide` shows every column, and values read as words (no Python reprs)."""

from __future__ import annotations

import json
import re

import pytest
from rich.console import Console

from mcctl.cli.fittable import Col, FitTable, wide_tables
from mcctl.cli.tables import human_change, plan_table

WIDTH = 80


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal of 80 columns, as `COLUMNS=80 mcctl ...`."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))


def _fits(text: str, width: int = WIDTH) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, f"lines over {width} columns: {long}"
    assert "…" not in text  # nothing ellipsized


def _header(text: str, first: str) -> list[str]:
    return next(line for line in text.splitlines() if line.startswith(first)).split()


def _ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


# -- stamps list -------------------------------------------------------------------------------
def test_stamps_list_at_80_columns_shows_every_verdict_whole(mcctl, narrow) -> None:
    assert mcctl("--sim", "sim", "stamp", "fail", "eus2-1").exit_code == 0
    assert mcctl("--sim", "sim", "stamp", "degraded", "neu-2").exit_code == 0
    rows = {r["name"]: r for r in json.loads(_ok(mcctl("--sim", "-o", "json", "stamps", "list")))}
    table = _ok(mcctl("--sim", "stamps", "list"))
    _fits(table)
    # SHARE (issue 14: by configuration and Front Door's probes) takes ORIGIN's place: SERVING says it
    assert _header(table, "STAMP") == ["STAMP", "REGION", "APP", "REDIS", "SQL", "SERVING", "SHARE", "HEALTH"]
    for line in table.splitlines()[1:]:
        cells = line.split()
        row = rows[cells[0]]
        assert cells[-1] == row["health"], line  # the full verdict: `unhealthy`, never `unhe…`
        out = row["serving"] and row["edge_health"] == "unhealthy"
        assert cells[-3] == ("out" if out else "yes" if row["serving"] else "no")
        assert cells[-2] == f"{row['traffic_share']:.0%}"
        assert cells[-5] == row["redis_link"] and cells[-4] == row["sql_role"].lower()
    assert {rows["eus2-1"]["health"], rows["neu-2"]["health"]} == {"unhealthy", "degraded"}


def test_stamps_list_wide_shows_every_column(mcctl, narrow) -> None:
    wide = _ok(mcctl("--sim", "-o", "wide", "stamps", "list"))
    header = _header(wide, "STAMP")
    assert header == [
        *("STAMP", "REGION", "SKU", "INSTANCES", "APP", "ORIGIN"),
        *("WEIGHT", "PRIO", "REDIS", "SQL", "SERVING", "SHARE", "HEALTH"),
    ]
    assert all(len(line.split()) == len(header) for line in wide.splitlines()[1:])


def test_stamps_list_json_is_the_same_at_any_width(mcctl, monkeypatch) -> None:
    wide = _ok(mcctl("--sim", "-o", "json", "stamps", "list"))
    monkeypatch.setenv("COLUMNS", "40")
    assert _ok(mcctl("--sim", "-o", "json", "stamps", "list")) == wide


# -- journal -----------------------------------------------------------------------------------
def _drain(mcctl) -> str:
    return json.loads(_ok(mcctl("--sim", "-o", "json", "frontdoor", "drain", "eastus2", "--yes")))["operation"]


def test_journal_list_at_80_columns_shows_full_operation_ids(mcctl, narrow) -> None:
    first = _drain(mcctl)
    second = json.loads(_ok(mcctl("--sim", "-o", "json", "frontdoor", "restore", "eastus2", "--yes")))["operation"]
    table = _ok(mcctl("--sim", "journal", "list"))
    _fits(table)
    ids = [line.split()[0] for line in table.splitlines()[1:] if re.match(r"\d{8}-", line)]
    assert ids == [first, second]  # whole, each on its row, copyable into `mcctl rollback`
    assert "[]" not in table and "None" not in table
    assert "succeeded" in table and "2/2" in table


def test_journal_list_wide_shows_every_column_in_words(mcctl, narrow) -> None:
    op = _drain(mcctl)
    wide = _ok(mcctl("--sim", "-o", "wide", "journal", "list"))
    header = _header(wide, "ID")
    assert header == ["ID", "STARTED", "ACTOR", "KIND", "SUMMARY", "STATUS", "STEPS", "OVERRIDES", "PARENT"]
    row = next(line for line in wide.splitlines() if line.startswith(op))
    assert "frontdoor-drain" in row and "drain region eastus2" in row
    assert "[]" not in wide and "None" not in wide  # no overrides, no parent: `-`
    assert row.split()[-2:] == ["-", "-"]


def test_journal_show_at_80_columns_reads_changes_in_words(mcctl, narrow) -> None:
    op = _drain(mcctl)
    table = _ok(mcctl("--sim", "journal", "show", op))
    _fits(table)
    assert f"operation {op}: succeeded" in table
    assert "enabled → disabled" in table
    assert "True" not in table and "False" not in table


def test_a_query_result_as_a_table_shows_words_not_reprs(mcctl, narrow) -> None:
    _drain(mcctl)
    table = _ok(mcctl("--sim", "journal", "list", "--query", "[].{id: id, overrides: overrides, parent: parent}"))
    assert "[]" not in table and "None" not in table and "null" not in table


# -- plans and results -------------------------------------------------------------------------
def test_a_gradual_drain_plan_at_80_columns_has_no_python_booleans(mcctl, narrow) -> None:
    args = ("--sim", "frontdoor", "drain", "eastus2", "--steps", "50,100", "--interval", "60s", "--dry-run")
    plan = _ok(mcctl(*args))
    _fits(plan)
    assert "True" not in plan and "False" not in plan
    assert "enabled → disabled" in plan  # the last step disables the origin
    assert "stamp eus2-1" in plan and "origin-eus2-1" in plan
    raw = json.loads(_ok(mcctl("-o", "json", *args)))  # the JSON keeps the step's own change string
    assert any("True → False" in step["change"] for step in raw["plan"]["steps"])


def test_a_drains_result_table_reads_enabled_to_disabled(mcctl, narrow) -> None:
    result = _ok(mcctl("--sim", "frontdoor", "drain", "eastus2", "--yes"))
    _fits(result)
    assert "enabled → disabled" in result and "True" not in result and "succeeded" in result


def test_plan_table_at_80_columns_wraps_prose_and_keeps_rule_names() -> None:
    rule = "a_rule_with_a_rather_long_name_kept_whole"
    data = {
        "plan": {
            "summary": "drain",
            "steps": [
                {
                    "group": 0,
                    "target": "stamp eus2-1 origin origin-eus2-1 " * 3,
                    "change": "enabled: True → False, locked: False → True, weight: 1000 → 500",
                    "expected_seconds": 30,
                }
            ],
            "expected_seconds": 30,
            "gate": None,
            "interval": None,
            "notes": [],
        },
        "rules": [{"rule": rule, "passed": True, "overridden": False, "message": "fine " * 30}],
    }
    console = Console(width=WIDTH, record=True)
    console.print(plan_table(data))
    text = console.export_text()
    _fits(text)
    assert rule in text
    assert "enabled → disabled" in text and "locked: no → yes" in text and "1000 → 500" in text  # (wrapped)
    assert "True" not in text and "False" not in text


# -- sim status and frontdoor status -----------------------------------------------------------
def test_sim_status_at_80_columns_has_no_dict_reprs(mcctl, narrow) -> None:
    assert mcctl("--sim", "sim", "fault", "add", "lro_failure", "--operation", "sql.*").exit_code == 0
    assert mcctl("--sim", "sim", "fault", "add", "throttle", "--path", "/nowhere", "--count", "3").exit_code == 0
    assert mcctl("--sim", "sim", "stamp", "slow", "weu-1").exit_code == 0
    assert mcctl("--sim", "sim", "outage", "start", "eastus2").exit_code == 0
    table = _ok(mcctl("--sim", "sim", "status"))
    _fits(table)
    assert "{" not in table and "'" not in table and "[]" not in table
    assert "lro_failure" in table and "throttle" in table and "operation=sql.*" in table
    assert "stamp weu-1" in table and "slow" in table and "eastus2" in table
    data = json.loads(_ok(mcctl("--sim", "-o", "json", "sim", "status")))
    assert [f["kind"] for f in data["faults"]] == ["lro_failure", "throttle"]  # the JSON: as it was


def test_frontdoor_status_at_80_columns_drops_the_host_first(mcctl, narrow) -> None:
    table = _ok(mcctl("--sim", "frontdoor", "status"))
    _fits(table)
    header = ["STAMP", "REGION", "ORIGIN", "STATE", "WEIGHT", "PROBES", "SHARE", "SERVING"]  # PROBES: issue 14
    assert _header(table, "STAMP") == header
    assert "origin-eus2-2" in table and "enabled" in table
    wide = _ok(mcctl("--sim", "-o", "wide", "frontdoor", "status"))
    assert "HOST" in _header(wide, "STAMP") and "app-mc-eus2-2.azurewebsites.net" in wide


def test_wide_is_refused_nowhere_and_a_bad_format_names_the_option(mcctl) -> None:
    bad = mcctl("--sim", "stamps", "list", "-o", "wider")
    assert bad.exit_code == 2 and "--output" in bad.stderr and "wide" in bad.stderr


# -- FitTable itself ---------------------------------------------------------------------------
def _render(table: FitTable, width: int = WIDTH) -> str:
    console = Console(width=width, record=True)
    console.print(table)
    return console.export_text()


def _table() -> FitTable:
    table = FitTable(
        Col("ID"), Col("LOW", drop=2), Col("LOWER", drop=3), Col("NOTE", prose=True), Col("VERDICT"), Col("MID", drop=1)
    )
    for n in range(3):
        table.add_row(f"20261201-19055{n}-f45d", "x" * 12, "y" * 14, "words " * 12, "unhealthy", "z" * 10)
    return table


def test_fit_table_drops_the_highest_drop_first_and_keeps_the_rest_whole() -> None:
    text = _render(_table())
    _fits(text)
    header = text.splitlines()[0].split()
    assert header == ["ID", "LOW", "NOTE", "VERDICT", "MID"]  # LOWER (drop=3) went first
    assert text.count("unhealthy") == 3 and all(f"20261201-19055{n}-f45d" in text for n in range(3))
    narrower = _render(_table(), width=62)
    _fits(narrower, 62)
    assert narrower.splitlines()[0].split() == ["ID", "NOTE", "VERDICT", "MID"]


def test_fit_table_wide_keeps_every_column() -> None:
    with wide_tables():
        console = Console(width=400, record=True)
        console.print(_table())
    assert console.export_text().splitlines()[0].split() == ["ID", "LOW", "LOWER", "NOTE", "VERDICT", "MID"]


def test_fit_table_too_narrow_shows_records_with_ids_whole_and_loses_no_character() -> None:
    """(Review defect 5: an id folded inside its cell is wrong.) When even the columns that never
    drop do not fit side by side, each row becomes a record: the id on its own line, whole."""
    table = FitTable(Col("ID"), Col("VERDICT"))
    table.add_row("20261201-190552-f45d", "unhealthy")
    text = _render(table, width=24)
    _fits(text, 24)
    assert [line.rstrip() for line in text.splitlines()] == ["20261201-190552-f45d", "  VERDICT: unhealthy"]
    tiny = _render(table, width=16)  # narrower than the id itself: folded, never cut
    _fits(tiny, 16)
    assert "".join(tiny.split()).startswith("20261201-190552-f45dVERDICT:")


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        ("enabled: True → False", "enabled → disabled"),
        ("enabled: False → True, weight: 1000 → 0", "disabled → enabled, weight: 1000 → 0"),
        ("locked: - → True", "locked: - → yes"),
        ("capacity: 3 → 5", "capacity: 3 → 5"),
        ("primary_region: westeurope → northeurope", "primary_region: westeurope → northeurope"),
    ],
)
def test_human_change(change: str, shown: str) -> None:
    assert human_change(change) == shown
