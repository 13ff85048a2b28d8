"""A custom `arm_endpoint` with a CA bundle: the real SDK clients over real HTTPS (loopback only),
authenticated with a pre-obtained token (MCCTL_ACCESS_TOKEN), against the simulator served by
`mcctl.sim.server`. This is how Azure Stack Hub and emulators are reached."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mcctl.adapters import web
from mcctl.adapters.clients import AzureSession
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.errors import AzureRequestError
from mcctl.sim.credential import make_sim_token
from mcctl.sim.runtime import open_simulator
from mcctl.sim.server import LoopbackServer
from mcctl.sim.tls import make_self_signed


@pytest.fixture
def https_sim(tmp_path: Path):
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, "https", persist=False)
    cert, key = make_self_signed(tmp_path / "tls")
    with LoopbackServer(sim, cert, key) as server:
        yield sim, server, cert


def _custom_estate(tmp_path: Path, url: str, ca_bundle: Path | None):
    data = yaml.safe_load(demo_source().text)
    data["cloud"] = {"arm_endpoint": url, **({"ca_bundle": str(ca_bundle)} if ca_bundle else {})}
    data["lock"]["endpoint"] = url
    path = tmp_path / "custom.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_estate(EstateSource(str(path), path.read_text()))


def test_sdk_reads_the_estate_over_https_with_the_ca_bundle(https_sim, tmp_path, monkeypatch) -> None:
    sim, server, cert = https_sim
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", make_sim_token("runbook@contoso.com")[0])
    estate = _custom_estate(tmp_path, server.url, cert)
    session = AzureSession(estate)
    assert session.endpoint.url == server.url and session.endpoint.ca_bundle == str(cert)
    sim.settings["page_size"] = 4
    plans = web.list_plans(session, estate.subscription)
    assert len(plans) == 6  # two pages: the nextLink pointed at the loopback host
    assert session.identity()["upn"] == "runbook@contoso.com"
    session.close()
    assert [r.status for r in sim.requests] == [200, 200]


def test_without_the_ca_bundle_tls_verification_fails_cleanly(https_sim, tmp_path, monkeypatch) -> None:
    sim, server, _ = https_sim
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", make_sim_token()[0])
    # retry_total=0: the SDK would retry the TLS failure with real back-off sleeps
    session = AzureSession(_custom_estate(tmp_path, server.url, None), client_options={"retry_total": 0})
    with pytest.raises(AzureRequestError, match="cannot reach Azure Resource Manager"):
        web.list_plans(session, session.estate.subscription)
    assert sim.requests == []


def test_a_client_that_connects_and_says_nothing_does_not_hold_up_the_others(https_sim) -> None:
    """The TLS handshake runs in each connection's own thread: before, it ran in accept(), so one
    idle connection (or a slow handshake) froze every other client of `sim serve`."""
    import socket
    import ssl
    import urllib.request
    from urllib.parse import urlsplit

    _, server, cert = https_sim
    where = urlsplit(server.url)
    idle = socket.create_connection((where.hostname, where.port))
    try:
        context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(
            f"{server.url}/metadata/endpoints?api-version=2022-09-01", timeout=5, context=context
        ) as answer:
            assert answer.status == 200
    finally:
        idle.close()
