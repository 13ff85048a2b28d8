"""Public endpoints (stamp health endpoints, the Front Door endpoint): one GET, failures as mcctl errors.

The session's `web_get` speaks azure-core (its exceptions); the ops that probe see only
`EndpointUnreachable`, so they need not import the SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
