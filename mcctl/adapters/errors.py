"""azure-core exceptions → mcctl errors, in one table."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from mcctl.adapters.sdkvalues import plain
from mcctl.errors import ArmUnreachable, AuthError, AzureRequestError, ResourceMissingError

_AUTH_HINT = (
    "sign in with `az login`, run where a managed identity is assigned, or set MCCTL_ACCESS_TOKEN; "
    "--credential (or `credential:` in the estate file) picks the kind, --debug shows the credential log"
)
CA_HINT = "the server's certificate is not trusted: set `cloud.ca_bundle` in the estate file to the CA's PEM file"
_MAX = 300  # a message stays one readable line


def _one_line(text: str) -> str:
    return " ".join(text.split())


NO_AZ_HINT = (
    "the Azure CLI is not installed here: install it (https://aka.ms/azcli) and `az login`, or pick another "
    "credential (--credential managed-identity|environment, or set MCCTL_ACCESS_TOKEN)"
)


def auth_failure(credential: str, exc: BaseException) -> tuple[str, str]:
    """(message, hint) for a credential that got no token: one line naming the credential (and, for a
    chain, the credentials it tried), however many lines azure-identity's own text has."""
    text = str(exc)
    tried = list(dict.fromkeys(re.findall(r"^\s*(\w+Credential):", text, flags=re.MULTILINE)))
    first = _one_line(text.strip().splitlines()[0] if text.strip() else type(exc).__name__)
    if tried:
        message = f"{credential} could not sign in (tried {', '.join(tried)})"
    else:
        message = f"{credential} could not get a token: {first}"
    if not tried and re.search(r"azure cli not found", text, flags=re.IGNORECASE):
        # `az login` cannot help where there is no az: say what can
        return message[:_MAX], NO_AZ_HINT
    return message[:_MAX], _AUTH_HINT


def certificate_failure(exc: BaseException) -> str | None:
    """ "certificate verify failed (<why>)" when a TLS handshake failed because the server's chain is
    not trusted (no CA bundle, or the wrong one); None for any other failure."""
    seen: BaseException | None = exc
    for _ in range(8):  # the SSL error is a few causes deep (azure-core → requests → urllib3 → ssl)
        if seen is None:
            break
        found = re.search(r"certificate verify failed(?::\s*([^(')\]]+))?", str(seen), flags=re.IGNORECASE)
        if found:
            why = (found.group(1) or "").strip()
            return f"TLS certificate verify failed ({why})" if why else "TLS certificate verify failed"
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "inner_exception", None)
    return None


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


def raised_by_credential(exc: BaseException) -> bool:
    """A credential could not get a token (azure-identity's CredentialUnavailableError, or another
    ClientAuthenticationError with no HTTP response), as opposed to ARM answering 401. Told apart
    without importing azure.identity (msal, cryptography: ~150 ms), which a run under --sim or with
    MCCTL_ACCESS_TOKEN never needs."""
    unavailable = any(
        cls.__name__ == "CredentialUnavailableError" and cls.__module__.startswith("azure.identity")
        for cls in type(exc).__mro__
    )
    return unavailable or getattr(exc, "response", None) is None


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

    try:
        yield
    except ClientAuthenticationError as exc:
        if raised_by_credential(exc):
            message, hint = auth_failure("the credential", exc)
            raise AuthError(f"{what}: {message}", hint=hint) from exc
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
        untrusted = certificate_failure(exc)
        detail = untrusted or _one_line(str(exc))[:_MAX]
        # A request that could not be sent (no connection, DNS, TLS trust) says ARM is out of reach
        # for every read; an answer that broke off is about this request only.
        error = ArmUnreachable if isinstance(exc, ServiceRequestError) else AzureRequestError
        raise error(
            f"{what}: cannot reach Azure Resource Manager: {detail}", hint=CA_HINT if untrusted else None
        ) from exc
