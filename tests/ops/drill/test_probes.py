"""The drill's Prober on the in-process simulator: what the probes see through a regional outage and
a forced SQL failover, and the writes the failover lost found again by reading them back."""

from __future__ import annotations

import pytest

from mcctl.adapters import sql
from mcctl.adapters.clients import AzureSession
from mcctl.adapters.lro import WaitOptions
from mcctl.domain.drill.record import ProbeKind, ProbeSample
from mcctl.domain.drill.spec import ProbeSpec
from mcctl.ops.drill.probes import MISSING, Prober
from mcctl.sim.app import Sim
from mcctl.sim.providers.sql import lost_writes


@pytest.fixture
def samples() -> list[ProbeSample]:
    return []


@pytest.fixture
def prober(session: AzureSession, samples: list[ProbeSample]) -> Prober:
    p = Prober(session, ProbeSpec(), f"https://{session.estate.frontdoor.endpoint_host}/", samples.append)
    yield p
    p.close()


def _of(samples: list[ProbeSample], kind: ProbeKind) -> list[ProbeSample]:
    return [s for s in samples if s.kind is kind]


def test_each_interval_sends_one_read_and_one_write(session: AzureSession, prober: Prober, samples) -> None:
    prober.start()
    session.clock.sleep(5)
    prober.stop()
    session.clock.sleep(3)

    reads, writes = _of(samples, ProbeKind.READ), _of(samples, ProbeKind.WRITE)
    assert len(reads) == len(writes) == 5
    assert all(s.ok and s.status == 200 and s.stamp and s.region for s in reads)
    assert all(s.ok and s.status == 201 and s.write_id for s in writes)
    assert prober.acknowledged == [s.write_id for s in writes]
    assert all(s.seconds is not None and s.seconds > 0 for s in samples)
    assert [s.at for s in writes] == sorted(s.at for s in writes)


def test_outage_of_the_sql_primary_region_then_forced_failover(
    session: AzureSession, sim: Sim, prober: Prober, samples: list[ProbeSample]
) -> None:
    group = session.estate.sql
    assert group is not None
    prober.start()
    session.clock.sleep(40)
    sim.set_outage("westeurope", True)
    outage_at = sim.now()
    session.clock.sleep(10)
    sql.failover(session, group, group.servers[1], "forced", WaitOptions())  # the probes run during its wait
    failed_over_at = sim.now()
    # The SDK polled on its own thread: this thread's simulated time is still before the failover,
    # so let time pass from the shared clock's now.
    sim.advance(40)  # past the minute Front Door's probes take to notice the region is down
    prober.stop()

    noticed = outage_at + 60  # the demo origin group: (4 - 3 + 1) failed probes, 30 s apart
    writes = _of(samples, ProbeKind.WRITE)
    during = [s for s in writes if outage_at < s.at < failed_over_at - 1]
    between = [s for s in writes if failed_over_at + 1 < s.at < noticed - 1]
    after = [s for s in writes if s.at > max(failed_over_at, noticed) + 1]
    assert len(during) >= 35  # 10 s, then the 30 s forced failover
    # Every write fails: the database's primary is down, and for the first minute (until Front
    # Door's probes notice) a third of the requests still go to westeurope's origins, which fail too.
    assert all(not s.ok and s.status == 503 for s in during)
    assert {s.error for s in during} == {"HTTP 503 DatabaseUnavailable", "HTTP 503 OriginUnreachable"}
    assert {s.region for s in during if s.error == "HTTP 503 OriginUnreachable"} == {"westeurope"}
    assert between and all(s.ok == (s.region != "westeurope") for s in between)  # new primary up
    assert after and all(s.ok for s in after)
    # Reads fail only where the edge still sends them to the failed region, until it notices.
    reads = _of(samples, ProbeKind.READ)
    assert all(s.ok for s in reads if s.at < outage_at or s.at > noticed + 1)
    assert {s.region for s in reads if not s.ok} == {"westeurope"}
    assert {s.region for s in reads if s.at > noticed + 1} <= {"northeurope", "eastus2"}
    assert "westeurope" in {s.region for s in reads if s.at < outage_at}

    readback = prober.verify_writes()

    [loss] = lost_writes(sim)
    missing = {s.write_id for s in readback if not s.ok}
    assert missing == set(loss["rows"]) and 28 <= len(missing) <= 31  # the 30 s before the outage
    assert all(s.error == MISSING and s.status == 404 for s in readback if not s.ok)
    found = {s.write_id for s in readback if s.ok}
    assert found | missing == set(prober.acknowledged) and len(found) >= 15
    assert all(s.kind is ProbeKind.READBACK for s in readback)


def test_writes_are_read_only_while_a_planned_failover_runs_and_nothing_is_lost(
    session: AzureSession, sim: Sim, prober: Prober, samples: list[ProbeSample]
) -> None:
    group = session.estate.sql
    assert group is not None
    prober.start()
    session.clock.sleep(5)
    start = sim.now()
    sql.failover(session, group, group.servers[1], "planned", WaitOptions())
    end = sim.now()
    sim.advance(5)
    prober.stop()

    codes = {s.error for s in _of(samples, ProbeKind.WRITE) if start + 1 < s.at < end - 1}
    assert codes == {"HTTP 503 DatabaseReadOnly"}
    assert all(s.ok for s in prober.verify_writes())


def test_no_write_probes_when_the_plan_turns_them_off(session: AzureSession, samples: list[ProbeSample]) -> None:
    spec = ProbeSpec(write_path=None)
    prober = Prober(session, spec, f"https://{session.estate.frontdoor.endpoint_host}", samples.append)
    try:
        prober.probe_once()
    finally:
        prober.close()
    assert [s.kind for s in samples] == [ProbeKind.READ] and prober.verify_writes() == []


def test_an_endpoint_that_does_not_answer_in_time_is_a_failed_sample(session: AzureSession, samples) -> None:
    spec = ProbeSpec(timeout=0.01)  # shorter than the edge's own latency
    prober = Prober(session, spec, f"https://{session.estate.frontdoor.endpoint_host}", samples.append)
    try:
        read, write = prober.probe_once()
    finally:
        prober.close()
    assert not read.ok and read.status is None and read.error and "timeout" in read.error
    assert not write.ok and prober.acknowledged == []
