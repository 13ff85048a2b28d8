"""Sign-in for real clients of the simulator served on loopback (`mcctl sim serve`): the Azure CLI,
MSAL and azure-identity talk to these endpoints exactly as they talk to Entra ID, the App Service
managed-identity endpoint and ARM's tenant and subscription lists.

- `GET /metadata/endpoints`: the cloud's endpoints (`az cloud register --endpoint-resource-manager`
  reads them, as for Azure Stack Hub); login endpoint and audience are the simulator itself.
- `GET /{tenant}/v2.0/.well-known/openid-configuration` (and the v1 path): MSAL's tenant discovery.
- `POST /{tenant}/oauth2/v2.0/token` (and `/oauth2/token`): client credentials (a service principal,
  any non-empty secret); v1 answers also carry `resource`. No user sign-in: MSAL's user-realm
  discovery for `az login -u` drops the port of the authority, so it cannot reach a loopback server.
- `GET /msi/token`: the App Service managed-identity protocol (`IDENTITY_ENDPOINT` +
  `IDENTITY_HEADER`, the header checked).
- `GET /subscriptions`, `GET /subscriptions/{id}`, `GET /tenants`: what `az login` and
  `az account` list; the subscriptions are the ones the simulated estate has resources in.

Tokens are unsigned-but-well-formed JWTs (an RS256 header, so PyJWT in az decodes them without
verifying) carrying `tid`, `oid` and `appid`: the journal's actor is then the identity az signed
in with. Nothing here checks a secret: the simulator is a practice estate.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from mcctl.sim.http import ArmError, SimRequest, SimResponse

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl.sim.app import Effect, Sim
    from mcctl.sim.router import Router

SIM_TENANT = "00000000-0000-0000-0000-000000000000"  # the tenant of the simulated subscriptions
SIM_TENANT_DOMAIN = "sim.mcctl"
SIM_APP_ID = "5a0e1c4e-7d51-4f3c-9d2b-6c8f0a1b2c3d"  # the service principal the recipe signs in with
SIM_APP_SECRET = "practice-only"  # any non-empty secret is accepted
IDENTITY_HEADER_VALUE = "mcctl-sim-identity"  # what `IDENTITY_HEADER` must be for /msi/token
MANAGED_IDENTITY_CLIENT_ID = "9f3b5c1d-2e4a-4b6c-8d7e-0a1b2c3d4e5f"
TOKEN_LIFETIME = 3600
_NAMESPACE = uuid.UUID("6f1c0e52-8a3b-4d7e-9c2a-51b7d0e3f4a8")  # object ids derived from names

TENANT_PATH = "/{tenant}"


class IdentityProvider:
    name = "Microsoft.Identity"

    @property
    def effects(self) -> Mapping[str, Effect]:
        return {}

    def register(self, router: Router) -> None:
        router.add("GET", "/metadata/endpoints", _metadata, public=True)
        for version in ("/v2.0", ""):
            router.add("GET", f"{TENANT_PATH}{version}/.well-known/openid-configuration", _openid, public=True)
        router.add("POST", f"{TENANT_PATH}/oauth2/v2.0/token", _token, public=True)
        router.add("POST", f"{TENANT_PATH}/oauth2/token", _token, public=True)
        router.add("GET", "/msi/token", _managed_identity, public=True)
        router.add("GET", "/subscriptions", _list_subscriptions)
        router.add("GET", "/subscriptions/{subscriptionId}", _get_subscription)
        router.add("GET", "/tenants", _list_tenants)

    def seed(self, sim: Sim, estate: Estate) -> None:
        return None  # subscriptions are derived from the seeded resources


# -- cloud metadata and tenant discovery -----------------------------------------------------------
def _metadata(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    base = req.base_url
    return SimResponse(
        200,
        {
            "name": "mcctl-sim",
            "resourceManager": f"{base}/",
            "portal": f"{base}/",
            "authentication": {
                "loginEndpoint": f"{base}/",
                "audiences": [f"{base}/"],
                "tenant": "common",
                "identityProvider": "AAD",
            },
            "suffixes": {"storage": "sim.mcctl.invalid"},  # storage accounts: {account}.blob.sim.mcctl.invalid
        },
    )


def _openid(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    tenant = p["tenant"]
    unknown = _unknown_tenant(tenant)
    if unknown is not None:
        return unknown
    base = f"{req.base_url}/{tenant}"
    return SimResponse(
        200,
        {
            "issuer": f"{req.base_url}/{SIM_TENANT}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/oauth2/v2.0/logout",
            "jwks_uri": f"{req.base_url}/{tenant}/discovery/v2.0/keys",
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "tenant_region_scope": "WW",
            "cloud_instance_name": "sim.mcctl",
        },
    )


def _unknown_tenant(value: str) -> SimResponse | None:
    """The OAuth error for a tenant other than ours (by id, domain or a multi-tenant alias)."""
    if value.lower() in (SIM_TENANT, SIM_TENANT_DOMAIN, "common", "organizations", "consumers"):
        return None
    return _oauth_error(
        "invalid_tenant",
        f"AADSTS90002: Tenant '{value}' not found. The simulator has one tenant: {SIM_TENANT} ({SIM_TENANT_DOMAIN}).",
    )


# -- tokens ----------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _object_id(name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, name.lower()))


def mint(audience: str, *, app_id: str) -> tuple[str, int]:
    """(JWT, expires on) for an app: a service principal or a managed identity."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "aud": audience,
        "iss": f"https://sts.sim.mcctl.invalid/{SIM_TENANT}/",
        "iat": now,
        "nbf": now,
        "exp": now + TOKEN_LIFETIME,
        "tid": SIM_TENANT,
        "appid": app_id,
        "azp": app_id,
        "oid": _object_id(app_id),
        "sub": _object_id(f"sub:{app_id}"),
        "idtyp": "app",
        "ver": "1.0",
    }
    header = {"alg": "RS256", "typ": "JWT", "kid": "mcctl-sim"}
    body = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{body}.{_b64(b'unsigned: the simulator signs nothing')}", claims["exp"]


