"""The planned-failover pre-flight agrees with `sql status` when a secondary is down (issue 15 item 2),
and a Redis member that could not be read is "unknown" for its own region only (pure domain)."""

from __future__ import annotations

import dataclasses

from mcctl.domain.redislinks import RegionLinkVerdict, mark_unread
from tests.domain.test_sqlfailover_plan import _link, _plan, _rule, _status


def _eus2_down():
    """westeurope primary; eastus2 did not answer, so the primary shows its link SUSPENDED."""
    status = _status(links=(_link("northeurope"), _link("eastus2", "SUSPENDED")))
    servers = tuple(
        dataclasses.replace(s, error="GatewayTimeout") if s.region == "eastus2" else s for s in status.servers
    )
    return dataclasses.replace(status, servers=servers)


def test_a_planned_failover_to_the_secondary_that_answers_passes_the_links_rule() -> None:
    plan = _plan(_eus2_down(), to="northeurope")
    assert plan.steps[0].params["stopped_secondaries"] == ["sql-eus2"]
    verdict = _rule(plan)
    assert verdict is not None and verdict[0] is True
    assert "not counted: the links to sql-eus2, which did not answer" in verdict[1]


def test_a_planned_failover_to_the_secondary_that_is_down_is_refused() -> None:
    plan = _plan(_eus2_down(), to="eastus2")
    assert "stopped_secondaries" not in plan.steps[0].params  # the target's own links always count
    verdict = _rule(plan)
    assert verdict is not None and verdict[0] is False
    assert "--mode forced --allow-data-loss" in verdict[1]


def test_a_seeding_link_to_a_secondary_that_answers_still_refuses() -> None:
    status = _eus2_down()
    status = dataclasses.replace(status, links=(_link("northeurope", "SEEDING"), _link("eastus2", "SUSPENDED")))
    verdict = _rule(_plan(status, to="northeurope"))
    assert verdict is not None and verdict[0] is False
    assert "SEEDING" in verdict[1] and "SUSPENDED" not in verdict[1]  # the stopped secondary's link is not named


def test_only_suspended_links_to_a_stopped_secondary_are_left_out() -> None:
    # a SEEDING link to the stopped secondary (as stored, not as an outage shows it) still refuses
    status = dataclasses.replace(_eus2_down(), links=(_link("northeurope"), _link("eastus2", "SEEDING")))
    verdict = _rule(_plan(status, to="northeurope"))
    assert verdict is not None and verdict[0] is False


# -- Redis: a stamp's region whose own member could not be read ------------------------------------


def test_mark_unread_makes_only_the_unread_region_unknown() -> None:
    verdicts = {
        "westeurope": RegionLinkVerdict("westeurope", "degraded", "not confirmed: northeurope could not be read"),
        "northeurope": RegionLinkVerdict("northeurope", "broken", "northeurope could not be read"),
    }
    marked = mark_unread(verdicts, {"northeurope": "HTTP 503"})
    assert marked["northeurope"].verdict == "unknown"
    assert marked["northeurope"].reason == "northeurope could not be read: HTTP 503"
    assert marked["westeurope"] == verdicts["westeurope"]
    assert verdicts["northeurope"].verdict == "broken"  # the input is not changed
    assert mark_unread(verdicts, {"eastus2": "x"}) == verdicts  # a region without a verdict is ignored
