"""Health probes at scale: bounded but wide concurrency, through one transport, beside the ARM reads.

A counting fake endpoint (a transport in front of the simulator) counts the probes in flight; each
probe is held until the pool is full (or every probe has started), so the overlap is observed, not
hoped for: with a bound of N the count reaches N and never passes it (a full round waits a moment
for a probe past the bound before it goes on).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from mcctl.adapters.clients import ArmEndpoint, AzureSession
from mcctl.bootstrap import SIM_SCOPES
from mcctl.config.loader import EstateSource, load_estate
from mcctl.domain.estate import Estate
from mcctl.errors import UsageError
from mcctl.ops.health import DEFAULT_CONCURRENCY, assess, survey
from mcctl.sim.app import Sim
from mcctl.sim.clock import ClientClock
from mcctl.sim.credential import SimCredential
from mcctl.sim.generate import estate_yaml
from mcctl.sim.runtime import SIM_ARM_ENDPOINT, SIM_BLOB_SUFFIX, open_simulator
from mcctl.sim.transport import InProcessTransport

HOLD_SECONDS = 5.0  # how long a held request waits for the others at most (wall; reached only on failure)
PAST_BOUND_SECONDS = 0.05  # (wall) how long a full round waits for a probe past the bound


class CountingEndpoint(InProcessTransport):
    """The simulator's transport, counting the health probes in flight (web requests: any host but
    ARM's). `total`: probes the run will send, so the last round (fewer than the bound) is let go."""

    def __init__(self, sim: Sim, bound: int, total: int) -> None:
        super().__init__(sim)
        self.bound, self.total = bound, total
        self.cond = threading.Condition()
        self.in_flight = self.started = self.most = 0
        self.arm_in_flight = 0
        self.probes_beside_arm = False  # a probe was in flight while an ARM read was

    def send(self, request: Any, **kwargs: Any) -> Any:
        if urlsplit(request.url).hostname == urlsplit(SIM_ARM_ENDPOINT).hostname:
            with self.cond:
                self.arm_in_flight += 1
                self.cond.notify_all()
            try:
                return super().send(request, **kwargs)
            finally:
                with self.cond:
                    self.arm_in_flight -= 1
        with self.cond:
            self.in_flight += 1
            self.started += 1
            self.most = max(self.most, self.in_flight)
            self.probes_beside_arm |= self.arm_in_flight > 0
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.in_flight >= self.bound or self.started >= self.total, HOLD_SECONDS)
            # The pool is full: a moment more for any probe past the bound to show up (a thread
            # spawned is in here in microseconds); a bounded pool sends none, whatever the wait.
            self.cond.wait_for(lambda: self.in_flight > self.bound, PAST_BOUND_SECONDS)
        try:
            return super().send(request, **kwargs)
        finally:
            with self.cond:
                self.in_flight -= 1
                self.cond.notify_all()


def _estate(tmp_path: Path, regions: int, per_region: int, extra: str = "") -> tuple[Estate, Sim]:
    text = estate_yaml("scale", regions, per_region) + extra
    path = tmp_path / "scale.yaml"
    path.write_text(text, encoding="utf-8")
    source = EstateSource(str(path), text)
    estate = load_estate(source)
    sim, _ = open_simulator(estate, source.fingerprint, persist=False)
    return estate, sim


@pytest.fixture
def counted() -> Iterator[Any]:
    opened: list[AzureSession] = []

    def session(estate: Estate, transport: InProcessTransport) -> AzureSession:
        found = AzureSession(
            estate,
            simulated=True,
            endpoint=ArmEndpoint(SIM_ARM_ENDPOINT, SIM_SCOPES, None),
            transport=transport,
            credential=SimCredential(),
            clock=ClientClock(transport.sim),
            blob_suffix=SIM_BLOB_SUFFIX,
        )
        opened.append(found)
        return found

    yield session
    for s in opened:
        s.close()


