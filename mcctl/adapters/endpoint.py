"""Public endpoints (stamp health endpoints, the Front Door endpoint): one GET, failures as mcctl errors.

The session's `web_get` speaks azure-core (its exceptions); the ops that probe see only
`EndpointUnreachable`, so they need not import the SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcctl.adapters.errors import CA_HINT, certificate_failure
from mcctl.errors import EndpointUnreachable

if TYPE_CHECKING:
    from mcctl.adapters.clients import AzureSession, WebResponse


def get_endpoint(session: AzureSession, url: str, timeout: float) -> WebResponse:
    """GET `url` with no token and no retries; any HTTP status is an answer and is returned.
    Raises EndpointUnreachable when there is none (`timed_out` if it came not within `timeout`)."""
    from azure.core.exceptions import AzureError, ServiceRequestTimeoutError, ServiceResponseTimeoutError

    try:
        return session.web_get(url, timeout)
    except (ServiceRequestTimeoutError, ServiceResponseTimeoutError) as exc:
        raise EndpointUnreachable(url, type(exc).__name__, str(exc), timed_out=True) from exc
    except AzureError as exc:
        untrusted = certificate_failure(exc)  # said in one line, with the way out (`cloud.ca_bundle`)
        detail = untrusted or str(exc)
        hint = CA_HINT if untrusted else None
        raise EndpointUnreachable(url, type(exc).__name__, detail, timed_out=False, hint=hint) from exc


def pooled_transport(size: int) -> Any:
    """azure-core's requests transport with a connection pool of `size` per host, for `size` hosts:
    the session's one web client, shared by every probe in flight (health.concurrency of them).
    azure-core mounts requests' default adapter (10 connections, 10 hosts): with more probes in
    flight, connections past the 10th are opened and thrown away ("Connection pool is full")."""
    from azure.core.pipeline.transport import RequestsTransport

    class PooledTransport(RequestsTransport):
        def _init_session(self, session: Any) -> None:
            super()._init_session(session)  # azure-core's adapter: no retries, its block size
            for adapter in {id(a): a for a in (session.get_adapter(p) for p in self._protocols)}.values():
                adapter.init_poolmanager(size, size)
                adapter._pool_connections, adapter._pool_maxsize = size, size  # (what it pickles)

    return PooledTransport()
