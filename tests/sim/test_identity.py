"""Sign-in endpoints of the simulator (mcctl/sim/providers/identity.py), driven by the real MSAL
and azure-identity clients over loopback HTTPS, as `az login` drives them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcctl.adapters.clients import token_claims
from mcctl.config.loader import demo_source, load_estate
from mcctl.sim.credential import caller_of, make_sim_token
from mcctl.sim.http import SimRequest
from mcctl.sim.providers.identity import IDENTITY_HEADER_VALUE, SIM_APP_ID, SIM_APP_SECRET, SIM_TENANT
from mcctl.sim.runtime import SIM_ARM_ENDPOINT, open_simulator
from mcctl.sim.server import LoopbackServer
from mcctl.sim.tls import make_self_signed

SUBSCRIPTION = "6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c"


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    sim, _ = open_simulator(load_estate(demo_source()), "identity", persist=False)
    cert, key = make_self_signed(tmp_path / "tls")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))  # what the README's recipe exports for az
    with LoopbackServer(sim, cert, key) as server:
        yield sim, server


def test_msal_client_credentials_against_the_tenant_discovery(served) -> None:
    import msal

    sim, server = served
    app = msal.ConfidentialClientApplication(
        SIM_APP_ID,
        client_credential=SIM_APP_SECRET,
        authority=f"{server.url}/{SIM_TENANT}",
        instance_discovery=False,  # az: core.instance_discovery=false
    )
    result = app.acquire_token_for_client([f"{server.url}/.default"])
    assert "access_token" in result, result
    claims = token_claims(result["access_token"])
    assert claims["tid"] == SIM_TENANT and claims["appid"] == SIM_APP_ID and claims["aud"] == server.url
    assert claims["oid"] and "upn" not in claims
    paths = [r.path for r in sim.requests]
    assert paths == [f"/{SIM_TENANT}/v2.0/.well-known/openid-configuration", f"/{SIM_TENANT}/oauth2/v2.0/token"]


def test_managed_identity_on_the_app_service_protocol(served, monkeypatch) -> None:
    from azure.identity import ManagedIdentityCredential

    _, server = served
    monkeypatch.setenv("IDENTITY_ENDPOINT", f"{server.url}/msi/token")
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER_VALUE)
    token = ManagedIdentityCredential().get_token(f"{server.url}/.default")
    claims = token_claims(token.token)
    assert claims["tid"] == SIM_TENANT and claims["idtyp"] == "app"
    assert caller_of(f"Bearer {token.token}") == claims["oid"] != caller_of(f"Bearer {make_sim_token()[0]}")


def _get(sim, path: str, headers: dict[str, str] | None = None):
    return sim.handle(SimRequest("GET", f"{SIM_ARM_ENDPOINT}{path}", headers or {}))


def test_the_identity_header_is_checked(served) -> None:
    sim, _ = served
    wrong = _get(sim, "/msi/token?resource=https://x/&api-version=2019-08-01", {"X-IDENTITY-HEADER": "guess"})
    missing = _get(sim, "/msi/token?api-version=2019-08-01", {"X-IDENTITY-HEADER": IDENTITY_HEADER_VALUE})
    assert (wrong.status, missing.status) == (401, 400)


def test_unknown_tenant_and_grant_get_oauth_errors(served) -> None:
    sim, _ = served
    form = {"content-type": "application/x-www-form-urlencoded"}
    other = sim.handle(SimRequest("POST", f"{SIM_ARM_ENDPOINT}/contoso.com/oauth2/v2.0/token", form, b"client_id=a"))
    grant = sim.handle(
        SimRequest("POST", f"{SIM_ARM_ENDPOINT}/{SIM_TENANT}/oauth2/v2.0/token", form, b"client_id=a&grant_type=x")
    )
    secretless = sim.handle(
        SimRequest(
            "POST",
            f"{SIM_ARM_ENDPOINT}/{SIM_TENANT}/oauth2/v2.0/token",
            form,
            b"client_id=a&grant_type=client_credentials",
        )
    )
    assert (other.status, other.body["error"]) == (400, "invalid_tenant")
    assert (grant.status, grant.body["error"]) == (400, "unsupported_grant_type")
    assert (secretless.status, secretless.body["error"]) == (401, "invalid_client")


def test_cloud_metadata_names_the_simulator_as_login_endpoint_and_audience(served) -> None:
    sim, _ = served
    answer = _get(sim, "/metadata/endpoints?api-version=2022-09-01")
    body = json.loads(answer.content())
    # What az's `cloud register` reads (azure.cli.core.cloud._arm_to_cli_mapper).
    assert body["name"] and isinstance(body["suffixes"], dict)
    assert body["resourceManager"] == f"{SIM_ARM_ENDPOINT}/"
    assert body["authentication"]["loginEndpoint"] == f"{SIM_ARM_ENDPOINT}/"
    assert body["authentication"]["audiences"] == [f"{SIM_ARM_ENDPOINT}/"]


def test_subscriptions_and_tenants_need_a_token_and_list_the_estate(served) -> None:
    sim, _ = served
    bearer = {"authorization": f"Bearer {make_sim_token()[0]}"}
    assert _get(sim, "/subscriptions?api-version=2022-12-01").status == 401
    subscriptions = _get(sim, "/subscriptions?api-version=2022-12-01", bearer).body["value"]
    assert [(s["subscriptionId"], s["tenantId"], s["state"]) for s in subscriptions] == [
        (SUBSCRIPTION, SIM_TENANT, "Enabled")
    ]
    assert _get(sim, f"/subscriptions/{SUBSCRIPTION}?api-version=2022-12-01", bearer).body["id"] == (
        f"/subscriptions/{SUBSCRIPTION}"
    )
    assert _get(sim, "/subscriptions/0b9c3c1e-0000-4000-8000-000000000000?api-version=2022-12-01", bearer).status == 404
    tenants = _get(sim, "/tenants?api-version=2022-12-01", bearer).body["value"]
    assert [t["tenantId"] for t in tenants] == [SIM_TENANT]


def test_public_web_hosts_keep_their_own_paths(served) -> None:
    """A stamp's host answering /msi/token is the stamp's web app, not the sign-in endpoint."""
    sim, _ = served
    answer = sim.handle(SimRequest("GET", "https://app-mc-weu-1.azurewebsites.net/msi/token", {}))
    assert answer.body["stamp"] == "weu-1" and "access_token" not in answer.body