def test_probes_in_flight_reach_the_bound_and_never_pass_it(tmp_path: Path, counted) -> None:
    estate, sim = _estate(tmp_path, 3, 8)  # 24 stamps, 5 at a time: rounds, the last one short
    endpoint = CountingEndpoint(sim, bound=5, total=24)

    result = assess(counted(estate, endpoint), estate, concurrency=5)

    assert endpoint.started == 24
    assert endpoint.most == 5
    assert {s.status for s in result.stamps.values()} == {"healthy"}


def test_the_default_is_wide_enough_for_hundreds_of_stamps(tmp_path: Path, counted) -> None:
    estate, sim = _estate(tmp_path, 12, 20)  # 240 stamps: rounds of 64
    endpoint = CountingEndpoint(sim, bound=DEFAULT_CONCURRENCY, total=240)

    result = assess(counted(estate, endpoint), estate)

    assert DEFAULT_CONCURRENCY == 64
    assert endpoint.started == 240 and endpoint.most == 64
    assert {s.status for s in result.stamps.values()} == {"healthy"}


def test_the_estate_files_health_concurrency_bounds_the_probes(tmp_path: Path, counted) -> None:
    estate, sim = _estate(tmp_path, 2, 5, extra="health:\n  concurrency: 3\n")
    endpoint = CountingEndpoint(sim, bound=3, total=10)

    assess(counted(estate, endpoint), estate)

    assert endpoint.started == 10 and endpoint.most == 3


class SlowLists(InProcessTransport):
    """The simulator's transport, where the web apps list is slow to come: it answers only once a
    probe has been sent while it was being read (or after HOLD_SECONDS: then none was)."""

    def __init__(self, sim: Sim) -> None:
        super().__init__(sim)
        self.listing = threading.Event()
        self.probed_meanwhile = threading.Event()

    def send(self, request: Any, **kwargs: Any) -> Any:
        if urlsplit(request.url).path.lower().endswith("/providers/microsoft.web/sites"):
            self.listing.set()
            self.probed_meanwhile.wait(HOLD_SECONDS)
            self.listing.clear()
        elif urlsplit(request.url).hostname != urlsplit(SIM_ARM_ENDPOINT).hostname and self.listing.is_set():
            self.probed_meanwhile.set()
        return super().send(request, **kwargs)


def test_probes_run_beside_the_arm_reads_not_after_them(tmp_path: Path, counted) -> None:
    """In two phases (probes, then the reads; or the reads, then the probes) no probe is sent while
    the inventory's list is being read."""
    estate, sim = _estate(tmp_path, 2, 3)
    transport = SlowLists(sim)

    found = survey(counted(estate, transport), estate, operations=[])

    assert transport.probed_meanwhile.is_set()
    assert found.health is not None and len(found.inventory.views) == 6
    assert {s.status for s in found.health.stamps.values()} == {"healthy"}


@pytest.mark.parametrize("bad", [0, -1, 1025])
def test_a_concurrency_out_of_range_names_the_option(session: AzureSession, demo_estate: Estate, bad: int) -> None:
    with pytest.raises(UsageError, match=r"^--concurrency: must be between 1 and 1024, got -?\d+$"):
        assess(session, replace(demo_estate, stamps=demo_estate.stamps[:1]), concurrency=bad)


def test_the_pooled_transport_keeps_a_connection_per_probe_in_flight() -> None:
    """requests' default pool keeps 10 connections (per host, for 10 hosts): past that, azure-core's
    transport opens and throws away a connection per probe. The sized one keeps `size` of each."""
    from mcctl.adapters.endpoint import pooled_transport

    transport = pooled_transport(DEFAULT_CONCURRENCY)
    transport.open()
    try:
        adapter = transport.session.get_adapter("https://app-scale-weu-1.azurewebsites.net/health/stamp")
        assert adapter is transport.session.get_adapter("http://127.0.0.1:8443/")  # one pool for both schemes
        assert adapter.poolmanager.connection_pool_kw["maxsize"] == 64  # connections kept per host
        assert adapter.poolmanager.pools._maxsize == 64  # hosts kept
        assert adapter.max_retries.total is False  # as azure-core's own: the pipeline decides retries
    finally:
        transport.close()
