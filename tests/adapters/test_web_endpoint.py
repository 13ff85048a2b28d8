"""`cloud.web_endpoint`: every public web request mcctl sends (health probes, smoke checks, the Front
Door endpoint, drill probes) goes path-style to `{web_endpoint}/@web/{host}{path}`, verified with
`cloud.ca_bundle` (issue 19, item 4: in serve mode nothing leaves 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import urllib3.util.connection

from mcctl.adapters.clients import AzureSession, web_url
from mcctl.adapters.endpoint import get_endpoint
from mcctl.adapters.probes import send_probe
from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.domain.estate import Cloud
from mcctl.errors import EstateFileError
from mcctl.ops.health import probe
from mcctl.sim.credential import make_sim_token
from mcctl.sim.runtime import open_simulator
from mcctl.sim.serve_estate import served_estate, write_served_estate
from mcctl.sim.server import LoopbackServer
from mcctl.sim.tls import make_self_signed

LOOPBACK = "https://127.0.0.1:8443"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://app-mc-weu-1.azurewebsites.net/health/stamp", "/@web/app-mc-weu-1.azurewebsites.net/health/stamp"),
        ("https://EDGE.z01.azurefd.net/", "/@web/edge.z01.azurefd.net"),  # host lower-cased; "/" as host-style
        ("https://edge.azurefd.net", "/@web/edge.azurefd.net"),
        ("http://api.contoso.com:8080/status?deep=1&x=y", "/@web/api.contoso.com/status?deep=1&x=y"),  # no port
    ],
)
def test_web_url_sends_public_requests_path_style_to_the_web_endpoint(url: str, expected: str) -> None:
    cloud = Cloud("custom", arm_endpoint=LOOPBACK, web_endpoint=LOOPBACK)
    assert web_url(cloud, url) == LOOPBACK + expected


def test_without_a_web_endpoint_urls_are_sent_as_they_are() -> None:
    url = "https://app-mc-weu-1.azurewebsites.net:443/health?x=1"
    assert web_url(Cloud(), url) == url
    assert web_url(Cloud("custom", arm_endpoint=LOOPBACK), url) == url


def _estate_text(cloud: str) -> str:
    text = demo_source().text.replace("cloud: AzureCloud", f"cloud: {cloud}")
    assert text != demo_source().text
    return text.replace("  container: mcctl-locks", f"  container: mcctl-locks\n  endpoint: {LOOPBACK}")


def test_web_endpoint_is_read_into_the_cloud(tmp_path: Path) -> None:
    text = _estate_text(f"{{arm_endpoint: {LOOPBACK}, web_endpoint: '{LOOPBACK}/'}}")
    estate = load_estate(EstateSource(str(tmp_path / "e.yaml"), text))
    assert estate.cloud.web_endpoint == LOOPBACK  # the trailing slash dropped: paths are appended


@pytest.mark.parametrize(
    ("cloud", "expected"),
    [
        (
            f"{{arm_endpoint: {LOOPBACK}, web_endpoint: 'http://127.0.0.1:8443'}}",
            "cloud.web_endpoint: not an https URL",
        ),
        (f"{{arm_endpoint: {LOOPBACK}, web_endpoint: 'not a url'}}", "cloud.web_endpoint: not an https URL"),
        ("{name: AzureCloud, web_endpoint: 'https://127.0.0.1:8443'}", "cloud.web_endpoint: only applies to a custom"),
    ],
)
def test_a_bad_web_endpoint_is_one_line_naming_the_field(tmp_path: Path, cloud: str, expected: str) -> None:
    with pytest.raises(EstateFileError) as info:
        load_estate(EstateSource(str(tmp_path / "e.yaml"), _estate_text(cloud)))
    problems = [line for line in info.value.problems if "web_endpoint" in line]
    assert len(problems) == 1 and problems[0].startswith(expected), info.value.problems
    assert "\n" not in problems[0]


# -- against the simulator served on loopback --------------------------------------------------------
@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The demo estate's simulator on loopback HTTPS, the served estate file pointing at it, and a
    record of every host mcctl opened a connection to (any other than 127.0.0.1 is refused)."""
    sim, _ = open_simulator(load_estate(demo_source()), "web", persist=False)
    cert, key = make_self_signed(tmp_path / "tls")
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", make_sim_token("runbook@contoso.com")[0])
    hosts: list[str] = []
    connect = urllib3.util.connection.create_connection

    def loopback_only(address, *args, **kwargs):
        hosts.append(address[0])
        if address[0] != "127.0.0.1":
            raise OSError(f"test: no connections beyond loopback ({address[0]})")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", loopback_only)
    with LoopbackServer(sim, cert, key) as server:
        data = served_estate(demo_source().text, "demo", server.url, cert)
        path = write_served_estate(tmp_path / "served.yaml", data)
        estate = load_estate(EstateSource(str(path), path.read_text()))
        session = AzureSession(estate)
        yield sim, session, hosts
        session.close()


def _web_paths(sim) -> list[str]:
    return [entry.path for entry in sim.requests if entry.path.startswith("/@web/")]


def test_a_health_probe_reaches_the_stamps_simulated_endpoint(served) -> None:
    sim, session, hosts = served
    stamp = session.estate.stamps[0]
    result = probe(session, stamp.health_url, 5)
    assert result.http_status == 200 and result.error is None, result
    assert json.loads(result.body)["status"] == "Healthy"  # the simulator's health report, not a 404 page
    assert _web_paths(sim) == ["/@web/app-mc-weu-1.azurewebsites.net/health/stamp"]
    assert hosts and set(hosts) == {"127.0.0.1"}


def test_the_front_door_endpoint_and_drill_probes_are_answered_by_the_simulated_edge(served) -> None:
    sim, session, hosts = served
    edge = f"https://{session.estate.frontdoor.endpoint_host}"
    answer = get_endpoint(session, f"{edge}/", 5)  # `frontdoor verify`'s probe
    assert answer.status == 200 and answer.headers.get("x-mcctl-served-by")
    written = send_probe(session, "POST", f"{edge}/mcctl-probe/writes", 5, body={})  # a drill's write probe
    assert 200 <= written.status < 300, written.body
    host = session.estate.frontdoor.endpoint_host.lower()
    assert _web_paths(sim) == [f"/@web/{host}", f"/@web/{host}/mcctl-probe/writes"]
    assert set(hosts) == {"127.0.0.1"}
