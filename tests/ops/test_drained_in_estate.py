"""Issue 14: a stamp marked `drained: true` in the estate file, its origin disabled (by hand, no
journaled drain), is drained on purpose, not degraded, as after `frontdoor drain`."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcctl.adapters.frontdoor import update_origin
from mcctl.adapters.lro import WaitOptions
from mcctl.bootstrap import simulated_session
from mcctl.config.loader import demo_source
from mcctl.domain.estate import Estate
from mcctl.errors import EstateFileError
from mcctl.ops.health import assess
from mcctl.sim.runtime import open_simulator
from tests.conftest import estate_from_text


def _estate(tmp_path: Path, mark: str) -> Estate:
    text = demo_source().text
    for stamp in ("eus2-1", "eus2-2"):
        text = text.replace(f"  - {{name: {stamp}, ", f"  - {{name: {stamp}, {mark}")
    return estate_from_text(text, tmp_path)


def _health_with_eastus2_disabled_by_hand(estate: Estate):
    """As someone in the portal would: the origins disabled, no mcctl operation journaled."""
    sim, _ = open_simulator(estate, "test", persist=False)
    session = simulated_session(estate, sim)
    try:
        for stamp in estate.stamps_in("eastus2"):
            update_origin(session, estate.frontdoor, stamp.origin, enabled=False, options=WaitOptions())
        return assess(session, estate, operations=[])
    finally:
        session.close()


def test_a_marked_stamp_whose_origin_is_disabled_is_drained(tmp_path: Path) -> None:
    estate = _estate(tmp_path, "drained: true, ")
    assert [s.name for s in estate.stamps if s.drained] == ["eus2-1", "eus2-2"]
    health = _health_with_eastus2_disabled_by_hand(estate)
    stamp = health.stamps["eus2-1"]
    assert stamp.status == "drained" and stamp.drained_by == "estate file"
    assert stamp.reasons[0] == "drained on purpose by its mark in the estate file (origin disabled, no traffic)"
    assert health.regions["eastus2"].status == "drained"
    assert health.status == "healthy" and health.exit_code == 0


def test_without_the_mark_a_hand_disabled_origin_is_degraded(tmp_path: Path) -> None:
    health = _health_with_eastus2_disabled_by_hand(_estate(tmp_path, ""))
    assert health.stamps["eus2-1"].status == "degraded" and health.exit_code == 10


def test_a_marked_stamp_that_still_serves_is_judged_as_serving(tmp_path: Path) -> None:
    estate = _estate(tmp_path, "drained: true, ")
    marked_sim, _ = open_simulator(estate, "test", persist=False)
    marked_session = simulated_session(estate, marked_sim)
    try:
        health = assess(marked_session, estate, operations=[])
    finally:
        marked_session.close()
    assert health.stamps["eus2-1"].status == "healthy"  # the mark does not hide a stamp that takes traffic


def test_the_mark_must_be_a_boolean(tmp_path: Path) -> None:
    with pytest.raises(EstateFileError) as caught:
        _estate(tmp_path, "drained: sometimes, ")
    assert [p for p in caught.value.problems if p.startswith("stamps[4].drained:")]
