"""RTO, recovery, RPO and step timings measured from synthetic drill records (the definitions in metrics.py)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mcctl.domain.drill import metrics
from mcctl.domain.drill.metrics import RecoveryMethod, RpoMethod, RtoMethod
from mcctl.domain.drill.record import DrillOutcome, DrillRecord, ProbeKind, ProbeSample
from tests.domain.drill.drill_records import T, outage_record, reads, record, sample, step, writes

# -- RTO ------------------------------------------------------------------------------------------


def test_no_failing_write_is_an_rto_of_zero() -> None:
    measure = metrics.rto(record([*writes([True] * 10), *reads([True, False, True])]))

    assert (measure.seconds, measure.start, measure.end) == (0.0, None, None)
    assert measure.recovered and measure.method is RtoMethod.WRITE_PROBES and measure.spans == ()


def test_one_failing_span_runs_from_the_first_failure_to_the_next_success() -> None:
    measure = metrics.rto(outage_record())

    assert measure.seconds == 26.0  # writes fail at +4 .. +29, the next success is at +30
    assert (measure.start, measure.end) == (T + 4, T + 30)
    assert measure.recovered
    assert len(measure.spans) == 1


def test_of_two_failing_spans_the_longest_is_the_rto() -> None:
    results = [True, False, False, True, True, False, False, False, False, False, True, False, True]
    measure = metrics.rto(record(writes(results)))

    assert [span.seconds for span in measure.spans] == [2.0, 5.0, 1.0]
    assert (measure.seconds, measure.start, measure.end) == (5.0, T + 5, T + 10)


def test_equal_spans_report_the_first() -> None:
    measure = metrics.rto(record(writes([False, True, False, True])))

    assert (measure.seconds, measure.start) == (1.0, T + 0)


def test_failures_to_the_end_span_to_the_last_sample_and_are_not_recovered() -> None:
    measure = metrics.rto(record(writes([True, True, False, False, False, False])))

    assert (measure.seconds, measure.start, measure.end) == (3.0, T + 2, T + 5)
    assert measure.recovered is False


def test_a_short_unrecovered_tail_does_not_hide_a_longer_recovered_span() -> None:
    measure = metrics.rto(record(writes([False] * 6 + [True] + [False] * 2)))

    assert (measure.seconds, measure.recovered) == (6.0, True)
    assert [span.recovered for span in measure.spans] == [True, False]


def test_samples_out_of_order_are_measured_in_time_order() -> None:
    probes = writes([True, False, False, True])
    measure = metrics.rto(record(reversed(probes)))

    assert (measure.seconds, measure.start, measure.end) == (2.0, T + 1, T + 3)


def test_without_write_probes_the_read_probes_are_measured() -> None:
    measure = metrics.rto(record(reads([True, False, False, False, True])))

    assert (measure.method, measure.seconds) == (RtoMethod.READ_PROBES, 3.0)


def test_without_probes_the_rto_is_not_measured() -> None:
    measure = metrics.rto(record())

    assert (measure.method, measure.seconds, measure.spans) == (RtoMethod.NO_PROBES, None, ())


# -- recovery -------------------------------------------------------------------------------------


def test_recovery_is_t0_to_read_and_write_both_served_by_the_target() -> None:
    measure = metrics.recovery(outage_record())

    # T0 is the fault at +3; reads succeed on northeurope from +20, writes from +30.
    assert (measure.t0, measure.recovered_at, measure.seconds) == (T + 3, T + 30, 27.0)
    assert measure.method is RecoveryMethod.TARGET_REGION
    assert metrics.recovery_seconds(outage_record()) == 27.0


def test_success_served_by_another_region_is_not_recovery() -> None:
    probes = [*reads([True] * 10, region=lambda t: "westeurope"), *writes([True] * 10, region=lambda t: "westeurope")]
    measure = metrics.recovery(record(probes))

    assert (measure.recovered_at, measure.seconds) == (None, None)


def test_a_relapse_after_a_first_success_moves_recovery_later() -> None:
    read_ok = [t >= 20 and not 25 <= t < 32 for t in range(40)]
    probes = [*reads(read_ok), *writes([t >= 30 for t in range(40)])]
    measure = metrics.recovery(record(probes))

    assert measure.recovered_at == T + 32  # not +30: the reads were failing again then


def test_on_active_active_recovery_waits_for_the_later_outage_to_end() -> None:
    # The target serves from before T0 (+3); writes are refused +10 .. +39 while SQL fails over.
    probes = [*reads([True] * 60), *writes([not 10 <= t < 40 for t in range(60)])]
    measure = metrics.recovery(record(probes))

    assert (measure.recovered_at, measure.seconds) == (T + 40, 37.0)  # not +3, when both first succeeded


def test_traffic_going_back_after_the_failback_starts_does_not_undo_recovery() -> None:
    def region(t: float) -> str:
        return "northeurope" if t < 70 else "westeurope"

    failback = step(6, "reinstate westeurope", "reinstate", 70, 85)
    probes = [
        *reads([True] * 90, region=region),
        *writes([not 10 <= t < 20 and t != 75 for t in range(90)], region=region),
    ]
    measure = metrics.recovery(record(probes, steps=(*record().steps, failback)))

    assert measure.recovered_at == T + 20


def test_still_failing_at_the_end_is_not_recovered() -> None:
    probes = [*reads([True] * 10), *writes([t < 5 for t in range(10)])]
    measure = metrics.recovery(record(probes))

    assert (measure.recovered_at, measure.seconds, measure.t0) == (None, None, T + 3)


def test_with_three_regions_the_evacuated_share_may_go_to_either_other_region() -> None:
    def region(t: float) -> str:
        return "westeurope" if t < 25 else ("eastus2" if t % 2 else "northeurope")

    probes = [*reads([True] * 40, region=region), *writes([True] * 40, region=region)]
    measure = metrics.recovery(record(probes))

    assert measure.recovered_at == T + 25  # off westeurope, the target among those serving


def test_the_target_must_have_served_a_read_and_a_write() -> None:
    def region(t: float) -> str:
        return "westeurope" if t < 25 else "eastus2"

    probes = [*reads([True] * 40, region=region), *writes([True] * 40, region=region)]

    assert metrics.recovery(record(probes)).recovered_at is None


def test_without_a_target_region_any_serving_region_counts() -> None:
    probes = [*reads([t >= 5 for t in range(10)], region=lambda t: "eastus"), *writes([t >= 6 for t in range(10)])]
    measure = metrics.recovery(record(probes, to_region=None))

    assert (measure.method, measure.recovered_at) == (RecoveryMethod.ANY_REGION, T + 6)


def test_without_an_incident_there_is_nothing_to_recover_from() -> None:
    measure = metrics.recovery(outage_record(incident_at=None))

    assert (measure.method, measure.seconds, measure.t0) == (RecoveryMethod.NO_INCIDENT, None, None)


# -- RPO ------------------------------------------------------------------------------------------


def _readback(write_id: str, found: bool, status: int | None = None) -> ProbeSample:
    code = status if status is not None else (200 if found else 404)
    return sample(100, ProbeKind.READBACK, found, write_id=write_id, status=code)


def test_simulated_rpo_counts_acknowledged_writes_missing_after_the_drill() -> None:
    drill = outage_record()
    acked = [s.write_id for s in drill.probes if s.kind is ProbeKind.WRITE and s.ok]
    lost = {"w1", "w2", "w3"}  # acknowledged in the lag before the forced failover
    checks = [_readback(i, i not in lost) for i in acked if i]
    measure = metrics.rpo(replace(drill, probes=drill.probes + tuple(checks)))

    assert (measure.writes_lost, measure.measured, measure.method) == (3, True, RpoMethod.READBACK)
    assert (measure.first_lost_at, measure.last_lost_at) == (T + 1, T + 3)
    assert measure.seconds == 3.0  # +1 .. +3 acknowledged, plus the 1 s each probe stands for


def test_simulated_rpo_window_uses_the_plans_probe_interval() -> None:
    drill = record(
        [*writes([True] * 5), _readback("w0", False), _readback("w4", False)],
        spec={"probes": {"interval": 2.5}},
    )

    assert metrics.rpo(drill).seconds == 4 + 2.5


def test_a_readback_without_an_answer_is_unverified_not_lost() -> None:
    drill = record([*writes([True] * 3), _readback("w0", True), _readback("w1", False, 503), _readback("w2", False)])
    measure = metrics.rpo(drill)

    assert (measure.writes_lost, measure.unverified) == (1, 1)


def test_simulated_rpo_with_nothing_lost_is_zero_and_measured() -> None:
    drill = record([*writes([True] * 3), *(_readback(f"w{i}", True) for i in range(3))])
    measure = metrics.rpo(drill)

    assert (measure.seconds, measure.writes_lost, measure.measured) == (0.0, 0, True)


def test_simulated_rpo_without_write_probes_is_not_measured() -> None:
    measure = metrics.rpo(record(reads([True] * 3)))

    assert (measure.method, measure.seconds, measure.measured) == (RpoMethod.NO_WRITE_PROBES, None, False)


def test_planned_failover_on_azure_loses_nothing_by_design() -> None:
    measure = metrics.rpo(outage_record(simulated=False, sql_failover_mode="planned"))

    assert (measure.seconds, measure.writes_lost) == (0.0, 0)
    assert (measure.method, measure.measured) == (RpoMethod.PLANNED_BY_DESIGN, False)
    assert "by design" in measure.note


def test_forced_failover_on_azure_is_not_measurable_and_carries_the_replication_state() -> None:
    replication = {"links": [{"partner": "sql-neu", "state": "CATCH_UP", "lag_seconds": 7}]}
    measure = metrics.rpo(outage_record(simulated=False, sql_failover_mode="forced", replication_at_t0=replication))

    assert (measure.seconds, measure.writes_lost, measure.measured) == (None, None, False)
    assert measure.method is RpoMethod.NOT_MEASURABLE
    assert measure.replication_at_t0 == replication
    assert "not measurable via ARM" in measure.note


def test_no_failover_on_azure_loses_nothing() -> None:
    measure = metrics.rpo(outage_record(simulated=False, sql_failover_mode=None))

    assert (measure.seconds, measure.method) == (0.0, RpoMethod.NO_FAILOVER)


# -- step timings and the record ------------------------------------------------------------------


def test_step_timings_give_offsets_and_durations_and_none_while_unfinished() -> None:
    steps = (
        step(1, "evacuate", "evacuate", 4, None, status="running"),
        step(0, "check", "check", 0.5, 2),
        step(2, "hold", "hold", None, None, status="not_run"),
    )
    timings = metrics.step_timings(record(steps=steps, ended=None, outcome=DrillOutcome.RUNNING))

    assert [t.index for t in timings] == [0, 1, 2]
    assert [(t.offset, t.seconds) for t in timings] == [(0.5, 1.5), (4.0, None), (None, None)]


@pytest.mark.parametrize("build", [outage_record, record])
def test_the_record_round_trips_through_json(build) -> None:
    drill: DrillRecord = build()

    assert DrillRecord.from_dict(json.loads(json.dumps(drill.to_dict()))) == drill


def test_a_probe_sample_round_trips_and_keeps_its_kind() -> None:
    original = sample(3.25, ProbeKind.READBACK, False, write_id="w3", status=404, error="missing")
    back = ProbeSample.from_dict(json.loads(json.dumps(original.to_dict())))

    assert back == original and back.kind is ProbeKind.READBACK


def test_writes_never_read_back_are_unverified_not_found() -> None:
    """A drill cut short (killed before its read-backs): nothing is claimed about its writes."""
    written = writes([True] * 10)
    cut_short = metrics.rpo(record(written))

    assert (cut_short.seconds, cut_short.writes_lost, cut_short.measured) == (None, None, False)
    assert cut_short.unverified == 10 and "none of the 10 acknowledged writes was read back" in cut_short.note

    half = [sample(20, ProbeKind.READBACK, True, write_id=w.write_id) for w in written[:5]]
    partly = metrics.rpo(record([*written, *half]))
    assert (partly.seconds, partly.writes_lost, partly.unverified) == (0.0, 0, 5)  # found 5; 5 not looked up
    assert "5 could not be looked up" in partly.note
