"""The drill's timeline as inline SVG: steps as bars on a time axis, probe strips underneath, RTO marked.

Rows, top to bottom: the time axis (`id="axis"`, its `x1`..`x2` spanning 0..`data-seconds` of the
drill), one bar per step (`class="step-bar status-<status>"`), then one strip per serving region for
the read probes (`class="probe-strip"`, `data-region`), one for reads nobody answered, and one for
the write probes (`data-kind="write"`). Each strip's samples are drawn green/red, consecutive samples
with the same result merged into one rect (`data-samples` says how many). The RTO span is
`id="rto"`, T0 `id="t0"`, recovery `id="recovered"`. Native `<title>` tooltips replace any script.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from mcctl.cli.drillreport.summary import clock, duration

WIDTH = 980
LABEL_WIDTH = 190
RIGHT_PAD = 24
AXIS_Y = 28
ROW = 20
BAR = 14
STRIP = 14
GAP_BEFORE_STRIPS = 16
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800)


@dataclass(frozen=True)
class Scale:
    """Seconds from the drill's start → x pixels."""

    x0: float
    x1: float
    seconds: float

    def x(self, t: float) -> float:
        t = min(max(t, 0.0), self.seconds)
        return round(self.x0 + t / self.seconds * (self.x1 - self.x0), 2)


def span_seconds(report: dict[str, Any]) -> float:
    """The axis length: the drill's duration, or the latest thing that happened while it runs."""
    ends = [report["drill"]["duration_seconds"] or 0.0]
    for step in report["steps"]:
        ends += [t for t in (step["start_offset_seconds"], step["end_offset_seconds"]) if t is not None]
    ends += [s["t"] for s in report["probes"]["samples"] if s["kind"] != "readback"]
    return max(max(ends), 1.0)


def render_timeline(report: dict[str, Any]) -> str:
    scale = Scale(LABEL_WIDTH, WIDTH - RIGHT_PAD, span_seconds(report))
    parts: list[str] = []
    y = AXIS_Y + 10
    for step in report["steps"]:
        parts.append(_step_bar(step, y, scale))
        y += ROW
    y += GAP_BEFORE_STRIPS
    strips_top = y
    interval = report["probes"]["interval_seconds"]
    for label, attrs, samples in _strips(report):
        parts.append(_strip(label, attrs, samples, y, scale, interval))
        y += ROW
    bottom = max(y, strips_top + ROW)
    parts.append(_marks(report, scale, AXIS_Y, bottom))
    height = bottom + 8
    head = (
        f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-label="Drill timeline: steps and probe results over time">'
    )
    return "\n".join([head, _axis(scale), *parts, "</svg>"])


def _axis(scale: Scale) -> str:
    step = next((s for s in _TICK_STEPS if scale.seconds / s <= 10), _TICK_STEPS[-1])
    ticks = [
        f'<line class="tick" x1="{scale.x(t)}" x2="{scale.x(t)}" y1="{AXIS_Y - 4}" y2="{AXIS_Y}"/>'
        f'<text class="tick-label" x="{scale.x(t)}" y="{AXIS_Y - 8}" text-anchor="middle">{_tick(t)}</text>'
        for t in range(0, int(scale.seconds) + 1, step)
    ]
    axis = (
        f'<line id="axis" class="axis" x1="{scale.x0}" x2="{scale.x1}" y1="{AXIS_Y}" y2="{AXIS_Y}" '
        f'data-seconds="{scale.seconds}"/>'
    )
    return "\n".join([axis, *ticks])


def _tick(t: int) -> str:
    if t < 60:
        return f"{t}s"
    hours, rest = divmod(t, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}" if minutes else f"{hours}h"
    return f"{minutes}m{secs:02d}" if secs else f"{minutes}m"


def _label(text: str, y: float) -> str:
    short = text if len(text) <= 28 else text[:27] + "…"
    return f'<text class="row-label" x="{LABEL_WIDTH - 8}" y="{y + BAR - 3}" text-anchor="end">{escape(short)}</text>'


def _step_bar(step: dict[str, Any], y: float, scale: Scale) -> str:
    label = _label(f"{step['index']}. {step['name']}", y)
    start = step["start_offset_seconds"]
    if start is None:
        return label  # (never ran: a row without a bar keeps the plan's order visible)
    end = step["end_offset_seconds"] if step["end_offset_seconds"] is not None else scale.seconds
    x_end = scale.x(end)
    x = min(scale.x(start), x_end - 2.0)  # (a bar just started is still 2 px wide, inside the axis)
    tip = f"{step['index']}. {step['name']} ({step['kind']}): {step['status']}, {duration(step['seconds'])}"
    if step["error"]:
        tip += f" — {step['error']}"
    return (
        f'{label}<rect class="step-bar status-{escape(step["status"])}" data-index="{step["index"]}" '
        f'x="{x}" y="{y}" width="{max(x_end - x, 2.0):.2f}" height="{BAR}" rx="3">'
        f"<title>{escape(tip)}</title></rect>"
    )


