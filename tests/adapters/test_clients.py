"""The client factory: clouds, credential choice, one shared credential, token claims."""

from __future__ import annotations

import pytest

from mcctl.adapters.clients import AzureSession, StaticTokenCredential, build_credential, resolve_endpoint
from mcctl.domain.estate import Cloud
from mcctl.errors import UsageError
from mcctl.sim.credential import make_sim_token


@pytest.mark.parametrize(
    ("cloud", "url", "scope"),
    [
        ("AzureCloud", "https://management.azure.com", "https://management.azure.com/.default"),
        ("AzureChinaCloud", "https://management.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"),
        (
            "AzureUSGovernment",
            "https://management.usgovcloudapi.net",
            "https://management.core.usgovcloudapi.net/.default",
        ),
    ],
)
def test_named_clouds_resolve_to_their_arm_endpoint(cloud: str, url: str, scope: str) -> None:
    endpoint = resolve_endpoint(Cloud(cloud))
    assert endpoint.url == url and endpoint.scopes == (scope,)
    assert endpoint.authority and endpoint.ca_bundle is None


def test_custom_cloud_uses_its_endpoint_audience_and_ca_bundle() -> None:
    endpoint = resolve_endpoint(Cloud("custom", "https://arm.stack.local/", "/etc/ca.pem", "https://aud.local"))
    assert endpoint.url == "https://arm.stack.local"
    assert endpoint.scopes == ("https://aud.local/.default",) and endpoint.ca_bundle == "/etc/ca.pem"


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        ("default", "DefaultAzureCredential"),
        ("cli", "AzureCliCredential"),
        ("managed-identity", "ManagedIdentityCredential"),
        ("environment", "EnvironmentCredential"),
    ],
)
def test_credential_kinds(kind: str, cls: str) -> None:
    assert type(build_credential(kind, None)).__name__ == cls


def test_unknown_credential_kind_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--credential"):
        build_credential("browser", None)


def test_access_token_env_wins_and_exposes_identity_claims(monkeypatch, demo_estate) -> None:
    token, expires = make_sim_token("oncall@contoso.com")
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", token)
    credential = build_credential("cli", None)
    assert isinstance(credential, StaticTokenCredential)
    assert credential.get_token("scope").expires_on == expires
    session = AzureSession(demo_estate)
    assert session.identity()["upn"] == "oncall@contoso.com"
    assert token not in str(session.identity())


def test_every_client_shares_one_credential(session, demo_estate) -> None:
    sub = demo_estate.subscription
    clients = [
        session.web(sub),
        session.sql(sub),
        session.cdn(sub),
        session.redis_enterprise(sub),
        session.redis_cache(sub),
    ]
    assert all(c._config.credential is session.credential for c in clients)
    assert session.web(sub) is clients[0]  # cached per (service, subscription)
