"""A transport that answers with canned ARM responses (the spec examples), for contract tests.

It sits where the simulator's transport sits, so the real SDK client deserializes the example
exactly as it would a live answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcctl.sim.transport import LocalTransport, SimHttpResponse

# Vendored (see its README): a fresh clone runs every contract test, so a missing example fails, never skips.
EXAMPLES = Path(__file__).resolve().parent / "fixtures" / "arm-examples"


def example(relative: str) -> dict[str, Any]:
    """Load the vendored spec example `tests/fixtures/arm-examples/<relative>` (e.g. "web/GetAppServicePlan.json")."""
    path = EXAMPLES / relative
    if not path.is_file():
        raise FileNotFoundError(f"spec example not vendored: {path} (see its README to add one)")
    return json.loads(path.read_text(encoding="utf-8"))


@dataclass
class Canned:
    method: str
    path_contains: str  # matched case-insensitively against the request path+query
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    once: bool = False


class ReplayTransport(LocalTransport):
    """Answers each request with the first matching Canned response; records what was asked."""

    def __init__(self, responses: list[Canned]) -> None:
        self.responses = list(responses)
        self.requests: list[tuple[str, str, Any]] = []

    def sleep(self, duration: float) -> None:
        pass

    def send(self, request: Any, **kwargs: Any) -> SimHttpResponse:
        body = request.content
        self.requests.append((request.method, request.url, body))
        url = request.url.lower()
        for canned in self.responses:
            if canned.method == request.method and canned.path_contains.lower() in url:
                if canned.once:
                    self.responses.remove(canned)
                content = b"" if canned.body is None else json.dumps(canned.body).encode()
                headers = {"Content-Type": "application/json", **canned.headers} if content else dict(canned.headers)
                return SimHttpResponse(request, canned.status, headers, content)
        raise AssertionError(f"no canned response for {request.method} {request.url}")


def from_example(ex: dict[str, Any], method: str, path_contains: str, status: str | None = None) -> Canned:
    """A Canned response taken from a spec example's `responses` (first 2xx unless `status` given)."""
    responses = ex["responses"]
    code = status or next(c for c in responses if c.startswith("2"))
    answer = responses[code] or {}
    return Canned(method, path_contains, int(code), answer.get("body"), dict(answer.get("headers") or {}))


def replay_session(estate: Any, transport: ReplayTransport) -> Any:
    from mcctl.adapters.clients import ArmEndpoint, AzureSession
    from mcctl.sim.credential import SimCredential

    endpoint = ArmEndpoint("https://management.azure.com", ("https://management.azure.com/.default",), None)
    return AzureSession(estate, endpoint=endpoint, transport=transport, credential=SimCredential())
