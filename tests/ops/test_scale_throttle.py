"""ARM throttling (429 + Retry-After) during the inventory's list reads: azure-core's retry policy
waits what ARM says (simulated seconds here) and asks again, the next page included, so the user
sees no error unless the throttling persists; then only that list's fields are unknown."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from mcctl.adapters.clients import ArmEndpoint, AzureSession
from mcctl.bootstrap import SIM_SCOPES
from mcctl.domain.estate import Estate
from mcctl.ops.inventory import read_inventory
from mcctl.sim.app import Sim
from mcctl.sim.clock import ClientClock
from mcctl.sim.credential import SimCredential
from mcctl.sim.runtime import SIM_ARM_ENDPOINT
from mcctl.sim.transport import InProcessTransport

SITES = "/providers/microsoft.web/sites"


class ThrottledAfterFirstPage(InProcessTransport):
    """Arms the simulator's throttle fault on the web apps list once its first page was answered,
    so the 429s hit the request for the next page (nextLink)."""

    def __init__(self, sim: Sim, fault: dict[str, Any]) -> None:
        super().__init__(sim)
        self.fault: dict[str, Any] | None = fault

    def send(self, request: Any, **kwargs: Any) -> Any:
        answer = super().send(request, **kwargs)
        if self.fault is not None and urlsplit(request.url).path.lower().endswith(SITES) and answer.status_code == 200:
            self.sim.add_fault(self.fault)
            self.fault = None
        return answer


def _session(estate: Estate, sim: Sim, fault: dict[str, Any]) -> AzureSession:
    """`simulated_session`'s, on the throttling transport."""
    return AzureSession(
        estate,
        simulated=True,
        endpoint=ArmEndpoint(SIM_ARM_ENDPOINT, SIM_SCOPES, None),
        transport=ThrottledAfterFirstPage(sim, fault),
        credential=SimCredential(),
        clock=ClientClock(sim),
    )


def _sites(sim: Sim) -> list[int]:
    return [r.status for r in sim.requests if r.path.lower().endswith(SITES)]


def test_a_throttled_next_page_is_retried_after_retry_after(sim: Sim, demo_estate: Estate) -> None:
    sim.settings["page_size"] = 2  # 6 web apps: 3 pages
    session = _session(demo_estate, sim, {"kind": "throttle", "path": SITES, "count": 2, "retry_after": 7})
    started = sim.clock.now()
    try:
        inventory = read_inventory(session, demo_estate)
    finally:
        session.close()

    assert inventory.errors == [] and len(inventory.views) == 6
    assert all(v.app is not None and v.app.state == "Running" for v in inventory.views)
    assert _sites(sim) == [200, 429, 429, 200, 200]  # page 1, page 2 throttled twice then answered, page 3
    assert sim.clock.now() - started >= 14  # waited Retry-After (7 s) twice, not the retry policy's backoff


def test_persistent_throttling_is_one_error_and_the_other_lists_are_read(sim: Sim, demo_estate: Estate) -> None:
    sim.settings["page_size"] = 2
    session = _session(demo_estate, sim, {"kind": "throttle", "path": SITES, "count": None, "retry_after": 1})
    try:
        inventory = read_inventory(session, demo_estate)
    finally:
        session.close()

    assert len(inventory.errors) == 1
    assert "listing web apps" in inventory.errors[0].message and "429" in inventory.errors[0].message
    assert _sites(sim)[0] == 200 and set(_sites(sim)[1:]) == {429} and len(_sites(sim)) > 2  # retried, then gave up
    assert all(v.plan is not None and v.origin is not None for v in inventory.views)  # the others were read
    assert all(v.app is None for v in inventory.views)
