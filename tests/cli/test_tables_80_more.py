"""Tables at 80 columns (issue 14, item 4), continued: `sql status`, `redis status` (managed and cache),
`plugins list`, `lock status`. Ids, names and verdicts are never cut; low-value columns drop first;
`-o wide` shows every column; the JSON is the same at any width."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from mcctl.bootstrap import simulated_session
from mcctl.cli.commands.redis import status_table as redis_table
from mcctl.config.loader import demo_source, load_estate
from mcctl.ops.lease import LeaseHolder, open_lease
from mcctl.sim.providers.sql import set_link_state
from mcctl.sim.runtime import open_simulator, sim_state_path

WIDTH = 80
CACHE_ESTATE = str(Path(__file__).resolve().parents[1] / "fixtures" / "estate-cache.yaml")


@pytest.fixture
def narrow(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal of 80 columns, as `COLUMNS=80 mcctl ...`."""
    monkeypatch.setenv("COLUMNS", str(WIDTH))


def _fits(text: str, width: int = WIDTH) -> None:
    long = [line for line in text.splitlines() if len(line) > width]
    assert not long, f"lines over {width} columns: {long}"
    assert "…" not in text  # nothing ellipsized


def _header(text: str, first: str) -> list[str]:
    """The header line starting with `first`, as column names (two spaces or more between them)."""
    line = next(line for line in text.splitlines() if line.startswith(first))
    return [cell.strip() for cell in line.split("  ") if cell.strip()]


