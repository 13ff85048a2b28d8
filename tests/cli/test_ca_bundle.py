"""`cloud.ca_bundle` is used for every HTTPS call (ARM, the lock blob, health probes, the Front Door
edge) and a CA-trust failure says so in one line with a hint (issue 15, item 4). Against the
simulator served over loopback HTTPS with its own CA (`mcctl sim serve`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mcctl.adapters.clients import AzureSession
from mcctl.adapters.endpoint import get_endpoint
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.errors import EndpointUnreachable
from mcctl.sim.credential import make_sim_token
from mcctl.sim.runtime import open_simulator
from mcctl.sim.server import LoopbackServer
from mcctl.sim.tls import make_self_signed


@pytest.fixture
def https_sim(tmp_path: Path, monkeypatch):
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, "https", persist=False)
    cert, key = make_self_signed(tmp_path / "tls")
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", make_sim_token("runbook@contoso.com")[0])
    # A TLS trust failure is retried by azure-core with back-off sleeps: no real waiting in tests.
    from azure.core.pipeline.transport import RequestsTransport

    monkeypatch.setattr(RequestsTransport, "sleep", lambda self, seconds: None)
    with LoopbackServer(sim, cert, key) as server:
        yield sim, server, cert


def _estate_file(tmp_path: Path, url: str, ca_bundle: Path | None) -> Path:
    data = yaml.safe_load(demo_source().text)
    data["cloud"] = {"arm_endpoint": url, **({"ca_bundle": str(ca_bundle)} if ca_bundle else {})}
    data["lock"]["endpoint"] = url
    for stamp in data["stamps"]:  # the probes go to the loopback server too (it answers them)
        stamp["health_url"] = f"{url}/health/{stamp['name']}"
    path = tmp_path / ("trusted.yaml" if ca_bundle else "untrusted.yaml")
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _session(path: Path) -> AzureSession:
    return AzureSession(load_estate(EstateSource(str(path), path.read_text())))


def test_probes_and_edge_requests_use_the_ca_bundle(https_sim, tmp_path) -> None:
    _, server, cert = https_sim
    session = _session(_estate_file(tmp_path, server.url, cert))
    answer = get_endpoint(session, f"{server.url}/health/weu-1", 5)  # the probe and `frontdoor verify` path
    assert answer.status == 404  # answered over TLS (the simulator knows no such public endpoint)
    session.close()


def test_a_probe_without_the_ca_bundle_fails_with_the_ca_hint(https_sim, tmp_path) -> None:
    _, server, _ = https_sim
    session = _session(_estate_file(tmp_path, server.url, None))
    with pytest.raises(EndpointUnreachable) as info:
        get_endpoint(session, f"{server.url}/health/weu-1", 5)
    assert "certificate verify failed" in info.value.message and "\n" not in info.value.message
    assert info.value.hint and "cloud.ca_bundle" in info.value.hint
    session.close()


def test_without_the_ca_bundle_a_command_exits_4_with_one_line_and_the_hint(mcctl, https_sim, tmp_path) -> None:
    sim, server, _ = https_sim
    result = mcctl("--estate", str(_estate_file(tmp_path, server.url, None)), "sql", "status")
    assert result.exit_code == 4, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("mcctl: error: ") and "TLS certificate verify failed" in lines[0]
    assert lines[1].startswith("  hint: ") and "`cloud.ca_bundle`" in lines[1]
    assert sim.requests == []  # nothing reached the server past the handshake


def test_with_the_ca_bundle_reads_and_probes_work(mcctl, https_sim, tmp_path) -> None:
    sim, server, cert = https_sim
    path = str(_estate_file(tmp_path, server.url, cert))
    status = mcctl("--estate", path, "-o", "json", "sql", "status")
    assert status.exit_code == 0, status.stderr
    health = mcctl("--estate", path, "-o", "json", "health")
    assert health.exit_code == 0, health.stderr
    probes = [stamp["probe"] for stamp in json.loads(health.stdout)["stamps"]]
    assert probes and all(p["http_status"] == 404 and p["error"] is None for p in probes)
    lock = mcctl("--estate", path, "-o", "json", "lock", "status")  # the lock blob, same CA
    assert lock.exit_code == 0, lock.stderr


@pytest.mark.parametrize("command", [("status",), ("stamps", "list"), ("health", "--check"), ("frontdoor", "status")])
def test_unreachable_arm_stops_a_read_at_one_error_not_a_verdict(https_sim, tmp_path, mcctl, command) -> None:
    """ARM out of reach (here: not trusted) is about this machine, not the estate: exit 4 and one
    error with its hint — never `unhealthy` made of reads that never reached Azure."""
    _, server, _ = https_sim
    path = _estate_file(tmp_path, server.url, None)
    result = mcctl("--estate", str(path), *command)
    assert result.exit_code == 4, (result.stdout, result.stderr)
    assert result.stdout == "" and "unhealthy" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[0].startswith("mcctl: error: ") and "cannot reach Azure Resource Manager" in lines[0]
    assert "warning" not in result.stderr and lines[-1].startswith("  hint:") and "ca_bundle" in lines[-1]