def _form(req: SimRequest) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(req.body.decode(errors="replace"), keep_blank_values=True).items()}


def _oauth_error(code: str, description: str, status: int = 400) -> SimResponse:
    return SimResponse(status, {"error": code, "error_description": description, "error_codes": [0]})


def _audience(form: dict[str, str], req: SimRequest) -> str:
    scope = form.get("scope") or ""
    resource = next((s for s in scope.split() if s.endswith("/.default")), "")
    if resource:
        return resource[: -len("/.default")] or f"{req.base_url}/"
    return form.get("resource") or f"{req.base_url}/"


def _token(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    unknown = _unknown_tenant(p["tenant"])
    if unknown is not None:
        return unknown
    form = _form(req)
    grant = form.get("grant_type", "")
    client_id = form.get("client_id", "")
    audience = _audience(form, req)
    if not client_id:
        return _oauth_error("invalid_request", "AADSTS900144: The request body must contain 'client_id'.")
    if grant == "client_credentials":
        if not (form.get("client_secret") or form.get("client_assertion")):
            return _oauth_error(
                "invalid_client", "AADSTS7000216: 'client_secret' or 'client_assertion' is required.", 401
            )
        token, expires = mint(audience, app_id=client_id)
        return _issued(token, expires, form)
    return _oauth_error("unsupported_grant_type", f"AADSTS70003: grant_type '{grant}' is not supported here.")


def _issued(token: str, expires: int, form: dict[str, str]) -> SimResponse:
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME,
        "ext_expires_in": TOKEN_LIFETIME,
        "expires_on": str(expires),
        "access_token": token,
    }
    if "resource" in form:
        body["resource"] = form["resource"]
    return SimResponse(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def _managed_identity(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    if req.headers.get("x-identity-header") != IDENTITY_HEADER_VALUE:
        return SimResponse(
            401,
            {"statusCode": 401, "message": "The X-IDENTITY-HEADER header is missing or is not IDENTITY_HEADER."},
        )
    resource = req.param("resource")
    if not resource:
        return SimResponse(400, {"statusCode": 400, "message": "The 'resource' query parameter is required."})
    client_id = req.param("client_id") or MANAGED_IDENTITY_CLIENT_ID
    token, expires = mint(resource, app_id=client_id)
    body = {
        "access_token": token,
        "expires_on": str(expires),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": client_id,
    }
    return SimResponse(200, body)


# -- tenants and subscriptions ---------------------------------------------------------------------
def _subscription_ids(sim: Sim) -> list[str]:
    """Every subscription the simulated estate holds a resource in, in first-seen order."""
    seen: dict[str, None] = {}
    for key in sim.store.resources:
        parts = key.split("/")
        if len(parts) > 2 and parts[1] == "subscriptions":
            seen.setdefault(parts[2], None)
    return list(seen)


def _subscription(subscription_id: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{subscription_id}",
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "subscriptionId": subscription_id,
        "tenantId": SIM_TENANT,
        "displayName": f"mcctl simulated {subscription_id[:8]}",
        "state": "Enabled",
        "subscriptionPolicies": {
            "locationPlacementId": "Public_2014-09-01",
            "quotaId": "PayAsYouGo_2014-09-01",
            "spendingLimit": "Off",
        },
    }


def _list_subscriptions(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    return sim.page(req, [_subscription(s) for s in _subscription_ids(sim)])


def _get_subscription(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    wanted = p["subscriptionId"].lower()
    if wanted not in _subscription_ids(sim):
        raise ArmError(404, "SubscriptionNotFound", f"The subscription '{p['subscriptionId']}' could not be found.")
    return SimResponse(200, _subscription(wanted))


def _list_tenants(sim: Sim, req: SimRequest, p: dict[str, str]) -> SimResponse:
    tenant = {
        "id": f"/tenants/{SIM_TENANT}",
        "tenantId": SIM_TENANT,
        "countryCode": "US",
        "displayName": "mcctl simulated tenant",
        "domains": [SIM_TENANT_DOMAIN],
        "tenantCategory": "Home",
        "defaultDomain": SIM_TENANT_DOMAIN,
        "tenantType": "AAD",
    }
    return sim.page(req, [tenant])
