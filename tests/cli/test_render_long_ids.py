"""Review defects 5 and 13: at 80 columns a long stamp id is never folded inside its cell (columns
drop instead), and wrapped reason lines stay indented under their item."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from mcctl.cli.fittable import Col, FitTable, hanging

WIDTH = 80
LONG = "weu-production-stamp-0001"


@pytest.fixture
def long_estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from mcctl.config.loader import demo_source

    text = demo_source().text.replace("name: weu-1,", f"name: {LONG},")
    assert LONG in text
    path = tmp_path / "long.yaml"
    path.write_text(text)
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    return str(path)


def _ok(result) -> str:  # type: ignore[no-untyped-def]
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def _fits(text: str) -> None:
    assert all(len(line) <= WIDTH for line in text.splitlines()), text
    assert "…" not in text


def test_stamps_list_keeps_a_long_stamp_id_on_one_line_and_drops_sql_first(mcctl, long_estate) -> None:
    table = _ok(mcctl("--sim", "--estate", long_estate, "stamps", "list"))
    _fits(table)
    lines = table.splitlines()
    assert lines[0].split() == ["STAMP", "REGION", "REDIS", "SERVING", "SHARE", "HEALTH"]
    assert lines[1].split()[0] == LONG and len(lines) == 7  # one line per stamp: nothing folded
    assert all(line.split()[-1] == "healthy" for line in lines[1:])


def test_every_table_keeps_a_long_stamp_id_whole(mcctl, long_estate) -> None:
    assert mcctl("--estate", long_estate, "sim", "outage", "start", "westeurope").exit_code == 0
    for command in (("stamps", "list"), ("health",), ("frontdoor", "status"), ("status",)):
        text = _ok(mcctl("--sim", "--estate", long_estate, *command)) if command != ("health",) else None
        if text is None:
            result = mcctl("--sim", "--estate", long_estate, *command)
            assert result.exit_code in (0, 10, 11), result.stderr
            text = result.stdout
        _fits(text)
        assert LONG in text, (command, text)
        assert not re.search(r"weu-production-stamp-0*\s*$", text, re.MULTILINE), (command, text)


def _indented_after(text: str, first: str) -> list[str]:
    """The lines of the block that starts with `first`, up to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    block = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        block.append(line)
    return block


def test_status_reasons_and_sql_problems_wrap_under_their_item(mcctl, long_estate) -> None:
    assert mcctl("--estate", long_estate, "sim", "outage", "start", "westeurope").exit_code == 0
    text = mcctl("--sim", "--estate", long_estate, "status").stdout
    _fits(text)
    reasons = _indented_after(text, "estate demo: unhealthy")
    assert len(reasons) > sum(1 for line in reasons if line.startswith("  - "))  # some reason wrapped
    assert all(line.startswith(("  - ", "    ")) for line in reasons), text
    assert any(line.strip() == f"({LONG}, weu-2)" and line.startswith("    ") for line in reasons), text
    sql = _indented_after(text, "SQL: primary westeurope")
    sql = sql[: next(i for i, line in enumerate(sql) if line.startswith("lock:"))]
    assert sql and all(line.startswith(("  - ", "    ")) for line in sql), text


def test_health_verdict_wraps_under_the_verdict(mcctl, long_estate) -> None:
    assert mcctl("--estate", long_estate, "sim", "outage", "start", "westeurope").exit_code == 0
    text = mcctl("--sim", "--estate", long_estate, "health").stdout
    _fits(text)
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("estate demo: unhealthy — "))
    tail = lines[start + 1 :]
    assert tail and all(line.startswith(" " * len("estate demo: ")) for line in tail), text


def test_operation_summaries_and_commands_wrap_under_their_item() -> None:
    from mcctl.cli.commands.status import _operation_lines

    op = {
        "id": "20261201-212540-5db5",
        "state": "interrupted",
        "status": "failed",
        "may_still_land": 0,
        "steps": "1/4",
        "summary": "evacuate region westeurope: " + ", ".join(f"drain stamp {LONG}-{n}" for n in range(4)),
        "resume": "mcctl resume 20261201-212540-5db5",
        "rollback": "mcctl rollback 20261201-212540-5db5",
    }
    out = io.StringIO()
    Console(file=out, width=WIDTH, color_system=None).print(*(hanging(p, b) for p, b in _operation_lines([op])))
    lines = out.getvalue().splitlines()
    summary = lines[2 : next(i for i, line in enumerate(lines) if "continue:" in line)]
    assert len(summary) > 1 and all(line.startswith("    ") and line[4] != " " for line in summary), lines


def test_a_fit_table_never_folds_an_id_it_shows_records_instead() -> None:
    table = FitTable(Col("STAMP"), Col("REGION", drop=1), Col("HEALTH"), Col("REASONS", prose=True))
    table.add_row(LONG + "-with-a-long-suffix", "westeurope", "unhealthy", "health endpoint: HTTP 503")
    for width, records in ((90, False), (80, False), (60, True)):
        out = io.StringIO()
        Console(file=out, width=width, color_system=None).print(table)
        lines = [line.rstrip() for line in out.getvalue().splitlines()]
        assert all(len(line) <= width for line in lines)
        if records:
            assert lines[:3] == [
                LONG + "-with-a-long-suffix",
                "  HEALTH: unhealthy",
                "  REASONS: health endpoint: HTTP 503",
            ]
        else:
            assert lines[1].split()[0] == LONG + "-with-a-long-suffix" and "unhealthy" in lines[1]
            assert ("REGION" in lines[0]) is (width == 90)
