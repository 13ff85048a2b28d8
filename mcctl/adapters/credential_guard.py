"""The credential every SDK client of a run shares (mcctl.adapters.clients.AzureSession): one sign-in
attempt at a time, its failure told once, its token kept for the run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from mcctl.errors import SignInError

REFRESH_MARGIN = 300.0  # seconds before expiry a kept token is asked for again (azure-core's own margin)


class GuardedCredential:
    """An azure-identity credential as mcctl uses it: one attempt at a time, and a failure told once,
    in one line naming the credential (`AuthError`), then repeated to every other client without
    asking again (parallel reads would otherwise each spawn `az` and each log the whole chain).
    A token is asked for once per run and scope (until it nears expiry), not once per SDK client:
    AzureCliCredential spawns `az` (about a second) for every request, and a run has a dozen clients."""

    def __init__(self, inner: Any, clock: Callable[[], float] = time.time) -> None:
        self.inner = inner
        self._lock = threading.Lock()
        self._failure: tuple[str, str] | None = None
        self._tokens: dict[tuple[Any, ...], Any] = {}  # (method, scopes, options) -> token
        self._clock = clock

    @property
    def name(self) -> str:
        return type(self.inner).__name__

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        from azure.core.exceptions import ClientAuthenticationError

        from mcctl.adapters.errors import auth_failure

        key = (method, args, repr(sorted(kwargs.items())))
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.expires_on - REFRESH_MARGIN > self._clock():
                return cached
            if self._failure is None:
                try:
                    token = getattr(self.inner, method)(*args, **kwargs)
                except ClientAuthenticationError as exc:
                    self._failure = auth_failure(self.name, exc)
                else:
                    self._tokens[key] = token
                    return token
            message, hint = self._failure
        raise SignInError(message, hint=hint)

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return self._call("get_token", *scopes, **kwargs)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        if not hasattr(self.inner, "get_token_info"):
            from azure.core.credentials import AccessTokenInfo

            token = self._call("get_token", *scopes)
            return AccessTokenInfo(token.token, token.expires_on)
        return self._call("get_token_info", *scopes, options=options)

    def close(self) -> None:
        close = getattr(self.inner, "close", None)
        if close:
            close()
