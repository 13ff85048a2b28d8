"""az signs in to the simulator as the README's recipe says, both ways, and mcctl acts as az's identity."""

from __future__ import annotations

import base64
import json

from tests.interop.conftest import Served

SUBSCRIPTION = "6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c"  # the demo estate's


def _claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_service_principal_login_finds_the_estate_subscription(signed_in: Served) -> None:
    account = signed_in.az("account", "show")
    assert account["id"] == SUBSCRIPTION
    assert account["tenantId"] == signed_in.info["tenant"]
    assert account["user"] == {"name": signed_in.info["app_id"], "type": "servicePrincipal"}
    token = signed_in.az("account", "get-access-token")
    claims = _claims(token["accessToken"])
    assert claims["tid"] == signed_in.info["tenant"] and claims["appid"] == signed_in.info["app_id"]
    tenants = signed_in.az("rest", "--method", "get", "--url", "/tenants?api-version=2022-12-01")["value"]
    assert [t["tenantId"] for t in tenants] == [signed_in.info["tenant"]]


def test_managed_identity_login(served: Served, tmp_path) -> None:
    env = {
        **served.az_env,
        "AZURE_CONFIG_DIR": str(tmp_path / "az-msi"),
        "IDENTITY_ENDPOINT": served.info["identity_endpoint"],
        "IDENTITY_HEADER": served.info["identity_header"],
    }
    served.az("cloud", "register", "-n", "mcctl-sim", "--endpoint-resource-manager", served.info["url"], env=env)
    served.az("cloud", "set", "-n", "mcctl-sim", env=env)
    accounts = served.az("login", "--identity", env=env)
    assert [a["id"] for a in accounts] == [SUBSCRIPTION]
    assert accounts[0]["user"]["type"] == "servicePrincipal"
    plans = served.az("appservice", "plan", "list", "--query", "[].name", env=env)
    assert "asp-mc-weu-1" in plans


def test_a_wrong_identity_header_is_refused(served: Served, tmp_path) -> None:
    env = {
        **served.az_env,
        "AZURE_CONFIG_DIR": str(tmp_path / "az-msi-bad"),
        "IDENTITY_ENDPOINT": served.info["identity_endpoint"],
        "IDENTITY_HEADER": "not-the-header",
    }
    served.az("cloud", "register", "-n", "mcctl-sim", "--endpoint-resource-manager", served.info["url"], env=env)
    served.az("cloud", "set", "-n", "mcctl-sim", env=env)
    assert served.az("login", "--identity", env=env, check=False) is None


def test_mcctl_with_the_cli_credential_journals_the_az_identity(signed_in: Served) -> None:
    """The served estate file (credential: cli): mcctl's token is az's, so is the journal's actor."""
    signed_in.mcctl("scale", "eus2-2", "--instances", "4", "--yes", served=True)
    latest = signed_in.mcctl("journal", "list", served=True)[0]
    assert latest["kind"] == "scale"
    assert latest["actor"] == signed_in.info["app_id"]
    plan = signed_in.az("appservice", "plan", "show", "-g", "rg-mc-eus2-2", "-n", "asp-mc-eus2-2")
    assert plan["sku"]["capacity"] == 4
