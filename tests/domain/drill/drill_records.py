"""Synthetic drill records for the metrics, report and renderer tests (no engine, no simulator)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from mcctl.domain.drill.record import DrillOutcome, DrillRecord, ProbeKind, ProbeSample, StepRun

T = 1_700_000_000.0  # the drill's start


def sample(
    t: float, kind: ProbeKind, ok: bool, region: str | None = "northeurope", write_id: str | None = None, **kw: Any
) -> ProbeSample:
    return ProbeSample(
        at=T + t,
        kind=kind,
        ok=ok,
        status=kw.pop("status", 200 if ok else 503),
        seconds=kw.pop("seconds", 0.05 if ok else None),
        stamp=None if region is None else f"{region[:3]}-1",
        region=region,
        write_id=write_id,
        **kw,
    )


def writes(results: Iterable[bool], start: float = 0.0, region: Callable[[float], str | None] | None = None) -> list:
    """One write per second from `start`; acknowledged ones get ids w<second>."""
    out = []
    for i, ok in enumerate(results):
        t = start + i
        where = region(t) if region else "northeurope"
        out.append(sample(t, ProbeKind.WRITE, ok, where if ok else None, f"w{int(t)}" if ok else None))
    return out


def reads(results: Iterable[bool], start: float = 0.0, region: Callable[[float], str | None] | None = None) -> list:
    out = []
    for i, ok in enumerate(results):
        t = start + i
        out.append(sample(t, ProbeKind.READ, ok, (region(t) if region else "northeurope") if ok else None))
    return out


def step(
    index: int, name: str, kind: str, start: float | None, end: float | None, status: str = "succeeded", **kw: Any
):
    return StepRun(
        index=index,
        name=name,
        kind=kind,
        group=kw.pop("group", index),
        status=status,
        started=None if start is None else T + start,
        ended=None if end is None else T + end,
        operation=kw.pop("operation", None),
        detail=kw.pop("detail", None),
        error=kw.pop("error", None),
    )


STEPS = (
    step(0, "pre-check", "check", 0, 2, detail="northeurope healthy"),
    step(1, "go?", "approval", 2, 3),
    step(2, "outage westeurope", "fault", 3, 4),
    step(3, "evacuate westeurope", "evacuate", 4, 40, operation="op-child-1"),
    step(4, "wait northeurope healthy", "wait", 40, 60),
    step(5, "hold", "hold", 60, 90),
)

# As the engine journals a rule decision (RuleResult.to_dict()).
RULE_PASSED = {
    "rule": "capacity",
    "passed": True,
    "overridden": False,
    "reason": None,
    "message": "northeurope can carry 100%",
    "numbers": {"share": 1.0},
}
RULE_OVERRIDDEN = {
    **RULE_PASSED,
    "rule": "sql-lag",
    "passed": False,
    "overridden": True,
    "reason": "drill",
    "message": "lag 5 s",
}

STATE_BEFORE = {
    "sql": {"primary_region": "westeurope"},
    "regions": {"westeurope": {"status": "healthy", "share": 0.5}, "northeurope": {"status": "healthy", "share": 0.5}},
    "stamps": {"weu-1": {"status": "healthy", "capacity": 2}},
}
STATE_AFTER = {
    "sql": {"primary_region": "northeurope"},
    "regions": {
        "westeurope": {"status": "unhealthy", "share": 0.0},
        "northeurope": {"status": "healthy", "share": 1.0},
    },
    "stamps": {"weu-1": {"status": "unhealthy", "capacity": 2}},
}


def record(probes: Iterable[ProbeSample] = (), **changes: Any) -> DrillRecord:
    base = DrillRecord(
        operation="op-drill-1",
        name="westeurope-to-northeurope",
        estate="contoso",
        simulated=True,
        actor="alice",
        host="laptop",
        command="mcctl --sim drill run drill.yaml --yes --approve all",
        started=T,
        ended=T + 90,
        outcome=DrillOutcome.PASSED,
        from_region="westeurope",
        to_region="northeurope",
        steps=STEPS,
        probes=tuple(probes),
        rules=[RULE_PASSED],
        overrides=[],
        before=STATE_BEFORE,
        after=STATE_AFTER,
        incident_at=T + 3,
        sql_failover_mode="forced",
        replication_at_t0={"state": "CATCH_UP", "lag_seconds": 5},
        rollback=None,
        spec={"drill": 1, "name": "westeurope-to-northeurope", "probes": {"interval": 1.0}, "steps": []},
    )
    return replace(base, **changes)


def outage_record(**changes: Any) -> DrillRecord:
    """The standard story: westeurope serves until the outage at +3 s; reads fail 4..19, writes 4..29."""

    def region(t: float) -> str:
        return "westeurope" if t < 4 else "northeurope"

    written = writes([t < 4 or t >= 30 for t in range(91)], region=region)
    probes = [*reads([t < 4 or t >= 20 for t in range(91)], region=region), *written, *found_again(written, 100)]
    return record(probes, **changes)


def found_again(written: list[ProbeSample], t: float) -> list[ProbeSample]:
    """The read-backs after the drill of every acknowledged write, each found (a drill that ended)."""
    return [sample(t, ProbeKind.READBACK, True, write_id=w.write_id) for w in written if w.ok and w.write_id]
