"""The drill report as one JSON document (`docs/schemas/drill-report.schema.json`, schema_version 1).

`mcctl drill report RUN -o json` prints it; the Markdown and HTML renderers (`mcctl/cli/drillreport/`)
read nothing else, so the three formats cannot disagree. Instants are ISO-8601 UTC strings
(`*_at`), with their offset in seconds from the drill's start (`*offset*`, `t`) where a picture or a
comparison needs a number.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mcctl.domain.drill import metrics
from mcctl.domain.drill.record import DrillRecord, ProbeKind, ProbeSample

REPORT_SCHEMA_VERSION = 1


def iso(instant: float | None) -> str | None:
    """ISO-8601 UTC with milliseconds (probes are a second apart: whole seconds would collide)."""
    if instant is None:
        return None
    return datetime.fromtimestamp(instant, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def build_report(record: DrillRecord) -> dict[str, Any]:
    """The report document of one drill (running, interrupted or finished)."""
    start = record.started

    def offset(instant: float | None) -> float | None:
        return None if instant is None else round(instant - start, 3)

    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "drill": _drill(record),
        "steps": [_step(timing, record, offset) for timing in metrics.step_timings(record)],
        "probes": _probes(record, offset),
        "rto": _rto(metrics.rto(record), offset),
        "recovery": _recovery(metrics.recovery(record), offset),
        "rpo": _rpo(metrics.rpo(record), record),
        "rules": list(record.rules),
        "overrides": list(record.overrides),
        "before": record.before,
        "after": record.after,
        "rollback": record.rollback,
        "spec": record.spec,
    }


def _drill(record: DrillRecord) -> dict[str, Any]:
    description = record.spec.get("description")
    return {
        "operation": record.operation,
        "name": record.name,
        "description": description if isinstance(description, str) and description else None,
        "estate": record.estate,
        "simulated": record.simulated,
        "actor": record.actor,
        "host": record.host,
        "command": record.command,
        "from_region": record.from_region,
        "to_region": record.to_region,
        "started_at": iso(record.started),
        "ended_at": iso(record.ended),
        "duration_seconds": None if record.ended is None else round(record.ended - record.started, 3),
        "outcome": record.outcome.value,
        "incident_at": iso(record.incident_at),
        "incident_offset_seconds": None
        if record.incident_at is None
        else round(record.incident_at - record.started, 3),
    }


def _step(timing: metrics.StepTiming, record: DrillRecord, offset: Any) -> dict[str, Any]:
    run = next(step for step in record.steps if step.index == timing.index)
    return {
        "index": timing.index + 1,
        "name": timing.name,
        "kind": timing.kind,
        "group": timing.group,
        "status": timing.status,
        "started_at": iso(timing.started),
        "ended_at": iso(timing.ended),
        "start_offset_seconds": offset(timing.started),
        "end_offset_seconds": offset(timing.ended),
        "seconds": None if timing.seconds is None else round(timing.seconds, 3),
        "operation": run.operation,
        "detail": run.detail,
        "error": run.error,
    }


def _probes(record: DrillRecord, offset: Any) -> dict[str, Any]:
    ordered = sorted(record.probes, key=lambda s: s.at)
    counts = {kind.value: {"ok": 0, "failed": 0} for kind in ProbeKind}
    by_region: dict[str | None, dict[str, dict[str, int]]] = {}
    for sample in ordered:
        counts[sample.kind.value]["ok" if sample.ok else "failed"] += 1
        if sample.kind is ProbeKind.READBACK:
            continue  # (read-backs go to the primary after the run: not traffic of the drill)
        row = by_region.setdefault(sample.region, {"read": {"ok": 0, "failed": 0}, "write": {"ok": 0, "failed": 0}})
        row[sample.kind.value]["ok" if sample.ok else "failed"] += 1
    regions = sorted(by_region, key=lambda region: (region is None, region or ""))
    return {
        "interval_seconds": metrics.probe_interval(record),
        "counts": counts,
        "by_region": [{"region": region, **by_region[region]} for region in regions],
        "samples": [_sample(sample, offset) for sample in ordered],
    }


def _sample(sample: ProbeSample, offset: Any) -> dict[str, Any]:
    return {
        "at": iso(sample.at),
        "t": offset(sample.at),
        "kind": sample.kind.value,
        "ok": sample.ok,
        "status": sample.status,
        "seconds": sample.seconds,
        "stamp": sample.stamp,
        "region": sample.region,
        "error": sample.error,
        "write_id": sample.write_id,
    }


def _rto(measure: metrics.RtoMeasure, offset: Any) -> dict[str, Any]:
    return {
        "seconds": None if measure.seconds is None else round(measure.seconds, 3),
        "start_at": iso(measure.start),
        "end_at": iso(measure.end),
        "start_offset_seconds": offset(measure.start),
        "end_offset_seconds": offset(measure.end),
        "recovered": measure.recovered,
        "method": measure.method.value,
        "spans": [
            {
                "start_at": iso(span.start),
                "end_at": iso(span.end),
                "start_offset_seconds": offset(span.start),
                "end_offset_seconds": offset(span.end),
                "seconds": round(span.seconds, 3),
                "recovered": span.recovered,
            }
            for span in measure.spans
        ],
    }


def _recovery(measure: metrics.RecoveryMeasure, offset: Any) -> dict[str, Any]:
    return {
        "seconds": None if measure.seconds is None else round(measure.seconds, 3),
        "t0_at": iso(measure.t0),
        "recovered_at": iso(measure.recovered_at),
        "t0_offset_seconds": offset(measure.t0),
        "recovered_offset_seconds": offset(measure.recovered_at),
        "target_region": measure.target_region,
        "recovered": measure.recovered_at is not None,
        "method": measure.method.value,
    }


def _rpo(measure: metrics.RpoMeasure, record: DrillRecord) -> dict[str, Any]:
    return {
        "seconds": None if measure.seconds is None else round(measure.seconds, 3),
        "writes_lost": measure.writes_lost,
        "unverified": measure.unverified,
        "first_lost_at": iso(measure.first_lost_at),
        "last_lost_at": iso(measure.last_lost_at),
        "method": measure.method.value,
        "measured": measure.measured,
        "note": measure.note,
        "sql_failover_mode": record.sql_failover_mode,
        "replication_at_t0": measure.replication_at_t0,
    }
