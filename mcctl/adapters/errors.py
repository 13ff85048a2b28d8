"""azure-core exceptions → mcctl errors, in one table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mcctl.adapters.sdkvalues import plain
from mcctl.errors import AuthError, AzureRequestError, ResourceMissingError

_AUTH_HINT = "sign in (az login), set MCCTL_ACCESS_TOKEN, or choose --credential"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def describe_http_error(exc: object) -> tuple[int | None, str | None, str]:
    """(status, ARM error code, one-line message) of an azure-core HttpResponseError."""
    status = getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) if error is not None else None
    code = plain(code or getattr(exc, "error_code", None))  # the storage SDKs put the service's code there
    message = getattr(error, "message", None) if error is not None else None
    if not message:
        message = str(getattr(exc, "reason", None) or getattr(exc, "message", None) or exc).splitlines()[0]
    return status, code, _one_line(message)


@contextmanager
def azure_errors(what: str) -> Iterator[None]:
    """Translate SDK exceptions raised while doing `what` (e.g. "reading failover group fg-1")."""
    from azure.core.exceptions import (
        ClientAuthenticationError,
        HttpResponseError,
        ResourceNotFoundError,
        ServiceRequestError,
        ServiceResponseError,
    )
    from azure.identity import CredentialUnavailableError

    try:
        yield
    except CredentialUnavailableError as exc:
        raise AuthError(f"{what}: no credential available: {_one_line(str(exc))[:300]}", hint=_AUTH_HINT) from exc
    except ClientAuthenticationError as exc:
        raise AuthError(f"{what}: authentication failed: {describe_http_error(exc)[2]}", hint=_AUTH_HINT) from exc
    except ResourceNotFoundError as exc:
        status, code, message = describe_http_error(exc)
        raise ResourceMissingError(
            f"{what}: not found ({code or status}): {message}",
            status=status,
            code=code,
            hint="check the names in the estate file against the subscription",
        ) from exc
    except HttpResponseError as exc:
        status, code, message = describe_http_error(exc)
        if status in (401, 403):
            raise AuthError(f"{what}: {code or 'forbidden'}: {message}", hint=_AUTH_HINT) from exc
        if status is not None and 200 <= status < 300:
            label = f"operation failed ({code or 'no code'})"  # the monitor answered 200 with status Failed
        else:
            label = f"HTTP {status} {code}" if code else f"HTTP {status}"
        raise AzureRequestError(f"{what}: {label}: {message}", status=status, code=code) from exc
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise AzureRequestError(f"{what}: cannot reach Azure Resource Manager: {_one_line(str(exc))[:300]}") from exc