def _rows_after(text: str, first: str) -> list[list[str]]:
    """The rows of the table whose header starts with `first`, up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first)) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        rows.append(line.split())
    return rows


def _ok(result) -> str:
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _render(renderable, width: int = WIDTH) -> str:
    console = Console(width=width, record=True)
    console.print(renderable)
    return console.export_text()


# -- sql status --------------------------------------------------------------------------------
def _sql_sim():
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return sim


def test_sql_status_at_80_columns_puts_the_partner_region_in_its_own_column(mcctl, narrow) -> None:
    table = _ok(mcctl("--sim", "sql", "status"))
    _fits(table)
    assert _header(table, "DATABASE") == ["DATABASE", "SERVER", "ROLE", "PARTNER", "PARTNER REGION", "STATE", "DONE"]
    rows = _rows_after(table, "DATABASE")
    assert [(r[0], r[3], r[4]) for r in rows] == [
        ("orders", "sql-mc-neu", "northeurope"),
        ("orders", "sql-mc-eus2", "eastus2"),
        ("catalog", "sql-mc-neu", "northeurope"),
        ("catalog", "sql-mc-eus2", "eastus2"),
    ]  # one line per link: no "(northeurope" / ")" wrapped over two lines
    assert "(" not in "".join(table.splitlines()[-4:])
    assert all(r[-2:] == ["CATCH_UP", "100%"] for r in rows)


def test_sql_status_at_80_columns_drops_the_fqdn_before_cutting_a_state(mcctl, narrow) -> None:
    assert mcctl("sim", "outage", "start", "westeurope").exit_code == 0
    table = _ok(mcctl("--sim", "sql", "status"))
    _fits(table)
    assert _header(table, "REGION") == ["REGION", "SERVER", "ROLE", "STATE"]  # FQDN went first
    rows = _rows_after(table, "REGION")
    assert rows[0][:2] == ["westeurope", "sql-mc-weu"] and rows[0][-1] == "unreachable"
    assert [r[1] for r in rows] == ["sql-mc-weu", "sql-mc-neu", "sql-mc-eus2"]
    assert "NOT ready for a planned failover" in table


def test_sql_status_at_80_columns_shows_a_seeding_link_whole(mcctl, narrow) -> None:
    assert mcctl("sim", "status").exit_code == 0
    set_link_state(_sql_sim(), "eastus2", "SEEDING", database="catalog", percent_complete=35)
    table = _ok(mcctl("--sim", "sql", "status"))
    _fits(table)
    seeding = next(r for r in _rows_after(table, "DATABASE") if r[0] == "catalog" and r[3] == "sql-mc-eus2")
    assert seeding[-2:] == ["SEEDING", "35%"]


def test_sql_status_wide_shows_every_column(mcctl, narrow) -> None:
    assert mcctl("sim", "outage", "start", "westeurope").exit_code == 0
    wide = _ok(mcctl("--sim", "-o", "wide", "sql", "status"))
    assert _header(wide, "REGION") == ["REGION", "SERVER", "ROLE", "STATE", "FQDN"]
    assert "sql-mc-neu.database.windows.net" in wide
    assert _header(wide, "DATABASE") == [
        *("DATABASE", "SERVER", "ROLE", "PARTNER", "PARTNER REGION"),
        *("PARTNER ROLE", "STATE", "DONE", "MODE"),
    ]
    assert all(len(r) == 9 for r in _rows_after(wide, "DATABASE"))
    assert wide.count("ASYNC") == 4


def test_sql_status_json_is_the_same_at_any_width(mcctl, monkeypatch) -> None:
    wide = _ok(mcctl("--sim", "-o", "json", "sql", "status"))
    monkeypatch.setenv("COLUMNS", "40")
    assert _ok(mcctl("--sim", "-o", "json", "sql", "status")) == wide
    assert json.loads(wide)["links"][0]["partner_region"] == "northeurope"


# -- redis status (Azure Managed Redis) --------------------------------------------------------
MANAGED_ALL = [
    *("REGION", "CLUSTER", "SKU", "CLUSTER STATE", "DATABASE"),
    *("PROVISIONING", "RESOURCE", "GROUP", "LINK"),
]


def test_redis_status_at_80_columns_keeps_the_link_verdicts(mcctl, narrow) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    table = _ok(mcctl("--sim", "redis", "status"))
    _fits(table)
    assert _header(table, "REGION") == ["REGION", "CLUSTER", "SKU", "CLUSTER STATE", "DATABASE", "LINK"]
    rows = _rows_after(table, "REGION")
    assert [(r[0], r[1], r[-1]) for r in rows] == [
        ("westeurope", "amr-mc-weu", "linked"),
        ("northeurope", "amr-mc-neu", "linked"),
        ("eastus2", "amr-mc-eus2", "broken"),
    ]
    assert "eastus2      broken    LinkFailed as seen from westeurope" in table
    assert _rows_after(table, "SEEN FROM")[0] == ["westeurope", "Linked", "Linked", "LinkFailed"]


def test_redis_status_wide_shows_every_column(mcctl, narrow) -> None:
    wide = _ok(mcctl("--sim", "-o", "wide", "redis", "status"))
    assert _header(wide, "REGION") == MANAGED_ALL
    assert all(len(r) == 9 and r[-2] == "mc-demo-geo" for r in _rows_after(wide, "REGION"))


def test_redis_status_json_is_the_same_at_any_width(mcctl, monkeypatch) -> None:
    wide = _ok(mcctl("--sim", "-o", "json", "redis", "status"))
    monkeypatch.setenv("COLUMNS", "40")
    assert _ok(mcctl("--sim", "-o", "json", "redis", "status")) == wide


@pytest.mark.parametrize(
    ("width", "dropped"),
    [
        (131, []),  # natural width, with the longest cluster name (31)
        (130, ["RESOURCE"]),
        (120, ["RESOURCE", "PROVISIONING"]),
        (106, ["RESOURCE", "PROVISIONING", "GROUP"]),
        (93, ["RESOURCE", "PROVISIONING", "GROUP", "SKU"]),
        (80, ["RESOURCE", "PROVISIONING", "GROUP", "SKU", "CLUSTER STATE"]),
    ],
)
def test_redis_members_drop_in_the_declared_order(mcctl, width: int, dropped: list[str]) -> None:
    entries = json.loads(_ok(mcctl("--sim", "-o", "json", "redis", "status")))
    for e in entries:  # long names, as a real estate has: only the drop order decides what is left
        e["cluster"] = f"amr-missioncritical-{e['region']}"
    text = _render(redis_table(entries), width)
    _fits(text, width)
    assert _header(text, "REGION") == [c for c in MANAGED_ALL if c not in dropped]
    assert all(f"amr-missioncritical-{e['region']}" in text for e in entries)


# -- redis status (Azure Cache for Redis, linked servers) ---------------------------------------
def test_redis_cache_status_at_80_columns_and_wide(mcctl, narrow) -> None:
    table = _ok(mcctl("--sim", "--estate", CACHE_ESTATE, "redis", "status"))
    _fits(table)
    assert [r[1] for r in _rows_after(table, "REGION")] == ["redis-mc-weu", "redis-mc-neu", "redis-mc-eus2"]
    assert _rows_after(table, "CACHE")[0][:2] == ["redis-mc-weu", "redis-mc-neu"]
    wide = _ok(mcctl("--sim", "--estate", CACHE_ESTATE, "-o", "wide", "redis", "status"))
    assert _header(wide, "REGION") == ["REGION", "CACHE", "ROLE", "LOCATION", "PROVISIONING", "LINK"]
    assert _header(wide, "CACHE") == ["CACHE", "LINKED SERVER", "REGION", "ROLE", "LOCATION", "PROVISIONING"]


def test_redis_cache_tables_drop_the_location_first(mcctl) -> None:
    entries = json.loads(_ok(mcctl("--sim", "--estate", CACHE_ESTATE, "-o", "json", "redis", "status")))
    text = _render(redis_table(entries), 68)
    _fits(text, 68)
    assert _header(text, "REGION") == ["REGION", "CACHE", "ROLE", "PROVISIONING", "LINK"]
    assert _header(text, "CACHE") == ["CACHE", "LINKED SERVER", "REGION", "ROLE", "PROVISIONING"]
    assert all(r[-1] == "Succeeded" for r in _rows_after(text, "CACHE"))  # a linked server's verdict stays
    narrower = _render(redis_table(entries), 50)
    _fits(narrower, 50)
    assert _header(narrower, "REGION") == ["REGION", "CACHE", "ROLE", "LINK"]


# -- plugins list ------------------------------------------------------------------------------
def test_plugins_list_at_80_columns_wraps_what_each_registered(mcctl, narrow) -> None:
    data = json.loads(_ok(mcctl("-o", "json", "plugins", "list")))
    table = _ok(mcctl("plugins", "list"))
    _fits(table)
    assert _header(table, "NAME") == ["NAME", "VERSION", "REGISTERED"]
    first_cells = [line.split()[0] for line in table.splitlines()[1:] if not line.startswith(" ")]
    assert first_cells == [p["name"] for p in data]  # every name whole, one row each
    words = table.split()
    for plugin in data:
        for names in plugin["registered"].values():
            assert all(any(w.strip(",;") == n for w in words) for n in names)  # wrapped at spaces, never cut


def test_plugins_list_drops_the_version_when_narrower_and_wide_keeps_it(mcctl, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    table = _ok(mcctl("plugins", "list"))
    _fits(table, 40)
    assert _header(table, "NAME") == ["NAME", "REGISTERED"]
    assert "mcctl.ops.sqlfailover" in table
    wide = _ok(mcctl("-o", "wide", "plugins", "list"))
    assert _header(wide, "NAME") == ["NAME", "VERSION", "REGISTERED"] and "built-in" in wide


def test_plugins_list_shows_a_name_as_typed_not_as_markup() -> None:
    from mcctl.cli.commands.plugins import _table

    text = _render(_table([{"name": "evil[bold]x[/bold]", "version": None, "builtin": False, "registered": {}}]))
    assert "evil[bold]x[/bold]" in text


# -- lock status -------------------------------------------------------------------------------
HOLDER = LeaseHolder(
    "alice.with.a.long.name@contoso-operations.example.com",
    "ops-jumphost-westeurope-01",
    4242,
    "20261126-051600-3fa2",
    "mcctl frontdoor drain westeurope --steps 25,50,100 --interval 5m --verify --yes",
    "t0",
)


def test_lock_status_at_80_columns_keeps_the_holder_and_operation_whole(mcctl, narrow) -> None:
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint)
    session = simulated_session(estate, sim)
    try:
        open_lease(session, estate).acquire(HOLDER)
    finally:
        session.close()
    table = _ok(mcctl("--sim", "lock", "status"))
    _fits(table)
    assert HOLDER.actor in table and HOLDER.host in table and "20261126-051600-3fa2" in table
    assert "leased" in table and "True" not in table and "False" not in table
    assert " ".join(table.split()).count(HOLDER.command) == 1  # wrapped at spaces, every word kept
    assert json.loads(_ok(mcctl("--sim", "-o", "json", "lock", "status")))["operation"] == "20261126-051600-3fa2"
