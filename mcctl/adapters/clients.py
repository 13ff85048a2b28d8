"""One factory for the SDK clients of an mcctl run: cloud endpoint, credential, transport, clock.

The adapters are the same code against Azure and against the simulator; what differs (endpoint,
credential, transport, clock) is injected by the composition root (`mcctl.bootstrap`), so nothing
here knows the simulator. One credential instance is shared by every client: AzureCliCredential
would otherwise spawn `az` for every token.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mcctl.adapters.clock import Clock, SystemClock
from mcctl.adapters.credential_guard import GuardedCredential
from mcctl.errors import UsageError

if TYPE_CHECKING:
    from mcctl.domain.estate import Cloud, Estate, LockConfig

BLOB_SUFFIX = {
    "AzureCloud": "blob.core.windows.net",
    "AzureChinaCloud": "blob.core.chinacloudapi.cn",
    "AzureUSGovernment": "blob.core.usgovcloudapi.net",
}
CREDENTIAL_KINDS = ("default", "cli", "managed-identity", "environment")
ACCESS_TOKEN_ENV = "MCCTL_ACCESS_TOKEN"


@dataclass(frozen=True)
class WebResponse:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float  # on the session clock (simulated seconds against the simulator)


@dataclass(frozen=True)
class ArmEndpoint:
    url: str
    scopes: tuple[str, ...]
    authority: str | None
    ca_bundle: str | None = None
    tenant: str | None = None  # the estate's `cloud.tenant` ("adfs" for an ADFS authority)

    @property
    def private_authority(self) -> bool:
        """An authority Microsoft's instance discovery does not know (ADFS, a disconnected Azure
        Stack Hub): azure-identity must be told not to ask login.microsoftonline.com about it."""
        if self.authority is None:
            return False
        url = self.authority if "://" in self.authority else f"https://{self.authority}"
        adfs = (self.tenant or "").lower() == ADFS_TENANT
        return adfs or urlsplit(url).hostname not in MICROSOFT_AUTHORITY_HOSTS


ADFS_TENANT = "adfs"
AUTHORITY_HOSTS = {  # = azure.identity.AzureAuthorityHosts (tests/test_imports_reads.py checks they agree)
    "AzureCloud": "login.microsoftonline.com",
    "AzureChinaCloud": "login.chinacloudapi.cn",
    "AzureUSGovernment": "login.microsoftonline.us",
}
MICROSOFT_AUTHORITY_HOSTS = frozenset(AUTHORITY_HOSTS.values())


def authority_host(authority: str, tenant: str | None) -> tuple[str, str | None]:
    """(authority host, tenant) as azure-identity wants them: it builds `{host}/{tenant}` itself.
    `az cloud show` and Azure Stack Hub's documents give the ADFS authority with `/adfs` on it, so
    `https://adfs.local.azurestack.external/adfs` is read as host + tenant "adfs"."""
    host = authority.rstrip("/")
    if host.lower().endswith("/adfs") and (tenant is None or tenant.lower() == ADFS_TENANT):
        return host[: -len("/adfs")], ADFS_TENANT
    return host, tenant


def web_url(cloud: Cloud, url: str) -> str:
    """Where a request to the public `url` is sent: `url` itself, or with the estate's
    `cloud.web_endpoint`, path-style `{web_endpoint}/@web/{host}{path}?{query}`. The port (and any
    user info) is dropped: the simulator keys public endpoints by host name, as when called host-style."""
    if not cloud.web_endpoint:
        return url
    parts = urlsplit(url)
    path = "" if parts.path in ("", "/") else parts.path
    query = f"?{parts.query}" if parts.query else ""
    return f"{cloud.web_endpoint.rstrip('/')}/@web/{(parts.hostname or '').lower()}{path}{query}"


def resolve_endpoint(cloud: Cloud) -> ArmEndpoint:
    if cloud.name == "custom":
        assert cloud.arm_endpoint
        url = cloud.arm_endpoint.rstrip("/")
        audience = (cloud.audience or url).rstrip("/")
        authority, tenant = authority_host(cloud.authority, cloud.tenant) if cloud.authority else (None, cloud.tenant)
        return ArmEndpoint(url, (f"{audience}/.default",), authority, cloud.ca_bundle, tenant)
    from azure.core import AzureClouds
    from azure.mgmt.core.tools import get_arm_endpoints

    # azure.identity.AzureAuthorityHosts' values, written out: importing azure.identity (msal,
    # cryptography) for three constants would cost a run with MCCTL_ACCESS_TOKEN ~150 ms.
    setting, authority = {
        "AzureCloud": (AzureClouds.AZURE_PUBLIC_CLOUD, AUTHORITY_HOSTS["AzureCloud"]),
        "AzureChinaCloud": (AzureClouds.AZURE_CHINA_CLOUD, AUTHORITY_HOSTS["AzureChinaCloud"]),
        "AzureUSGovernment": (AzureClouds.AZURE_US_GOVERNMENT, AUTHORITY_HOSTS["AzureUSGovernment"]),
    }[cloud.name]
    arm = get_arm_endpoints(setting)
    scopes = tuple(arm["credential_scopes"])
    return ArmEndpoint(arm["resource_manager"].rstrip("/"), scopes, authority, None, cloud.tenant)


class StaticTokenCredential:
    """A pre-obtained ARM token (MCCTL_ACCESS_TOKEN) for scripts that already hold one."""

    def __init__(self, token: str) -> None:
        self._token = token.strip()
        claims = token_claims(self._token)
        self._expires = int(claims.get("exp") or time.time() + 3600)

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        return AccessToken(self._token, self._expires)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo(self._token, self._expires)

    def close(self) -> None:
        pass


def token_claims(token: str) -> dict[str, Any]:
    """The unverified claims of a JWT (for display and the journal's actor; never for trust)."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
        return claims if isinstance(claims, dict) else {}
    except (IndexError, ValueError):
        return {}


def build_credential(kind: str, authority: str | None, endpoint: ArmEndpoint | None = None) -> Any:
    """The credential of `kind`, told the cloud's authority, tenant and CA bundle (`endpoint`):
    azure-identity's token requests are HTTPS calls too, to an ADFS with a private CA on Azure Stack Hub."""
    token = os.environ.get(ACCESS_TOKEN_ENV, "").strip()  # set but blank: as if unset
    if token:
        return StaticTokenCredential(token)
    if kind not in CREDENTIAL_KINDS:
        raise UsageError(f"--credential: unknown kind '{kind}' (choose from {', '.join(CREDENTIAL_KINDS)})")
    from azure import identity

    tenant = endpoint.tenant if endpoint else None
    extra: dict[str, Any] = {"authority": authority} if authority else {}
    if endpoint is not None and endpoint.private_authority:
        extra["disable_instance_discovery"] = True
    if endpoint is not None and endpoint.ca_bundle:
        extra["connection_verify"] = endpoint.ca_bundle
    if kind == "cli":
        # az keeps the cloud's authority itself (`az cloud register`); only the tenant is passed,
        # and not ADFS's pseudo-tenant, which az does not take.
        cli_tenant = tenant if tenant and tenant.lower() != ADFS_TENANT else None
        return identity.AzureCliCredential(tenant_id=cli_tenant) if cli_tenant else identity.AzureCliCredential()
    if kind == "managed-identity":
        return identity.ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
    if kind == "environment":  # its tenant is AZURE_TENANT_ID, as the credential defines
        return identity.EnvironmentCredential(**extra)
    if tenant:
        extra.update(workload_identity_tenant_id=tenant, shared_cache_tenant_id=tenant)
    return identity.DefaultAzureCredential(exclude_interactive_browser_credential=True, **extra)


class AzureSession:
    """The SDK clients of one mcctl run, built lazily and cached per (service, subscription).

    `endpoint`, `credential`, `transport`, `clock` and `blob_suffix` default to Azure's (the estate's
    cloud, the credential kind, azure-core's HTTP transport, the system clock). `simulated` is only
    what callers must know about the other side (local state is kept apart), never how to reach it.
    """

    def __init__(
        self,
        estate: Estate,
        *,
        simulated: bool = False,
        credential_kind: str | None = None,
        debug: bool = False,
        endpoint: ArmEndpoint | None = None,
        transport: Any = None,
        credential: Any = None,
        clock: Clock | None = None,
        blob_suffix: str | None = None,
        client_options: dict[str, Any] | None = None,
    ) -> None:
        self.estate = estate
        self.simulated = simulated
        self.debug = debug
        self.clock: Clock = clock or SystemClock()
        self._blob_suffix = blob_suffix
        self._credential_kind = credential_kind or estate.credential
        self._endpoint = endpoint
        self._credential: Any = credential
        self._transport: Any = transport
        self._clients: dict[tuple[str, str], Any] = {}
        self._client_options = dict(client_options or {})  # extra azure-core options for every client
        self._web: Any = None
        self._web_lock = threading.Lock()
        self._lock = threading.RLock()
        # A list read moments ago that the next reader of the same list takes instead of asking ARM
        # again, once and only while fresh (the web apps discovery read when the session opened:
        # the command's first inventory reuses them; later reads, e.g. after a change, go to ARM).
        self._read_once: dict[str, tuple[float, Any]] = {}

    READ_ONCE_SECONDS = 5.0  # on the session clock: simulated time passes in LRO polls and waits

    def keep_once(self, key: str, value: Any) -> None:
        with self._lock:
            self._read_once[key] = (self.now(), value)

    def take_once(self, key: str) -> Any:
        """The value kept under `key` if it is still fresh (then forgotten either way), or None."""
        with self._lock:
            kept = self._read_once.pop(key, None)
        if kept is None or self.now() - kept[0] > self.READ_ONCE_SECONDS:
            return None
        return kept[1]

    @property
    def endpoint(self) -> ArmEndpoint:
        if self._endpoint is None:
            self._endpoint = resolve_endpoint(self.estate.cloud)
        return self._endpoint

    @property
    def credential(self) -> Any:
        with self._lock:
            if self._credential is None:
                credential = build_credential(self._credential_kind, self.endpoint.authority, self.endpoint)
                # A pre-obtained token cannot fail to be got; an azure-identity one is guarded.
                static = isinstance(credential, StaticTokenCredential)
                self._credential = credential if static else GuardedCredential(credential)
            return self._credential

    def now(self) -> float:
        """The clock deadlines are measured on: simulated time against the simulator."""
        return self.clock.now()

    def sleep(self, seconds: float) -> None:
        """Wait on the session clock: against the simulator, simulated time passes instead."""
        if seconds > 0:
            self.clock.sleep(seconds)

    def _client_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "base_url": self.endpoint.url,
            "credential_scopes": list(self.endpoint.scopes),
            "user_agent": "mcctl",
        }
        if self._transport is not None:
            kwargs["transport"] = self._transport
        if self.endpoint.ca_bundle:
            kwargs["connection_verify"] = self.endpoint.ca_bundle
        kwargs.update(self._client_options)
        # No `logging_enable`: azure-core's NetworkTraceLoggingPolicy would log the bearer token.
        # --debug relies on HttpLoggingPolicy instead, which redacts Authorization.
        return kwargs

    def client(self, service: str, subscription: str, factory: Callable[..., Any]) -> Any:
        """Any SDK management client (a plugin's), cached per (service, subscription), with the
        session's endpoint, credential, transport and CA bundle: the same as the built-in clients."""
        return self._client(service, subscription, factory)

    def _client(self, service: str, subscription: str, factory: Callable[..., Any]) -> Any:
        key = (service, subscription)
        with self._lock:  # reads run in parallel threads: one client (and one credential) per key
            if key not in self._clients:
                self._clients[key] = factory(self.credential, subscription, **self._client_kwargs())
            return self._clients[key]

    def web(self, subscription: str) -> Any:
        from azure.mgmt.web import WebSiteManagementClient

        return self._client("web", subscription, WebSiteManagementClient)

    def sql(self, subscription: str) -> Any:
        from azure.mgmt.sql import SqlManagementClient

        return self._client("sql", subscription, SqlManagementClient)

    def cdn(self, subscription: str) -> Any:
        from azure.mgmt.cdn import CdnManagementClient

        return self._client("cdn", subscription, CdnManagementClient)

    def redis_enterprise(self, subscription: str) -> Any:
        from azure.mgmt.redisenterprise import RedisEnterpriseManagementClient

        return self._client("redisenterprise", subscription, RedisEnterpriseManagementClient)

    def redis_cache(self, subscription: str) -> Any:
        from azure.mgmt.redis import RedisManagementClient

        return self._client("redis", subscription, RedisManagementClient)

    def blob_service_url(self, lock: LockConfig) -> str:
        if lock.endpoint:
            return lock.endpoint.rstrip("/")
        suffix = self._blob_suffix or BLOB_SUFFIX[self.estate.cloud.name]
        return f"https://{lock.storage_account}.{suffix}"

    def blob(self, lock: LockConfig) -> Any:
        """A BlobClient for the lock blob, on the same transport and credential as ARM."""
        from azure.storage.blob import BlobClient

        kwargs = self._client_kwargs()
        for arm_only in ("base_url", "credential_scopes"):
            kwargs.pop(arm_only)
        return BlobClient(self.blob_service_url(lock), lock.container, lock.blob, credential=self.credential, **kwargs)

    def web_get(self, url: str, timeout: float) -> WebResponse:
        """GET a public endpoint (a stamp's health endpoint, the Front Door endpoint): `web_request`."""
        return self.web_request("GET", url, timeout)

    def web_request(self, method: str, url: str, timeout: float, body: dict[str, Any] | None = None) -> WebResponse:
        """The one way mcctl calls a public endpoint (health probes, smoke checks, the Front Door
        endpoint, drill probes): no token, no retries, one timeout for connect and read, sent where
        `web_url` says. Raises azure-core ServiceRequestError (cannot connect) or
        ServiceResponseError/ServiceResponseTimeoutError (no or late answer)."""
        from azure.core import PipelineClient
        from azure.core.pipeline.policies import UserAgentPolicy
        from azure.core.rest import HttpRequest

        with self._web_lock:  # probes run concurrently: build one client, not one per thread
            if self._web is None:
                # The injected transport if any (the simulator's), else azure-core's requests
                # transport with one pool sized to the probes in flight (health.concurrency).
                transport = self._transport
                if transport is None:
                    from mcctl.adapters.endpoint import pooled_transport

                    transport = pooled_transport(self.estate.health.concurrency)
                self._web = PipelineClient(base_url="", policies=[UserAgentPolicy("mcctl")], transport=transport)
        # The estate's CA bundle for the public endpoints too: on Azure Stack Hub they are served
        # with the same private CA as ARM (and with `cloud.web_endpoint`, by the simulator).
        verify = {"connection_verify": self.endpoint.ca_bundle} if self.endpoint.ca_bundle else {}
        target = web_url(self.estate.cloud, url)
        request = HttpRequest(method.upper(), target, json=body)  # json=None: no body
        wall = time.monotonic()
        response = self._web.send_request(request, connection_timeout=timeout, read_timeout=timeout, **verify)
        content = response.read()
        # Against the simulator the clock is shared by concurrent probes: take this request's own
        # simulated latency, not how far the shared clock moved meanwhile nor the simulator's own
        # processing time (queued behind its lock, a busy machine), which would report healthy
        # stamps slow.
        simulated = getattr(response, "simulated_seconds", None)
        seconds = simulated if simulated is not None else time.monotonic() - wall
        return WebResponse(response.status_code, dict(response.headers), content, seconds)

    def identity(self) -> dict[str, str]:
        """Who is acting, from the token's claims (upn/appid/oid; never the token itself)."""
        from mcctl.adapters.errors import azure_errors

        with azure_errors("getting a token to tell who is acting"):  # a credential failure: exit 3, not 1
            token = self.credential.get_token(*self.endpoint.scopes).token
        claims = token_claims(token)
        return {k: str(claims[k]) for k in ("upn", "unique_name", "appid", "oid", "tid") if k in claims}

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        if self._web is not None:
            self._web.close()
            self._web = None
        close = getattr(self._credential, "close", None)
        if close:
            close()
