"""The Markdown drill report: the headline measures, the step table, probes, rules, before/after, escaping."""

from __future__ import annotations

import re
from dataclasses import replace

from mcctl.cli.drillreport import render_markdown
from mcctl.domain.drill.record import STEP_NOT_RUN, DrillOutcome
from mcctl.domain.drill.report import build_report
from tests.domain.drill.drill_records import RULE_OVERRIDDEN, RULE_PASSED, outage_record, record, step

HOSTILE = "<script>alert(1)</script> | **bold** `tick` [link](http://x)"


def _cells(line: str) -> list[str]:
    """A table row's cells, splitting on pipes that are not escaped."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def _tables(markdown: str) -> list[list[list[str]]]:
    tables, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(_cells(line))
        elif current:
            tables.append(current)
            current = []
    return tables + ([current] if current else [])


def _table_after(markdown: str, heading: str) -> list[list[str]]:
    return _tables(markdown[markdown.index(heading) :])[0]


def test_the_headline_gives_outcome_rto_recovery_and_rpo() -> None:
    md = render_markdown(build_report(outage_record()))

    assert md.startswith("# ✅ Drill westeurope-to-northeurope: passed\n")
    measures = {row[0]: row[1] for row in _table_after(md, "| Measure")[2:]}
    assert measures["**RTO** (longest failing write span)"].startswith("26 s (writes failing 22:13:24 → 22:13:50)")
    assert measures["**Recovery** (T0 → target serving)"].startswith("27 s to reads and writes on northeurope")
    assert "no acknowledged write lost" in measures["**RPO** (data lost)"]
    assert "`op-drill-1`" in md and "alice@laptop" in md and "westeurope → northeurope" in md


def test_each_step_is_a_row_with_its_timing_and_child_operation() -> None:
    md = render_markdown(build_report(outage_record()))

    rows = _table_after(md, "## Steps")
    assert rows[0] == ["#", "Step", "Kind", "Group", "Status", "Started", "Took", "Child operation", "Detail"]
    body = rows[2:]
    assert [row[0] for row in body] == ["1", "2", "3", "4", "5", "6"]
    evacuate = body[3]
    assert evacuate[1:3] == ["evacuate westeurope", "`evacuate`"]
    assert evacuate[5:8] == ["22:13:24 (+4 s)", "36 s", "`op-child-1`"]
    assert body[0][8] == "northeurope healthy"


def test_probe_counts_per_region_and_failing_spans() -> None:
    md = render_markdown(build_report(outage_record()))

    rows = {row[0]: row[1:] for row in _table_after(md, "| Served by")[2:]}
    assert rows["`westeurope`"] == ["4", "0", "4", "0"]
    assert rows["`northeurope`"] == ["71", "0", "61", "0"]
    assert rows["_no answer_"] == ["0", "16", "0", "26"]
    assert _table_after(md, "Failing spans:")[2] == ["22:13:24", "22:13:50", "26 s", "yes"]


def test_rules_overrides_and_before_after() -> None:
    refused = {**RULE_PASSED, "rule": "links", "passed": False, "message": "redis unlinked"}
    drill = outage_record(
        rules=[RULE_PASSED, RULE_OVERRIDDEN, refused], overrides=[{"rule": "sql-lag", "reason": "bob"}]
    )
    md = render_markdown(build_report(drill))

    assert _table_after(md, "| Step | Rule | Verdict")[2:] == [
        ["drill", "`capacity`", "passed", "northeurope can carry 100%"],
        ["drill", "`sql-lag`", "overridden", "lag 5 s"],
        ["drill", "`links`", "refused", "redis unlinked"],
    ]
    assert ["`sql-lag`", "bob"] in _table_after(md, "**Overrides**")
    state = {row[0]: row[1:] for row in _table_after(md, "## Before / after")[2:]}
    assert state["SQL primary"] == ["westeurope", "**northeurope**"]  # changed: bold
    assert state["northeurope status"] == ["healthy", "healthy"]
    assert state["westeurope traffic"] == ["50%", "**0%**"]


def test_a_rolled_back_drill_shows_its_rollback_and_the_failed_step() -> None:
    steps = (step(0, "check sql", "check", 0, 2, status="failed", error="primary is westeurope"),)
    drill = outage_record(
        steps=steps,
        outcome=DrillOutcome.ROLLED_BACK,
        rollback={"operation": "op-rb", "status": "succeeded", "healthy_after": False},
    )
    md = render_markdown(build_report(drill))

    assert md.startswith("# ↩️ Drill")
    assert "## Rollback\n\nRollback `op-rb`: succeeded, **unhealthy after**." in md
    assert (
        _table_after(md, "## Steps")[2][4] == "❌ failed"
        and _table_after(md, "## Steps")[2][8] == "primary is westeurope"
    )


def test_a_running_drill_without_probes_renders() -> None:
    steps = (
        step(0, "evacuate", "evacuate", 1, None, status="running"),
        step(1, "hold", "hold", None, None, STEP_NOT_RUN),
    )
    drill = record(steps=steps, ended=None, outcome=DrillOutcome.RUNNING, after=None, incident_at=None)
    md = render_markdown(build_report(drill))

    assert md.startswith("# ⏳ Drill")
    assert "not ended" in md and "not measured (no probes)" in md and "_No probe samples" in md
    assert [row[6] for row in _table_after(md, "## Steps")[2:]] == ["running", "—"]
    assert "not recorded yet" in md


def test_hostile_values_cannot_break_tables_or_inject_html() -> None:
    steps = (step(0, HOSTILE, "check", 0, 1, error="bad\nnews | <b>x</b>"),)
    drill = outage_record(
        steps=steps, name=HOSTILE, actor="<img src=x onerror=alert(1)>", command="x ```\n# not a heading"
    )
    md = render_markdown(build_report(drill))

    assert "<script" not in md and "<img" not in md and "<b>" not in md
    steps_table = _table_after(md, "## Steps")
    assert all(len(row) == 9 for row in steps_table)  # the pipes in the name did not add columns
    assert steps_table[2][1].startswith("&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*\\*bold\\*\\*")
    assert "\n# not a heading" not in md.split("```", 1)[0]  # (the command stays inside its fence)


def test_every_table_row_has_as_many_cells_as_its_header() -> None:
    md = render_markdown(build_report(replace(outage_record(), overrides=[{"rule": "x|y", "reason": "a | b"}])))

    for table in _tables(md):
        assert {len(row) for row in table} == {len(table[0])}, table[0]
