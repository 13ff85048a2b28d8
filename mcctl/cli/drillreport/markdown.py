"""The drill report as GitHub-flavoured Markdown: something to paste into the drill's PR or issue.

Headline first (outcome, RTO, recovery, RPO), then the steps with their timings, the probes per
region, the rule decisions and overrides, and the state before/after. Every value from the report is
escaped: a step name cannot break a table or inject HTML into the page GitHub renders.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from mcctl.cli.drillreport.summary import (
    clock,
    drill_window,
    duration,
    outcome_label,
    recovery_text,
    route,
    rpo_text,
    rto_text,
    rule_verdict,
    state_rows,
)


def render_markdown(report: dict[str, Any]) -> str:
    """The whole report; works for a running or interrupted drill (no end, no probes, no RTO)."""
    parts = [
        _headline(report),
        _steps(report),
        _probes(report),
        _rules(report),
        _state(report),
        _rollback(report),
        _footer(report),
    ]
    return "\n\n".join(part for part in parts if part) + "\n"


def text(value: object) -> str:
    """A value for Markdown prose or a table cell: no HTML, no table breaks, one line."""
    raw = "" if value is None else str(value)
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    raw = raw.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
    raw = raw.replace("`", "\\`").replace("[", "\\[").replace("]", "\\]")
    return " ".join(raw.split())


def code(value: object) -> str:
    """An identifier in a code span (ids, regions): backticks inside get a longer fence."""
    raw = " ".join(str(value).split()).replace("|", "\\|")
    fence = "``" if "`" in raw else "`"
    pad = " " if fence == "``" else ""
    return f"{fence}{pad}{raw}{pad}{fence}"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], align: str = "") -> str:
    """A GitHub table; `align` gives one of l/r per column (default left)."""
    marks = [("---:" if a == "r" else "---") for a in align.ljust(len(headers), "l")]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _headline(report: dict[str, Any]) -> str:
    drill = report["drill"]
    emoji, words = outcome_label(drill["outcome"])
    who = f"{text(drill['actor'])}@{text(drill['host'])}"
    where = "simulated estate" if drill["simulated"] else "Azure"
    lines = [
        f"# {emoji} Drill {text(drill['name'])}: {text(words)}",
        "",
        f"**{text(route(report))}** · estate {code(drill['estate'])} ({where}) · operation {code(drill['operation'])}"
        f" · by {who}",
        "",
        f"{text(drill_window(report))}",
    ]
    if drill["description"]:
        lines += ["", f"> {text(drill['description'])}"]
    lines += [
        "",
        table(
            ["Measure", "Value"],
            [
                ["**Outcome**", f"{emoji} {text(words)}"],
                ["**RTO** (longest failing write span)", text(rto_text(report))],
                ["**Recovery** (T0 → target serving)", text(recovery_text(report))],
                ["**RPO** (data lost)", text(rpo_text(report))],
            ],
        ),
    ]
    return "\n".join(lines)


def _steps(report: dict[str, Any]) -> str:
    steps = report["steps"]
    if not steps:
        return "## Steps\n\n_No steps._"
    rows = []
    for step in steps:
        start = "—" if step["start_offset_seconds"] is None else f"+{duration(step['start_offset_seconds'])}"
        note = step["error"] or step["detail"] or ""
        rows.append(
            [
                str(step["index"]),
                text(step["name"]),
                code(step["kind"]),
                str(step["group"]),
                _status(step["status"]),
                f"{clock(step['started_at'])} ({start})" if step["started_at"] else "—",
                duration(step["seconds"])
                if step["seconds"] is not None
                else ("running" if step["started_at"] else "—"),
                code(step["operation"]) if step["operation"] else "",
                text(note),
            ]
        )
    headers = ["#", "Step", "Kind", "Group", "Status", "Started", "Took", "Child operation", "Detail"]
    return "## Steps\n\n" + table(headers, rows, align="rllrllrll")


def _status(status: str) -> str:
    mark = {"succeeded": "✅", "failed": "❌", "timeout": "⌛", "interrupted": "⏸️", "running": "⏳"}.get(status, "")
    return f"{mark} {text(status)}".strip()


def _probes(report: dict[str, Any]) -> str:
    probes = report["probes"]
    counts = probes["counts"]
    total = sum(c["ok"] + c["failed"] for c in counts.values())
    if not total:
        return f"## Probes\n\n_No probe samples (interval {duration(probes['interval_seconds'])})._"
    rows = [
        [
            code(row["region"]) if row["region"] else "_no answer_",
            str(row["read"]["ok"]),
            str(row["read"]["failed"]),
            str(row["write"]["ok"]),
            str(row["write"]["failed"]),
        ]
        for row in probes["by_region"]
    ]
    per_region = table(["Served by", "Reads ok", "Reads failed", "Writes ok", "Writes failed"], rows, align="lrrrr")
    kinds = ", ".join(
        f"{kind} {c['ok']} ok / {c['failed']} failed" for kind, c in counts.items() if c["ok"] + c["failed"]
    )
    lines = [
        "## Probes",
        "",
        f"Every {duration(probes['interval_seconds'])}: {text(kinds)}.",
        "",
        per_region,
    ]
    spans = report["rto"]["spans"]
    if spans:
        span_rows = [
            [
                clock(span["start_at"]),
                clock(span["end_at"]),
                duration(span["seconds"]),
                "yes" if span["recovered"] else "**no**",
            ]
            for span in spans
        ]
        lines += ["", "Failing spans:", "", table(["From", "To", "Length", "Recovered"], span_rows, align="llrl")]
    rpo = report["rpo"]
    if rpo["replication_at_t0"] is not None:
        lines += ["", f"Replication at T0: {code(json.dumps(rpo['replication_at_t0'], sort_keys=True))}"]
    return "\n".join(lines)


def _rules(report: dict[str, Any]) -> str:
    lines = ["## Rules and overrides", ""]
    if report["rules"]:
        rows = [
            [
                text(f"{rule['step']}" if rule.get("step") else "drill"),
                code(rule.get("rule", "?")),
                text(rule_verdict(rule)),
                text(rule.get("message") or rule.get("reason") or ""),
            ]
            for rule in report["rules"]
        ]
        lines.append(table(["Step", "Rule", "Verdict", "Message"], rows))
    else:
        lines.append("_No rule decisions recorded._")
    lines.append("")
    if report["overrides"]:
        rows = [[code(item.get("rule", "?")), text(item.get("reason") or "")] for item in report["overrides"]]
        lines += ["**Overrides**", "", table(["Rule", "Reason"], rows)]
    else:
        lines.append("No overrides.")
    return "\n".join(lines)


def _state(report: dict[str, Any]) -> str:
    rows = []
    for label, before, after, changed in state_rows(report):
        new = "—" if after is None else text(after)
        rows.append([text(label), "—" if before is None else text(before), f"**{new}**" if changed else new])
    note = "" if report["after"] is not None else "\n\n_The state after is not recorded yet (the drill has not ended)._"
    return "## Before / after\n\n" + table(["", "Before", "After"], rows) + note


def _rollback(report: dict[str, Any]) -> str:
    rollback = report["rollback"]
    if not rollback:
        return ""
    healthy = {True: "healthy after", False: "**unhealthy after**"}.get(rollback.get("healthy_after"), "health unknown")
    op = f" {code(rollback['operation'])}" if rollback.get("operation") else ""
    return f"## Rollback\n\nRollback{op}: {text(rollback.get('status'))}, {healthy}."


def _footer(report: dict[str, Any]) -> str:
    drill = report["drill"]
    return (
        "<details><summary>Command and plan</summary>\n\n"
        f"```\n{_fence_safe(drill['command'])}\n```\n\n"
        f"```json\n{_fence_safe(json.dumps(report['spec'], indent=2, sort_keys=True))}\n```\n\n</details>"
    )


def _fence_safe(raw: str) -> str:
    # Inside a fence only a run of backticks can close it early.
    return raw.replace("```", "`\u200b``")
