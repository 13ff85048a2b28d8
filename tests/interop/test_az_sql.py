"""The SQL failover group through az: list, show, set-primary — and mcctl sees it, az sees mcctl's."""

from __future__ import annotations

import time

from tests.interop.conftest import Served

GROUP = ["-g", "rg-mc-data", "-n", "fg-mc-demo"]


def _roles(served: Served) -> dict[str, str]:
    return {
        server: served.az("sql", "failover-group", "show", "-s", server, *GROUP)["replicationRole"]
        for server in ("sql-mc-weu", "sql-mc-neu", "sql-mc-eus2")
    }


def test_list_and_show(signed_in: Served) -> None:
    groups = signed_in.az("sql", "failover-group", "list", "-g", "rg-mc-data", "-s", "sql-mc-weu")
    assert [g["name"] for g in groups] == ["fg-mc-demo"]
    shown = signed_in.az("sql", "failover-group", "show", "-s", "sql-mc-neu", *GROUP)
    assert {p["id"].rsplit("/", 1)[-1] for p in shown["partnerServers"]} == {"sql-mc-weu", "sql-mc-eus2"}
    assert len(shown["databases"]) == 2


def test_az_fails_over_and_mcctl_fails_back(signed_in: Served) -> None:
    before = signed_in.mcctl("sql", "status")
    assert before["primary_region"] == "westeurope"
    wall = time.monotonic()
    signed_in.az("sql", "failover-group", "set-primary", "-s", "sql-mc-neu", *GROUP)
    seconds = time.monotonic() - wall
    print(f"az sql failover-group set-primary took {seconds:.1f}s of wall time")  # the README's figure
    assert _roles(signed_in) == {"sql-mc-weu": "Secondary", "sql-mc-neu": "Primary", "sql-mc-eus2": "Secondary"}
    after = signed_in.mcctl("sql", "status")
    assert after["primary_region"] == "northeurope" and after["primary_server"] == "sql-mc-neu"
    # The other way round: mcctl (in process, on the same state) fails back; az sees it.
    signed_in.mcctl("sql", "failover", "--to", "westeurope", "--yes")
    assert _roles(signed_in)["sql-mc-weu"] == "Primary"
