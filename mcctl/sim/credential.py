"""The simulator's credential: a well-formed but unsigned JWT naming a simulated operator.

The token carries the identity claims (upn, oid, tid, appid) that the journal records as the actor,
so the simulated path exercises the same claim parsing as a real Entra ID token.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any, NamedTuple


class _Token(NamedTuple):
    token: str
    expires_on: int


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def make_sim_token(upn: str | None = None, lifetime: int = 3600) -> tuple[str, int]:
    expires = int(time.time()) + lifetime
    claims = {
        "aud": "https://management.azure.com/",
        "iss": "https://sts.sim.mcctl.invalid/00000000-0000-0000-0000-000000000000/",
        "upn": upn or os.environ.get("MCCTL_SIM_USER") or f"{os.environ.get('USER', 'operator')}@sim.mcctl",
        "oid": "11111111-2222-4333-8444-555555555555",
        "tid": "00000000-0000-0000-0000-000000000000",
        "appid": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "exp": expires,
    }
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.sim", expires


class SimCredential:
    """Implements both TokenCredential.get_token and SupportsTokenInfo.get_token_info."""

    def __init__(self, upn: str | None = None) -> None:
        self._upn = upn

    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        from azure.core.credentials import AccessToken

        token, expires = make_sim_token(self._upn)
        return AccessToken(token, expires)

    def get_token_info(self, *scopes: str, options: Any = None) -> Any:
        from azure.core.credentials import AccessTokenInfo

        token, expires = make_sim_token(self._upn)
        return AccessTokenInfo(token, expires)

    def close(self) -> None:
        pass


def token_identity(authorization: str) -> dict[str, Any]:
    """The unverified claims of a request's `Authorization: Bearer <jwt>` ({} when there is none):
    the simulator tells its clients apart by them (who started an operation), never trusts them."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return {}
    try:
        payload = token.strip().split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


def caller_of(authorization: str) -> str:
    """A stable name of the client behind a request: its token's object id (a user or service
    principal), else its app id, else "anonymous"."""
    claims = token_identity(authorization)
    return str(claims.get("oid") or claims.get("appid") or claims.get("azp") or "anonymous")
