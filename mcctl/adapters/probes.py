"""A drill's synthetic probes and the simulator's admin routes, through the session's transport.

`send_probe` is `AzureSession.web_request` (any method; failures as `EndpointUnreachable`): no
token, no retries, one timeout, the simulated latency as this request's own seconds, sent to
`cloud.web_endpoint` when the estate sets one. `sim_admin` calls the simulator's admin routes
(`/providers/Mcctl.Simulator/...`) with the ARM bearer token, so a drill's `fault` step works both
in process and against `mcctl sim serve`; its client is cached by the session and closed with it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mcctl.adapters.clients import WebResponse
from mcctl.adapters.errors import CA_HINT, azure_errors, certificate_failure
from mcctl.errors import AuthError, AzureRequestError, EndpointUnreachable, McctlError

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession

ADMIN_PREFIX = "/providers/Mcctl.Simulator"
ADMIN_API_VERSION = "2026-01-01"


class NotASimulator(McctlError):
    """The ARM endpoint has no simulator admin routes: it is Azure (or an older simulator)."""


class _Client:
    """An azure-core PipelineClient plus the per-request options the session would pass."""

    def __init__(self, pipeline: Any, verify: Any, base_url: str = "") -> None:
        self.pipeline = pipeline
        self.base_url = base_url.rstrip("/")
        self.options = {"connection_verify": verify} if verify else {}

    def close(self) -> None:
        self.pipeline.close()


def _admin_client(credential: Any, subscription: str, **kwargs: Any) -> _Client:
    from azure.core import PipelineClient
    from azure.core.pipeline.policies import BearerTokenCredentialPolicy, UserAgentPolicy

    options = {"transport": kwargs["transport"]} if "transport" in kwargs else {}
    policies = [UserAgentPolicy("mcctl"), BearerTokenCredentialPolicy(credential, *kwargs["credential_scopes"])]
    pipeline = PipelineClient(base_url=kwargs["base_url"], policies=policies, **options)
    return _Client(pipeline, kwargs.get("connection_verify"), kwargs["base_url"])


def send_probe(
    session: AzureSession, method: str, url: str, timeout: float, body: dict[str, Any] | None = None
) -> WebResponse:
    """One request to a public endpoint; any HTTP status is an answer and is returned. Raises
    EndpointUnreachable when there is none (`timed_out` if it came not within `timeout`)."""
    from azure.core.exceptions import AzureError, ServiceRequestTimeoutError, ServiceResponseTimeoutError

    try:
        return session.web_request(method, url, timeout, body)
    except (ServiceRequestTimeoutError, ServiceResponseTimeoutError) as exc:
        raise EndpointUnreachable(url, type(exc).__name__, str(exc), timed_out=True) from exc
    except AzureError as exc:
        untrusted = certificate_failure(exc)
        hint = CA_HINT if untrusted else None
        raise EndpointUnreachable(url, type(exc).__name__, untrusted or str(exc), timed_out=False, hint=hint) from exc


def sim_admin(session: AzureSession, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call a simulator admin route with the ARM token: `path` is below /providers/Mcctl.Simulator
    (e.g. `/outages/westeurope`) or the full path. Returns the JSON answer. Raises NotASimulator
    when ARM has no such route (Azure answers 404), AuthError for 401/403, AzureRequestError for
    any other failure (e.g. 400 for an unknown name or mode)."""
    from azure.core.rest import HttpRequest

    client: _Client = session.client("mcctl-sim-admin", "-", _admin_client)
    if not path.lower().startswith(ADMIN_PREFIX.lower() + "/"):
        path = f"{ADMIN_PREFIX}/{path.lstrip('/')}"
    url = f"{client.base_url}{path}?api-version={ADMIN_API_VERSION}"
    request = HttpRequest(method.upper(), url, json=body) if body is not None else HttpRequest(method.upper(), url)
    with azure_errors(f"calling the simulator: {method.upper()} {path}"):
        response = client.pipeline.send_request(request, **client.options)
        content = response.read()
    answer = _json(content)
    if response.status_code == 404:
        raise NotASimulator(
            f"{session.endpoint.url} is not the mcctl simulator (no {ADMIN_PREFIX} routes)",
            hint="fault steps run only against the simulator: mcctl --sim ...",
        )
    found = answer.get("error")
    error: dict[str, Any] = found if isinstance(found, dict) else {}
    message = error.get("message") or f"HTTP {response.status_code}"
    if response.status_code in (401, 403):
        raise AuthError(f"simulator refused {method.upper()} {path}: {message}")
    if not 200 <= response.status_code < 300:
        raise AzureRequestError(
            f"simulator refused {method.upper()} {path}: {message}", status=response.status_code, code=error.get("code")
        )
    return answer


def _json(content: bytes) -> dict[str, Any]:
    if not content:
        return {}
    try:
        parsed = json.loads(content)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {"value": parsed}
