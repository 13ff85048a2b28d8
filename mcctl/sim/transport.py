"""An azure-core HttpTransport that hands requests to the simulated ARM in process.

Everything above the transport is the real SDK pipeline: serialization, auth header, retry policy,
paging and LRO pollers. `sleep` advances simulated time instead of blocking, which is what makes
LROs and Retry-After instant in tests without changing a single polling setting.
"""

from __future__ import annotations

from typing import Any

from azure.core.pipeline.transport import HttpTransport  # noqa: TID253 - only imported when the sim is used
from azure.core.rest._http_response_impl import HttpResponseImpl  # noqa: TID253
from azure.core.utils import case_insensitive_dict  # noqa: TID253

from mcctl.sim.app import Sim
from mcctl.sim.http import REASONS, SimRequest


class _NoConnection:
    def close(self) -> None:
        pass


class SimHttpResponse(HttpResponseImpl):
    def __init__(self, request: Any, status: int, headers: dict[str, str], content: bytes) -> None:
        hdrs = case_insensitive_dict(headers)
        super().__init__(
            request=request,
            internal_response=_NoConnection(),
            status_code=status,
            reason=REASONS.get(status, ""),
            content_type=hdrs.get("Content-Type"),
            headers=hdrs,
            # Some SDK pollers call stream_download on the initial response: serve the buffered body.
            stream_download_generator=lambda pipeline, response, **kwargs: iter([response.content]),
        )
        self._content = content


class LocalTransport(HttpTransport):
    """A transport with no connection to open or close: requests are answered in process."""

    def __enter__(self) -> LocalTransport:
        return self

    def __exit__(self, *args: Any) -> None:
        pass

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass


class InProcessTransport(LocalTransport):
    def __init__(self, sim: Sim) -> None:
        self.sim = sim

    def sleep(self, duration: float) -> None:
        self.sim.sleep(duration)

    def send(self, request: Any, **kwargs: Any) -> SimHttpResponse:
        body = request.content
        if isinstance(body, str):
            body = body.encode()
        elif body is None:
            body = b""
        elif not isinstance(body, bytes):
            import json

            body = json.dumps(body).encode()
        sim_request = SimRequest(request.method, request.url, dict(request.headers), body)
        response = self.sim.handle(sim_request)
        # The network's share (`MCCTL_SIM_LATENCY_MS`) plus the endpoint's own (a slow stamp), in
        # simulated time: concurrent requests overlap, as over a network, whatever the wall did.
        latency = self.sim.latency + response.latency
        if latency:
            timeout = kwargs.get("read_timeout") or kwargs.get("connection_timeout")
            if timeout is not None and latency > timeout:
                from azure.core.exceptions import ServiceResponseTimeoutError

                self.sim.sleep(timeout)  # the client gave up after its timeout, in simulated time
                raise ServiceResponseTimeoutError(f"Read timed out (read timeout={timeout})")
            self.sim.sleep(latency)
        result = SimHttpResponse(request, response.status, response.headers, response.content())
        # This request's own simulated time, never the wall time it spent queued in the simulator
        # nor how far the shared clock moved meanwhile (concurrent sleepers move it too): what
        # AzureSession.web_request reports as a probe's latency.
        result.simulated_seconds = latency
        return result
