"""The drill report's headline in words, shared by the Markdown and HTML renderers so both say the same.

Everything reads the report document (`mcctl.domain.drill.report.build_report`), never the record.
"""

from __future__ import annotations

from typing import Any

OUTCOME_LABELS = {
    "passed": ("✅", "passed"),
    "rolled_back": ("↩️", "rolled back (a step failed, rollback clean)"),
    "failed": ("❌", "failed"),
    "errored": ("💥", "errored"),
    "interrupted": ("⏸️", "interrupted (resumable)"),
    "running": ("⏳", "running"),
}


def outcome_label(outcome: str) -> tuple[str, str]:
    """(emoji, words) for an outcome; an unknown one is shown as it is."""
    return OUTCOME_LABELS.get(outcome, ("•", outcome))


def duration(seconds: float | None) -> str:
    """`42 s`, `3 m 05 s`, `1 h 02 m`; `—` for none (a running step)."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s" if seconds % 1 else f"{int(seconds)} s"
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours} h {minutes:02d} m" if hours else f"{minutes} m {secs:02d} s"


def clock(iso_instant: str | None) -> str:
    """`10:02:03` from an ISO instant (the report's day is in the header); `—` for none."""
    if not iso_instant:
        return "—"
    return iso_instant[11:19]


def rule_verdict(rule: dict[str, Any]) -> str:
    """passed / overridden / refused from a journaled rule decision (`RuleResult.to_dict()`)."""
    if isinstance(rule.get("verdict"), str):
        return str(rule["verdict"])
    if rule.get("passed"):
        return "passed"
    return "overridden" if rule.get("overridden") else "refused"


def rto_text(report: dict[str, Any]) -> str:
    rto = report["rto"]
    if rto["seconds"] is None:
        return "not measured (no probes)"
    kind = "writes" if rto["method"] == "write_probes" else "reads"
    if rto["seconds"] == 0:
        return f"0 s (no failing {kind})"
    text = f"{duration(rto['seconds'])} ({kind} failing {clock(rto['start_at'])} → {clock(rto['end_at'])})"
    return text if rto["recovered"] else text + ", still failing at the last sample"


def recovery_text(report: dict[str, Any]) -> str:
    recovery = report["recovery"]
    if recovery["method"] == "no_incident":
        return "not measured (no fault or change started)"
    where = f"on {recovery['target_region']}" if recovery["target_region"] else "on any region"
    if not recovery["recovered"]:
        return f"not recovered {where} (T0 {clock(recovery['t0_at'])})"
    return f"{duration(recovery['seconds'])} to reads and writes {where} (T0 {clock(recovery['t0_at'])})"


def rpo_text(report: dict[str, Any]) -> str:
    rpo = report["rpo"]
    if rpo["method"] == "readback":
        if not rpo["writes_lost"]:
            return f"0 s, no acknowledged write lost (measured: {rpo['note']})"
        lost = rpo["writes_lost"]
        return f"{duration(rpo['seconds'])}, {lost} acknowledged write{'s' if lost != 1 else ''} lost (measured)"
    if rpo["seconds"] is None:
        return f"not measurable — {rpo['note']}"
    return f"0 s — {rpo['note']}"


def day_clock(iso_instant: str) -> str:
    """`2025-01-31 10:02:03 UTC` from an ISO instant."""
    return f"{iso_instant[:10]} {clock(iso_instant)} UTC"


def drill_window(report: dict[str, Any]) -> str:
    drill = report["drill"]
    if drill["ended_at"] is None:
        return f"started {day_clock(drill['started_at'])}, not ended"
    return f"{day_clock(drill['started_at'])} → {clock(drill['ended_at'])}, took {duration(drill['duration_seconds'])}"


def route(report: dict[str, Any]) -> str:
    drill = report["drill"]
    return f"{drill['from_region'] or '?'} → {drill['to_region'] or '?'}"


def state_rows(report: dict[str, Any]) -> list[tuple[str, str | None, str | None, bool]]:
    """(what, before, after, changed) for the SQL primary, each region's status and share, each stamp."""
    before: dict[str, Any] = report["before"] or {}
    after: dict[str, Any] | None = report["after"]
    states = (before, after or {})
    rows = [_row("Estate status", after, *(s.get("status") for s in states))] if "status" in before else []
    rows.append(_row("SQL primary", after, *((s.get("sql") or {}).get("primary_region") for s in states)))
    for region in sorted(set(before.get("regions") or {}) | set(states[1].get("regions") or {})):
        rows.append(_row(f"{region} status", after, *(_region(s, region, "status") for s in states)))
        rows.append(_row(f"{region} traffic", after, *(_share(_region(s, region, "share")) for s in states)))
    for stamp in sorted(set(before.get("stamps") or {}) | set(states[1].get("stamps") or {})):
        rows.append(_row(f"stamp {stamp}", after, *(_compact((s.get("stamps") or {}).get(stamp)) for s in states)))
    return rows


def _row(
    label: str, after_state: dict[str, Any] | None, old: Any, new: Any
) -> tuple[str, str | None, str | None, bool]:
    old_text = None if old is None else str(old)
    new_text = None if new is None or after_state is None else str(new)
    return label, old_text, new_text, after_state is not None and old_text != new_text


def _region(state: dict[str, Any], region: str, key: str) -> Any:
    return ((state.get("regions") or {}).get(region) or {}).get(key)


def _share(value: Any) -> Any:
    return f"{value:.0%}" if isinstance(value, int | float) and not isinstance(value, bool) else value


def _compact(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return ", ".join(f"{key} {val}" for key, val in value.items())
    return str(value)
