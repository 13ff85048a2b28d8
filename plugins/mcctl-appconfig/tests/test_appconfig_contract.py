"""The simulated Microsoft.AppConfiguration provider against the REST spec examples (vendored under
fixtures/): the same fields, the same types, and the real SDK client reads both alike."""

from __future__ import annotations

import json
from typing import Any

import pytest
from appconfig_testing import FIXTURES

from mcctl.adapters.clients import ArmEndpoint, AzureSession
from mcctl.sim.app import Sim
from mcctl.sim.credential import SimCredential
from mcctl.sim.http import SimRequest
from mcctl.sim.transport import LocalTransport, SimHttpResponse
from mcctl_appconfig.reading import read_store
from mcctl_appconfig.settings import AppConfigSettings
from mcctl_appconfig.simulated import API_VERSION
from mcctl_appconfig.verdict import Verdict, judge

STORE_ID = (
    "/subscriptions/6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c/resourceGroups/rg-mc-global"
    "/providers/Microsoft.AppConfiguration/configurationStores/appcs-mc-demo"
)
# In the example, not in the simulator's store: the simulated store has no managed identity.
OPTIONAL = {"identity"}


def _example(name: str) -> dict[str, Any]:
    path = FIXTURES / name
    assert path.is_file(), f"spec example not vendored: {path}"
    return json.loads(path.read_text(encoding="utf-8"))


def _get(sim: Sim, path: str, api_version: str | None = API_VERSION) -> tuple[int, Any]:
    url = f"https://management.sim.mcctl.invalid{path}" + (f"?api-version={api_version}" if api_version else "")
    response = sim.handle(SimRequest("GET", url, {"authorization": "Bearer x"}, b""))
    return response.status, response.body


def _same_shape(ours: Any, theirs: Any, where: str = "") -> None:
    """Every field we send is in the example, with a value of the same JSON type; every field of
    the example is in ours (but OPTIONAL at the top)."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{where}: {ours!r} is not an object"
        extra = set(ours) - set(theirs)
        missing = set(theirs) - set(ours) - (OPTIONAL if not where else set())
        assert not extra, f"{where}: fields not in the spec example: {sorted(extra)}"
        assert not missing, f"{where}: fields of the spec example missing: {sorted(missing)}"
        for key in set(ours) & set(theirs):
            _same_shape(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list), f"{where}: {ours!r} is not a list"
        for item in ours:
            if theirs:
                _same_shape(item, theirs[0], f"{where}[]")
    elif theirs is None:
        assert ours is None, f"{where}: {ours!r}, the example has null"
    else:
        assert type(ours) is type(theirs), f"{where}: {type(ours).__name__}, the example has {type(theirs).__name__}"


def test_the_store_has_the_shape_of_configuration_stores_get(sim: Sim) -> None:
    example = _example("ConfigurationStoresGet.json")
    assert example["parameters"]["api-version"] == API_VERSION

    status, body = _get(sim, STORE_ID)

    assert status == 200
    _same_shape(body, example["responses"]["200"]["body"])
    assert body["id"] == STORE_ID and body["type"] == "Microsoft.AppConfiguration/configurationStores"
    assert body["location"] == "westeurope" and body["properties"]["provisioningState"] == "Succeeded"


def test_the_replicas_have_the_shape_of_the_replicas_list(sim: Sim) -> None:
    example = _example("ConfigurationStoresListReplicas.json")
    assert example["parameters"]["api-version"] == API_VERSION

    status, body = _get(sim, f"{STORE_ID}/replicas")

    assert status == 200
    assert set(body) <= {"value", "nextLink"}  # ReplicaListResult (the example has no second page)
    _same_shape(body["value"], example["responses"]["200"]["body"]["value"], "value")
    assert [(r["name"], r["location"]) for r in body["value"]] == [
        ("northeurope", "northeurope"),
        ("eastus2", "eastus2"),
    ]  # one replica per other region of the estate
    status, one = _get(sim, f"{STORE_ID}/replicas/eastus2")
    assert status == 200 and one == body["value"][1]


def test_an_unknown_store_is_arm_s_404_and_a_missing_api_version_a_400(sim: Sim) -> None:
    status, body = _get(sim, STORE_ID.replace("appcs-mc-demo", "appcs-other"))
    assert status == 404 and body["error"]["code"] == "ResourceNotFound"
    status, body = _get(sim, STORE_ID, api_version=None)
    assert status == 400 and body["error"]["code"] == "MissingApiVersionParameter"


class _Replay(LocalTransport):
    """Answers with the spec examples, as ARM would (the real SDK deserializes them)."""

    def __init__(self) -> None:
        self.urls: list[str] = []

    def sleep(self, duration: float) -> None:
        pass

    def send(self, request: Any, **kwargs: Any) -> SimHttpResponse:
        self.urls.append(request.url)
        name = "ConfigurationStoresListReplicas.json" if "/replicas" in request.url else "ConfigurationStoresGet.json"
        body = json.dumps(_example(name)["responses"]["200"]["body"]).encode()
        return SimHttpResponse(request, 200, {"Content-Type": "application/json"}, body)


def test_the_real_client_reads_the_spec_examples_into_a_verdict(estate) -> None:
    transport = _Replay()
    endpoint = ArmEndpoint("https://management.azure.com", ("https://management.azure.com/.default",), None)
    session = AzureSession(estate, endpoint=endpoint, transport=transport, credential=SimCredential())
    settings = AppConfigSettings("contoso", "myResourceGroup", subscription="c80fb759-c965-4c6a-9110-9b2b2d038882")

    reading = read_store(session, estate, settings)

    assert (reading.location, reading.sku, reading.provisioning_state) == ("westus", "Standard", "Succeeded")
    assert reading.endpoint == "https://contoso.azconfig.io"
    assert [(r.name, r.location, r.provisioning_state) for r in reading.replicas] == [
        ("myReplicaEus", "eastus", "Succeeded"),
        ("myReplicaWestEurope", "westeurope", "Creating"),
    ]
    assert judge(reading, settings) == (
        Verdict.DEGRADED,
        "store contoso: replica myReplicaWestEurope (westeurope) Creating",
    )
    assert all(f"api-version={API_VERSION}" in url for url in transport.urls)
    assert (
        "/resourceGroups/myResourceGroup/providers/Microsoft.AppConfiguration/configurationStores/contoso"
        in (transport.urls[0])
    )
    session.close()


@pytest.mark.parametrize("name", ["ConfigurationStoresGet.json", "ConfigurationStoresListReplicas.json"])
def test_the_examples_are_vendored_unmodified(name: str) -> None:
    """Byte counts of the upstream files (the code index's total_chars at the commits in the README)."""
    size = {"ConfigurationStoresGet.json": 1887, "ConfigurationStoresListReplicas.json": 2041}[name]
    assert len((FIXTURES / name).read_text(encoding="utf-8")) == size
