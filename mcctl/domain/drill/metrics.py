"""What a drill measured, computed from its record only (pure; every time is epoch seconds).

The definitions, so that a team comparing drills compares the same thing:

- **RTO** (`rto`): the longest span of failing write probes — from the first failing write of a run
  of failures to the next succeeding write. A run that never ends in a success lasts to the last
  write sample and is flagged `recovered=False` (the drill ended, or is still running, with writes
  failing). No failing write: 0. A drill probed without writes measures the read probes instead
  (`method` says which); no probes at all: unmeasured (`seconds` None).
- **Recovery** (`recovery`): from T0 (`DrillRecord.incident_at`: the start of the first fault step,
  else of the first mutating step) to the first instant from which reads AND writes succeed away
  from the evacuated region with no failure after it — until the failback begins (the first
  reinstate or restore step started after T0) or the probes end — and that stretch has a read and a
  write served by the target region (`to_region`). A sample is "good" when it succeeded and was
  served by the target, or by any region but the evacuated one (`from_region`): an estate of three
  regions spreads the evacuated share over both others. "No failure after it" matters on an
  active-active estate: the target already serves at T0, and the outage worth measuring (e.g.
  writes refused while SQL fails over) comes later. Still failing, or still served by the evacuated
  region, at the window's end: not recovered. Without a target region any region but the evacuated
  one counts; without write probes, reads alone.
- **RPO** (`rpo`): on the simulator, measured — the acknowledged writes whose read-back after the run
  came back missing (404): how many, and the span of time they cover: last lost ack - first lost
  ack + one probe interval (each probe stands for the interval of writes before it). A read-back
  that could not answer (neither found nor 404) counts as unverified, not lost. On Azure, ARM cannot
  see individual rows: a planned failover loses nothing by design (0), a forced one is not
  measurable (None, with the replication state at T0 for the reader to judge), and a drill without
  a SQL failover has nothing to lose (0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from mcctl.domain.drill.record import DrillRecord, ProbeKind, ProbeSample

DEFAULT_PROBE_INTERVAL = 1.0
NOT_FOUND = 404
# Steps that send traffic back to the evacuated region: recovery on the target is judged before them.
FAILBACK_KINDS = frozenset({"reinstate", "restore"})


class RtoMethod(StrEnum):
    WRITE_PROBES = "write_probes"
    READ_PROBES = "read_probes"  # the drill ran without write probes
    NO_PROBES = "no_probes"


class RecoveryMethod(StrEnum):
    TARGET_REGION = "target_region"  # read and write served by to_region
    ANY_REGION = "any_region"  # the drill names no target region
    NO_INCIDENT = "no_incident"  # no fault or mutating step started: nothing to recover from


class RpoMethod(StrEnum):
    READBACK = "readback"  # simulator: acknowledged writes looked up again
    PLANNED_BY_DESIGN = "planned_by_design"  # Azure, planned failover: synchronised before the switch
    NOT_MEASURABLE = "not_measurable_via_arm"  # Azure, forced failover
    NO_FAILOVER = "no_failover"
    NO_WRITE_PROBES = "no_write_probes"  # simulator, but nothing was written to look up


@dataclass(frozen=True)
class Span:
    """One run of failing probes: [start, end], end being the next success (or the last sample)."""

    start: float
    end: float
    recovered: bool  # False: no success followed

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class RtoMeasure:
    seconds: float | None  # None: not measured (no probes)
    start: float | None  # the longest span's first failing sample
    end: float | None  # its next success, or the last sample
    recovered: bool  # the longest span ended in a success (True when nothing failed)
    method: RtoMethod
    spans: tuple[Span, ...]  # every failing run, in time order


@dataclass(frozen=True)
class RecoveryMeasure:
    seconds: float | None  # T0 -> recovered_at; None when not recovered or no incident
    t0: float | None
    recovered_at: float | None
    target_region: str | None
    method: RecoveryMethod


@dataclass(frozen=True)
class RpoMeasure:
    seconds: float | None  # None: not measurable
    writes_lost: int | None  # None: not measurable
    method: RpoMethod
    measured: bool  # True only when counted from read-backs
    note: str  # one line a reader can quote
    replication_at_t0: dict[str, object] | None
    unverified: int = 0  # read-backs that neither found nor missed the row
    first_lost_at: float | None = None
    last_lost_at: float | None = None


@dataclass(frozen=True)
class StepTiming:
    index: int
    name: str
    kind: str
    group: int
    status: str
    started: float | None
    ended: float | None
    seconds: float | None  # None until the step ended (or when it never started)
    offset: float | None  # started - drill start


def probe_interval(record: DrillRecord) -> float:
    """The probe interval the plan asked for (the journaled spec's `probes.interval`), else 1 s."""
    probes = record.spec.get("probes")
    interval = probes.get("interval") if isinstance(probes, dict) else None
    if isinstance(interval, int | float) and not isinstance(interval, bool) and interval > 0:
        return float(interval)
    return DEFAULT_PROBE_INTERVAL


def samples(record: DrillRecord, kind: ProbeKind) -> list[ProbeSample]:
    """The record's samples of one kind, in time order."""
    return sorted((s for s in record.probes if s.kind is kind), key=lambda s: s.at)


def failing_spans(ordered: Sequence[ProbeSample]) -> tuple[Span, ...]:
    """Each run of failing samples, from its first failure to the next success (or the last sample)."""
    spans: list[Span] = []
    start: float | None = None
    for sample in ordered:
        if not sample.ok and start is None:
            start = sample.at
        elif sample.ok and start is not None:
            spans.append(Span(start, sample.at, recovered=True))
            start = None
    if start is not None:
        spans.append(Span(start, ordered[-1].at, recovered=False))
    return tuple(spans)


def rto(record: DrillRecord) -> RtoMeasure:
    """The longest span of failing write probes (read probes when the drill wrote nothing)."""
    writes = samples(record, ProbeKind.WRITE)
    reads = samples(record, ProbeKind.READ)
    if writes:
        method, ordered = RtoMethod.WRITE_PROBES, writes
    elif reads:
        method, ordered = RtoMethod.READ_PROBES, reads
    else:
        return RtoMeasure(None, None, None, recovered=True, method=RtoMethod.NO_PROBES, spans=())
    spans = failing_spans(ordered)
    if not spans:
        return RtoMeasure(0.0, None, None, recovered=True, method=method, spans=())
    longest = max(spans, key=lambda span: span.seconds)  # (max keeps the first of equals)
    return RtoMeasure(longest.seconds, longest.start, longest.end, longest.recovered, method, spans)


def recovery(record: DrillRecord) -> RecoveryMeasure:
    """T0 -> the instant from which reads and writes succeed off the evacuated region, stably until failback."""
    t0, target, source = record.incident_at, record.to_region, record.from_region
    method = RecoveryMethod.TARGET_REGION if target else RecoveryMethod.ANY_REGION
    if t0 is None:
        return RecoveryMeasure(None, None, None, target, RecoveryMethod.NO_INCIDENT)
    until = failback_start(record)
    window = sorted(
        (s for s in record.probes if t0 <= s.at < until and s.kind is not ProbeKind.READBACK), key=lambda s: s.at
    )
    needed = {s.kind for s in window}

    def good(sample: ProbeSample) -> bool:
        if not sample.ok:
            return False
        if source is not None:
            return sample.region != source
        return target is None or sample.region == target

    latest: dict[ProbeKind, bool] = {}
    since: float | None = None  # when the current unbroken good stretch began
    on_target: set[ProbeKind] = set()  # kinds the target served in that stretch
    for sample in window:
        latest[sample.kind] = ok = good(sample)
        if not ok:
            since, on_target = None, set()
            continue
        if target is None or sample.region == target:
            on_target.add(sample.kind)
        if since is None and latest.keys() == needed and all(latest.values()):
            since = sample.at
    if since is None or on_target != needed:
        return RecoveryMeasure(None, t0, None, target, method)
    return RecoveryMeasure(since - t0, t0, since, target, method)


def failback_start(record: DrillRecord) -> float:
    """When traffic starts going back (the first reinstate/restore step after T0); infinity without one."""
    t0 = record.incident_at if record.incident_at is not None else record.started
    starts = [s.started for s in record.steps if s.kind in FAILBACK_KINDS and s.started is not None and s.started > t0]
    return min(starts, default=math.inf)


def recovery_seconds(record: DrillRecord) -> float | None:
    return recovery(record).seconds


def rpo(record: DrillRecord) -> RpoMeasure:
    """Acknowledged writes lost (simulator), or what ARM lets us say about the failover (Azure)."""
    replication = record.replication_at_t0
    if not record.simulated:
        mode = record.sql_failover_mode
        if mode == "forced":
            return RpoMeasure(
                None,
                None,
                RpoMethod.NOT_MEASURABLE,
                measured=False,
                note="forced failover: data loss is not measurable via ARM; see the replication state at T0",
                replication_at_t0=replication,
            )
        if mode == "planned":
            note = "planned failover: the secondary is synchronised before the switch, no data loss by design"
            return RpoMeasure(0.0, 0, RpoMethod.PLANNED_BY_DESIGN, False, note, replication)
        return RpoMeasure(0.0, 0, RpoMethod.NO_FAILOVER, False, "no SQL failover: no data loss possible", replication)
    acked = {s.write_id for s in samples(record, ProbeKind.WRITE) if s.ok and s.write_id}
    if not acked:
        return RpoMeasure(
            None, None, RpoMethod.NO_WRITE_PROBES, False, "no acknowledged write probes to look up", replication
        )
    lost_ids, unverified = _readback_verdicts(samples(record, ProbeKind.READBACK), acked)
    ack_at = {s.write_id: s.at for s in samples(record, ProbeKind.WRITE) if s.ok and s.write_id in lost_ids}
    if not ack_at and unverified == len(acked):
        note = f"not measured: none of the {len(acked)} acknowledged writes was read back (the drill has not ended)"
        return RpoMeasure(None, None, RpoMethod.READBACK, False, note, replication, unverified=unverified)
    if not ack_at:
        note = f"all {len(acked)} acknowledged writes found after the drill"
        if unverified:
            note += f" ({unverified} could not be looked up)"
        return RpoMeasure(0.0, 0, RpoMethod.READBACK, True, note, replication, unverified=unverified)
    first, last = min(ack_at.values()), max(ack_at.values())
    seconds = last - first + probe_interval(record)
    note = f"{len(ack_at)} of {len(acked)} acknowledged writes missing after the drill"
    return RpoMeasure(seconds, len(ack_at), RpoMethod.READBACK, True, note, replication, unverified, first, last)


def _readback_verdicts(readbacks: Iterable[ProbeSample], acked: set[str]) -> tuple[set[str], int]:
    """(ids found missing, count of acknowledged writes that could not be told: a read-back without an
    answer, or none at all); the latest read-back of an id wins."""
    verdict: dict[str, bool | None] = {}
    for sample in readbacks:
        if sample.write_id is not None and sample.write_id in acked:
            verdict[sample.write_id] = True if sample.ok else (False if sample.status == NOT_FOUND else None)
    lost = {write_id for write_id, found in verdict.items() if found is False}
    # an acknowledged write never read back (a drill cut short) is unverified too, never "found"
    return lost, sum(1 for found in verdict.values() if found is None) + len(acked - verdict.keys())


def step_timings(record: DrillRecord) -> tuple[StepTiming, ...]:
    """Each step's start offset from the drill's start and its duration (None while unfinished)."""
    timings = []
    for step in sorted(record.steps, key=lambda s: s.index):
        seconds = step.ended - step.started if step.started is not None and step.ended is not None else None
        offset = step.started - record.started if step.started is not None else None
        timings.append(
            StepTiming(
                step.index, step.name, step.kind, step.group, step.status, step.started, step.ended, seconds, offset
            )
        )
    return tuple(timings)