def _strips(report: dict[str, Any]) -> list[tuple[str, dict[str, str], list[dict[str, Any]]]]:
    samples = report["probes"]["samples"]
    reads = [s for s in samples if s["kind"] == "read"]
    writes = [s for s in samples if s["kind"] == "write"]
    strips = []
    regions = [row["region"] for row in report["probes"]["by_region"] if row["region"] is not None]
    for region in regions:
        served = [s for s in reads if s["region"] == region]
        if served:
            strips.append((f"reads · {region}", {"data-kind": "read", "data-region": region}, served))
    unanswered = [s for s in reads if s["region"] is None]
    if unanswered:
        strips.append(("reads · no region answered", {"data-kind": "read", "data-region": ""}, unanswered))
    if writes:
        strips.append(("writes", {"data-kind": "write"}, writes))
    return strips


def _strip(
    label: str, attrs: dict[str, str], samples: list[dict[str, Any]], y: float, scale: Scale, interval: float
) -> str:
    attr_text = "".join(f' {name}="{escape(value)}"' for name, value in attrs.items())
    rects = [
        f'<rect class="probe {"ok" if ok else "fail"}" data-samples="{len(run)}" x="{scale.x(start)}" y="{y}" '
        f'width="{max(scale.x(end) - scale.x(start), 1.0):.2f}" height="{STRIP}">'
        f"<title>{escape(_run_tip(label, ok, run))}</title></rect>"
        for ok, start, end, run in _runs(samples, _spacing(samples, interval))
    ]
    return f'<g class="probe-strip"{attr_text}>{_label(label, y)}' + "".join(rects) + "</g>"


def _spacing(samples: list[dict[str, Any]], interval: float) -> float:
    """The strip's usual time between samples: a region sharing traffic round-robin sees one in three."""
    gaps = sorted(b["t"] - a["t"] for a, b in zip(samples, samples[1:], strict=False))
    return max(interval, gaps[len(gaps) // 2]) if gaps else interval


def _runs(samples: list[dict[str, Any]], interval: float) -> list[tuple[bool, float, float, list[dict[str, Any]]]]:
    """Consecutive samples with one result, each lasting until the next (a gap over 1.5 intervals breaks it)."""
    runs: list[tuple[bool, float, float, list[dict[str, Any]]]] = []
    for sample in samples:
        t, ok = sample["t"], sample["ok"]
        if runs:
            run_ok, start, end, run = runs[-1]
            if run_ok == ok and t - run[-1]["t"] <= 1.5 * interval:
                runs[-1] = (run_ok, start, t + interval, [*run, sample])
                continue
            if t - run[-1]["t"] <= 1.5 * interval:
                runs[-1] = (run_ok, start, t, run)  # (the previous run lasts until this sample)
        runs.append((ok, t, t + interval, [sample]))
    return runs


def _run_tip(label: str, ok: bool, run: list[dict[str, Any]]) -> str:
    first, last = run[0], run[-1]
    result = "ok" if ok else "failed"
    errors = sorted({str(s["error"] or s["status"]) for s in run if not s["ok"]})
    why = f" ({', '.join(errors)})" if errors else ""
    return f"{label}: {len(run)} {result}{why}, {clock(first['at'])}–{clock(last['at'])}"


def _marks(report: dict[str, Any], scale: Scale, top: float, bottom: float) -> str:
    marks = []
    rto = report["rto"]
    if rto["start_offset_seconds"] is not None and rto["end_offset_seconds"] is not None:
        x, x_end = scale.x(rto["start_offset_seconds"]), scale.x(rto["end_offset_seconds"])
        tip = f"RTO {duration(rto['seconds'])}: {clock(rto['start_at'])} → {clock(rto['end_at'])}"
        marks.append(
            f'<rect id="rto" class="rto" x="{x}" y="{top}" width="{max(x_end - x, 1.0):.2f}" height="{bottom - top}">'
            f"<title>{escape(tip)}</title></rect>"
            f'<text class="rto-label" x="{x + 3}" y="{bottom - 2}">RTO {escape(duration(rto["seconds"]))}</text>'
        )
    recovery = report["recovery"]
    for mark_id, t, words in (
        ("t0", recovery["t0_offset_seconds"], "T0"),
        ("recovered", recovery["recovered_offset_seconds"], "recovered"),
    ):
        if t is not None:
            x = scale.x(t)
            marks.append(
                f'<line id="{mark_id}" class="mark {mark_id}" x1="{x}" x2="{x}" y1="{top}" y2="{bottom}">'
                f"<title>{words} at +{escape(duration(t))}</title></line>"
            )
    return "\n".join(marks)
