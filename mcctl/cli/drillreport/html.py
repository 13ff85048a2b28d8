"""The drill report as one self-contained HTML page: inline CSS and SVG, no script, nothing fetched.

An on-call engineer opens it from a CI artifact or a mail: headline measures first, the timeline
picture (`timeline.py`), then the steps, probes, rules, overrides, before/after and the plan (in
`<details>`, which needs no JavaScript). Every string from the report goes through `html.escape`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from html import escape
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
from mcctl.cli.drillreport.timeline import render_timeline

_CSS = """
:root { --ok: #2da44e; --fail: #cf222e; --run: #bf8700; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.5 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; margin: 0 auto;
       max-width: 1040px; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; margin-top: 32px; }
.meta { color: var(--muted); margin: 0; } code { background: var(--bg); padding: 1px 4px; border-radius: 4px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 12px; color: #fff; font-size: 14px;
         vertical-align: middle; }
.outcome-passed { background: var(--ok); } .outcome-rolled_back { background: var(--run); }
.outcome-failed, .outcome-errored { background: var(--fail); }
.outcome-interrupted, .outcome-running { background: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(3, 1fr); gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; background: var(--bg); }
.card h3 { margin: 0; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.card .value { font-size: 22px; font-weight: 600; } .card p { margin: 2px 0 0; color: var(--muted); font-size: 13px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg); } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.status-failed td, tr.status-timeout td { background: #ffebe9; } .changed { font-weight: 600; }
.figure { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
svg text { font: 11px -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; fill: #1f2328; }
svg .axis, svg .tick { stroke: var(--muted); } svg .tick-label { fill: var(--muted); }
.step-bar { fill: #8c959f; } .step-bar.status-succeeded { fill: #54aeff; } .step-bar.status-failed,
.step-bar.status-timeout { fill: var(--fail); } .step-bar.status-running { fill: var(--run); }
.step-bar.status-interrupted { fill: var(--muted); }
.probe.ok { fill: var(--ok); } .probe.fail { fill: var(--fail); }
.rto { fill: rgba(207, 34, 46, .12); stroke: var(--fail); stroke-dasharray: 4 3; }
.rto-label { fill: var(--fail); font-weight: 600; }
.mark { stroke-width: 1.5; stroke-dasharray: 2 3; } .mark.t0 { stroke: #1f2328; } .mark.recovered { stroke: var(--ok); }
.legend span { margin-right: 14px; color: var(--muted); } .legend i { display: inline-block; width: 12px; height: 12px;
  vertical-align: -1px; margin-right: 4px; border-radius: 2px; }
pre { background: var(--bg); padding: 12px; border-radius: 8px; overflow-x: auto; }
@media print { .figure { overflow: visible; } }
"""


def render_html(report: dict[str, Any]) -> str:
    """The whole page; works for a running or interrupted drill (no end, no probes, no RTO)."""
    drill = report["drill"]
    title = f"Drill {drill['name']}: {drill['outcome']}"
    body = [
        _header(report),
        _cards(report),
        "<h2>Timeline</h2>",
        _legend(),
        f'<div class="figure">{render_timeline(report)}</div>',
        _steps(report),
        _probes(report),
        _rules(report),
        _state(report),
        _rollback(report),
        _plan(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(part for part in body if part)
        + "\n</body>\n</html>\n"
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], row_classes: Sequence[str] = ()) -> str:
    """Cells arrive escaped (or built from escaped parts); headers are escaped here."""
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    lines = []
    for i, row in enumerate(rows):
        cls = f' class="{escape(row_classes[i])}"' if i < len(row_classes) and row_classes[i] else ""
        lines.append(f"<tr{cls}>" + "".join(row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(lines) + "</tbody></table>"


def _td(value: object, num: bool = False) -> str:
    text = "—" if value is None or value == "" else str(value)
    return f'<td class="num">{escape(text)}</td>' if num else f"<td>{escape(text)}</td>"


def _header(report: dict[str, Any]) -> str:
    drill = report["drill"]
    emoji, words = outcome_label(drill["outcome"])
    where = "simulated estate" if drill["simulated"] else "Azure"
    desc = f'<p class="meta">{escape(drill["description"])}</p>' if drill["description"] else ""
    return (
        f"<h1>Drill {escape(drill['name'])} "
        f'<span class="badge outcome-{escape(drill["outcome"])}">{emoji} {escape(words)}</span></h1>\n'
        f'<p class="meta"><strong>{escape(route(report))}</strong> · estate <code>{escape(drill["estate"])}</code> '
        f"({where}) · operation <code>{escape(drill['operation'])}</code> · by "
        f"{escape(drill['actor'])}@{escape(drill['host'])}</p>\n"
        f'<p class="meta">{escape(drill_window(report))}</p>{desc}'
    )


def _cards(report: dict[str, Any]) -> str:
    rto, recovery, rpo = report["rto"], report["recovery"], report["rpo"]
    rpo_value = "n/a" if rpo["seconds"] is None else duration(rpo["seconds"])
    cards = [
        ("RTO", "n/a" if rto["seconds"] is None else duration(rto["seconds"]), rto_text(report), "card-rto"),
        ("Recovery", duration(recovery["seconds"]), recovery_text(report), "card-recovery"),
        ("RPO", rpo_value, rpo_text(report), "card-rpo"),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card {cls}"><h3>{escape(name)}</h3><div class="value">{escape(value)}</div>'
            f"<p>{escape(words)}</p></div>"
            for name, value, words, cls in cards
        )
        + "</div>"
    )


def _legend() -> str:
    items = [
        ("#54aeff", "step succeeded"),
        ("#cf222e", "failed step / failing probe"),
        ("#bf8700", "step running"),
        ("#2da44e", "probe ok"),
        ("rgba(207,34,46,.25)", "RTO span"),
    ]
    spans = "".join(f'<span><i style="background:{color}"></i>{escape(words)}</span>' for color, words in items)
    return f'<p class="legend">{spans}<span>dashed lines: T0 (black), recovered (green)</span></p>'


def _steps(report: dict[str, Any]) -> str:
    rows, classes = [], []
    for step in report["steps"]:
        start = (
            None
            if step["start_offset_seconds"] is None
            else f"{clock(step['started_at'])} (+{duration(step['start_offset_seconds'])})"
        )
        took = duration(step["seconds"]) if step["seconds"] is not None else ("running" if step["started_at"] else None)
        rows.append(
            [
                _td(step["index"], num=True),
                _td(step["name"]),
                _td(step["kind"]),
                _td(step["group"], num=True),
                _td(step["status"]),
                _td(start),
                _td(took, num=True),
                _td(step["operation"]),
                _td(step["error"] or step["detail"]),
            ]
        )
        classes.append(f"status-{step['status']}")
    headers = ["#", "Step", "Kind", "Group", "Status", "Started", "Took", "Child operation", "Detail"]
    return "<h2>Steps</h2>" + (_table(headers, rows, classes) if rows else "<p>No steps.</p>")


def _probes(report: dict[str, Any]) -> str:
    probes = report["probes"]
    counts = probes["counts"]
    if not any(c["ok"] + c["failed"] for c in counts.values()):
        return f"<h2>Probes</h2><p>No probe samples (interval {escape(duration(probes['interval_seconds']))}).</p>"
    kinds = _table(
        ["Kind", "OK", "Failed"],
        [[_td(kind), _td(c["ok"], True), _td(c["failed"], True)] for kind, c in counts.items()],
    )
    regions = _table(
        ["Served by", "Reads ok", "Reads failed", "Writes ok", "Writes failed"],
        [
            [
                _td(row["region"] or "no region answered"),
                _td(row["read"]["ok"], True),
                _td(row["read"]["failed"], True),
                _td(row["write"]["ok"], True),
                _td(row["write"]["failed"], True),
            ]
            for row in probes["by_region"]
        ],
    )
    spans = report["rto"]["spans"]
    span_table = ""
    if spans:
        span_table = "<h3>Failing spans</h3>" + _table(
            ["From", "To", "Length", "Recovered"],
            [
                [
                    _td(clock(s["start_at"])),
                    _td(clock(s["end_at"])),
                    _td(duration(s["seconds"]), True),
                    _td("yes" if s["recovered"] else "no"),
                ]
                for s in spans
            ],
        )
    replication = report["rpo"]["replication_at_t0"]
    rep = ""
    if replication is not None:
        rep = f"<h3>Replication at T0</h3><pre>{escape(json.dumps(replication, indent=2, sort_keys=True))}</pre>"
    every = escape(duration(probes["interval_seconds"]))
    return f"<h2>Probes</h2><p>One read and one write every {every}.</p>{kinds}{regions}{span_table}{rep}"


def _rules(report: dict[str, Any]) -> str:
    parts = ["<h2>Rules and overrides</h2>"]
    if report["rules"]:
        parts.append(
            _table(
                ["Rule", "Verdict", "Message"],
                [
                    [
                        _td(rule.get("rule", "?")),
                        _td(rule_verdict(rule)),
                        _td(rule.get("message") or rule.get("reason")),
                    ]
                    for rule in report["rules"]
                ],
            )
        )
    else:
        parts.append("<p>No rule decisions recorded.</p>")
    if report["overrides"]:
        rows = [[_td(item.get("rule", "?")), _td(item.get("reason"))] for item in report["overrides"]]
        parts.append("<h3>Overrides</h3>" + _table(["Rule", "Reason"], rows))
    else:
        parts.append("<p>No overrides.</p>")
    return "".join(parts)


def _state(report: dict[str, Any]) -> str:
    rows = []
    for label, before, after, changed in state_rows(report):
        after_cell = f'<td class="changed">{escape(after or "—")}</td>' if changed else _td(after)
        rows.append([_td(label), _td(before), after_cell])
    note = (
        "" if report["after"] is not None else "<p>The state after is not recorded yet (the drill has not ended).</p>"
    )
    return "<h2>Before / after</h2>" + _table(["", "Before", "After"], rows) + note


def _rollback(report: dict[str, Any]) -> str:
    rollback = report["rollback"]
    if not rollback:
        return ""
    healthy = {True: "healthy after", False: "UNHEALTHY after"}.get(rollback.get("healthy_after"), "health unknown")
    op = f" <code>{escape(str(rollback['operation']))}</code>" if rollback.get("operation") else ""
    return f"<h2>Rollback</h2><p>Rollback{op}: {escape(str(rollback.get('status')))}, {escape(healthy)}.</p>"


def _plan(report: dict[str, Any]) -> str:
    spec = escape(json.dumps(report["spec"], indent=2, sort_keys=True))
    return (
        f"<h2>Command and plan</h2><pre>{escape(report['drill']['command'])}</pre>"
        f"<details><summary>The plan as journaled</summary><pre>{spec}</pre></details>"
    )
