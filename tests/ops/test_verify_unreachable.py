"""`frontdoor verify` on the simulator when the edge gives no answer (review defect 6)."""

from __future__ import annotations

from mcctl.errors import EndpointUnreachable
from mcctl.ops import frontdoor as ops


def test_an_unreachable_endpoint_is_not_reported_as_the_drained_region_answering(
    session, sim, demo_estate, monkeypatch
) -> None:
    import mcctl.adapters.endpoint as endpoint

    def unreachable(session, url, timeout):  # type: ignore[no-untyped-def]
        raise EndpointUnreachable(url, "ServiceRequestError", "Failed to resolve host", timed_out=False)

    monkeypatch.setattr(endpoint, "get_endpoint", unreachable)
    started = sim.now()
    result = ops.verify_traffic(session, demo_estate, ["eus2-1", "eus2-2"], count=10, timeout=30, interval=5)

    assert not result.passed and sim.now() - started <= 31
    assert result.to_dict()["failed"] == len(result.probes) > 0
    text = result.describe()
    assert "still answered" not in text and "did not answer" in text and "ServiceRequestError" in text
