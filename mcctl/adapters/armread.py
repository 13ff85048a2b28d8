"""ARM reads as ARM's JSON, without an SDK's models: for the lists and GETs a read-only command makes.

A management SDK is imported whole to make one call: azure-mgmt-web's client loads every operation
and model of App Service (~130 ms), azure-mgmt-sql's a 4 MB operations module (~100 ms). A read
that needs a few fields of a list (every web app's state, every plan's workers) gets them from the
JSON itself through the same azure-core pipeline as the SDK clients: the session's endpoint,
credential, transport and CA bundle, and the SDK clients' policies (retries with Retry-After, ARM
challenge authentication, resource provider registration, redacting HTTP log). Errors are
azure-core's, as the SDK raises them, so `azure_errors` translates them the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession

SERVICE = "arm-json"  # the session's client cache key (one reader per session)


class ArmReader:
    """GET and paged list of ARM resources as dicts (camelCase, as ARM sends them)."""

    def __init__(self, credential: Any, subscription: str, **kwargs: Any) -> None:
        from azure.core.pipeline import policies
        from azure.mgmt.core import ARMPipelineClient
        from azure.mgmt.core.policies import (
            ARMAutoResourceProviderRegistrationPolicy,
            ARMChallengeAuthenticationPolicy,
            ARMHttpLoggingPolicy,
        )

        base_url = kwargs.pop("base_url")
        scopes = kwargs.pop("credential_scopes")
        kwargs.setdefault("sdk_moniker", "mcctl-arm-read")
        # The SDK clients' pipeline, in their order (e.g. azure.mgmt.cdn's CdnManagementClient).
        pipeline = [
            policies.RequestIdPolicy(**kwargs),
            policies.HeadersPolicy(**kwargs),
            policies.UserAgentPolicy(**kwargs),
            policies.ProxyPolicy(**kwargs),
            policies.ContentDecodePolicy(**kwargs),
            ARMAutoResourceProviderRegistrationPolicy(),
            policies.RedirectPolicy(**kwargs),
            policies.RetryPolicy(**kwargs),
            ARMChallengeAuthenticationPolicy(credential, *scopes, **kwargs),
            policies.CustomHookPolicy(**kwargs),
            policies.NetworkTraceLoggingPolicy(**kwargs),
            policies.DistributedTracingPolicy(**kwargs),
            policies.SensitiveHeaderCleanupPolicy(**kwargs),
            ARMHttpLoggingPolicy(**kwargs),
        ]
        self._client: Any = ARMPipelineClient(base_url=base_url, policies=pipeline, **kwargs)
        self._base = base_url.rstrip("/")

    def get(self, path: str, api_version: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        """The resource at `path` (`/subscriptions/...`); 404 raises ResourceNotFoundError."""
        query = urlencode({"api-version": api_version, **(params or {})})
        return self._send(f"{self._base}{path}?{query}")

    def list(self, path: str, api_version: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        """Every item of the list at `path`, page after page (`value`, `nextLink`)."""
        items: list[dict[str, Any]] = []
        url: str | None = f"{self._base}{path}?{urlencode({'api-version': api_version, **(params or {})})}"
        while url:
            page = self._send(url)
            items.extend(page.get("value") or [])
            url = _with_version(page.get("nextLink"), api_version)
        return items

    def _send(self, url: str) -> dict[str, Any]:
        from azure.core.exceptions import (
            ClientAuthenticationError,
            HttpResponseError,
            ResourceExistsError,
            ResourceNotFoundError,
            ResourceNotModifiedError,
            map_error,
        )
        from azure.core.rest import HttpRequest
        from azure.mgmt.core.exceptions import ARMErrorFormat

        response = self._client.send_request(HttpRequest("GET", url, headers={"Accept": "application/json"}))
        if response.status_code != 200:
            # As the SDK operations raise them: the same classes, ARM's error body parsed.
            errors = {
                401: ClientAuthenticationError,
                404: ResourceNotFoundError,
                409: ResourceExistsError,
                304: ResourceNotModifiedError,
            }
            map_error(status_code=response.status_code, response=response, error_map=errors)
            raise HttpResponseError(response=response, error_format=ARMErrorFormat)
        body = response.json() if response.content else {}
        return body if isinstance(body, dict) else {}

    def close(self) -> None:
        self._client.close()


def _with_version(link: str | None, api_version: str) -> str | None:
    """A nextLink, with the api-version ARM sometimes leaves off it."""
    if not link:
        return None
    parts = urlsplit(link)
    if any(name.lower() == "api-version" for name, _ in parse_qsl(parts.query, keep_blank_values=True)):
        return link  # as ARM sent it: a skip token is opaque
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=f"{query}{urlencode({'api-version': api_version})}"))


def reader(session: AzureSession) -> ArmReader:
    """The session's reader (built once, closed with the session's clients)."""
    built: ArmReader = session.client(SERVICE, "", ArmReader)
    return built
