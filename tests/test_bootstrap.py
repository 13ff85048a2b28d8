"""The composition root: a simulated session reaches the simulator only through what is injected."""

from __future__ import annotations

import pytest

from mcctl.adapters import web
from mcctl.adapters.clients import AzureSession, StaticTokenCredential
from mcctl.adapters.clock import SystemClock
from mcctl.bootstrap import azure_session, simulated_session
from mcctl.domain.estate import Estate
from mcctl.sim.app import Sim
from mcctl.sim.credential import SimCredential, make_sim_token


def test_a_simulated_session_talks_to_the_simulator_on_its_clock(demo_estate: Estate, sim: Sim) -> None:
    session = simulated_session(demo_estate, sim)
    assert session.simulated and isinstance(session.credential, SimCredential)
    before = len(sim.requests)
    web.list_plans(session, demo_estate.subscription)
    assert len(sim.requests) > before  # answered in process, not over the network
    start = sim.now()
    session.sleep(120)  # simulated: passes at once, counted from this thread's last request
    assert sim.now() - start == pytest.approx(120, abs=1)
    assert session.now() == pytest.approx(sim.now(), abs=1) and session.clock.wall() == pytest.approx(sim.now(), abs=1)
    assert demo_estate.lock is not None
    assert session.blob_service_url(demo_estate.lock) == "https://stmcdemoops.blob.sim.mcctl.invalid"


def test_an_access_token_wins_against_the_simulator_too(demo_estate: Estate, sim: Sim, monkeypatch) -> None:
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", make_sim_token("runbook@contoso.com")[0])
    session = simulated_session(demo_estate, sim)
    assert isinstance(session.credential, StaticTokenCredential)
    assert session.identity()["upn"] == "runbook@contoso.com"


def test_an_azure_session_is_real_time_and_the_cloud_s_storage(demo_estate: Estate) -> None:
    session = azure_session(demo_estate, credential_kind="cli")
    assert isinstance(session, AzureSession) and not session.simulated
    assert isinstance(session.clock, SystemClock) and session.endpoint.url == "https://management.azure.com"
    assert demo_estate.lock is not None
    assert session.blob_service_url(demo_estate.lock) == "https://stmcdemoops.blob.core.windows.net"


def test_an_unknown_credential_kind_is_refused_only_against_azure(demo_estate: Estate, sim: Sim) -> None:
    from mcctl.errors import UsageError

    assert isinstance(simulated_session(demo_estate, sim, credential_kind="browser").credential, SimCredential)
    with pytest.raises(UsageError, match="--credential"):
        _ = azure_session(demo_estate, credential_kind="browser").credential
