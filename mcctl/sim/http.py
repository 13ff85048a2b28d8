"""Request/response values of the simulated ARM and the ARM conventions shared by every provider."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit


@dataclass
class SimRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        self.host = (parts.hostname or "").lower()
        self.path = _collapse_slashes(parts.path, self.host).rstrip("/") or "/"
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = {k.lower(): v for k, v in self.headers.items()}

    def json(self) -> Any:
        if not self.body:
            return None
        return json.loads(self.body)

    def param(self, name: str) -> str | None:
        """Query parameters are case-insensitive in ARM ($skipToken vs $skiptoken)."""
        lowered = name.lower()
        return next((v for k, v in self.query.items() if k.lower() == lowered), None)


def _collapse_slashes(path: str, host: str) -> str:
    """ARM treats `//` in a path as `/`: `az resource show --resource-type Microsoft.Web/sites`
    sends `.../providers/Microsoft.Web//sites/{name}` and real ARM answers it. So the path every
    route, nextLink and monitor is built from has none (the query is left alone: its values may
    hold URLs). Not for the blob service, where `a//b` and `a/b` are different blob names."""
    if host.split(".")[1:2] == ["blob"] or path.lower().startswith("/@blob/"):
        return path
    return re.sub(r"/{2,}", "/", path)


@dataclass
class SimResponse:
    status: int
    body: Any = None  # JSON-serialisable, raw bytes (e.g. the blob service's XML), or None for no body
    headers: dict[str, str] = field(default_factory=dict)
    latency: float = 0.0  # simulated seconds before the answer arrives (slow or hung web endpoints)

    def content(self) -> bytes:
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ArmError(Exception):
    """Raised by handlers; becomes an ARM error body `{"error": {"code", "message"}}`."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> SimResponse:
        body = {"error": {"code": self.code, "message": self.message}}
        return SimResponse(self.status, body, dict(self.headers))


def not_found(resource_type: str, name: str, resource_group: str) -> ArmError:
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{resource_type}/{name}' under resource group '{resource_group}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def bad_request(code: str, message: str) -> ArmError:
    return ArmError(400, code, message)


def page(req: SimRequest, items: list[Any], page_size: int) -> SimResponse:
    """One page of a list, with an absolute nextLink on the host the client called (as ARM does). The
    next page is of the same list: the request's other parameters (`$filter`, `$expand`, ...) are
    carried over, as clients follow nextLink as given."""
    token = req.param("$skiptoken")
    start = int(token) if token and token.isdigit() else 0
    chunk = items[start : start + page_size]
    body: dict[str, Any] = {"value": chunk}
    if start + page_size < len(items):
        version = quote(req.param("api-version") or "", safe="")
        kept = "".join(
            f"&{name}={quote(value, safe='')}"
            for name, value in req.query.items()
            if name.lower() not in ("api-version", "$skiptoken")
        )
        body["nextLink"] = f"{req.base_url}{req.path}?api-version={version}&$skiptoken={start + page_size}{kept}"
    else:
        body["nextLink"] = None
    return SimResponse(200, body)
