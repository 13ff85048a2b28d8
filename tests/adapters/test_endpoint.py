"""Public endpoints: transport failures reach ops as EndpointUnreachable, never as SDK exceptions."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ServiceRequestError, ServiceResponseError, ServiceResponseTimeoutError

from mcctl.adapters.clients import AzureSession, WebResponse
from mcctl.adapters.endpoint import get_endpoint
from mcctl.domain.estate import Estate
from mcctl.errors import EndpointUnreachable, ExitCode
from mcctl.sim.app import Sim
from mcctl.sim.providers.health import set_fault

URL = "https://app.example.net/health"


def test_any_http_answer_is_returned(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    stamp = demo_estate.stamps[0]
    set_fault(sim, stamp.health_url, "fail", target=f"stamp {stamp.name}")
    assert get_endpoint(session, stamp.health_url, 5).status == 503


def test_a_late_answer_is_a_timeout(session: AzureSession, sim: Sim, demo_estate: Estate) -> None:
    stamp = demo_estate.stamps[0]
    set_fault(sim, stamp.health_url, "down", target=f"stamp {stamp.name}")
    with pytest.raises(EndpointUnreachable) as info:
        get_endpoint(session, stamp.health_url, 3.0)
    assert info.value.timed_out and info.value.kind == "ServiceResponseTimeoutError"
    assert info.value.url == stamp.health_url and info.value.exit_code == ExitCode.AZURE


@pytest.mark.parametrize(
    ("error", "timed_out"),
    [
        (ServiceRequestError("Failed to resolve 'app.example.net'"), False),
        (ServiceResponseError("Connection reset by peer"), False),
        (ServiceResponseTimeoutError("Read timed out"), True),
    ],
)
def test_transport_failures_keep_their_kind_and_text(session: AzureSession, monkeypatch, error, timed_out) -> None:
    def web_get(url: str, timeout: float) -> WebResponse:
        raise error

    monkeypatch.setattr(session, "web_get", web_get)
    with pytest.raises(EndpointUnreachable) as info:
        get_endpoint(session, URL, 1.0)
    assert (info.value.kind, info.value.detail, info.value.timed_out) == (type(error).__name__, str(error), timed_out)
    assert info.value.__cause__ is error
