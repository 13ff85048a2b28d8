"""The traffic preview of drain and restore plans: each region's share of edge traffic after each
step group, in the JSON plan and as lines under the plan table (80 columns, region names whole)."""

from __future__ import annotations

import json

import pytest

from mcctl.cli.tables import plan_table, traffic_lines


def _plan(mcctl, *args: str) -> dict:
    result = mcctl("--sim", "-o", "json", "frontdoor", *args, "--dry-run")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["plan"]


@pytest.mark.parametrize("region", ["westeurope", "eastus2"])
def test_a_gradual_drain_previews_one_entry_per_group_ending_with_the_region_at_zero(mcctl, region) -> None:
    plan = _plan(mcctl, "drain", region, "--steps", "50,100")

    groups = sorted({s["group"] for s in plan["steps"]})
    assert len(plan["traffic"]) == len(groups) == 2
    for shares in plan["traffic"]:
        assert set(shares) == {"westeurope", "northeurope", "eastus2"}
        assert sum(shares.values()) == pytest.approx(1.0, abs=1e-3)
    assert plan["traffic"][0][region] == 0.2  # half of its weights: 1000 of 5000
    assert plan["traffic"][-1][region] == 0.0
    assert all(share == 0.5 for r, share in plan["traffic"][-1].items() if r != region)


def test_the_plan_table_shows_a_line_per_group(mcctl) -> None:
    result = mcctl("--sim", "frontdoor", "drain", "westeurope", "--steps", "10,50,100", "--dry-run")

    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "share of edge traffic by region:" in lines
    assert [line for line in lines if line.startswith("after group")] == [
        "after group 0: westeurope 31% · northeurope 34.5% · eastus2 34.5%",
        "after group 1: westeurope 20% · northeurope 40% · eastus2 40%",
        "after group 2: westeurope 0% · northeurope 50% · eastus2 50%",
    ]
    assert "(-10% of weight)" in result.stdout  # a step's percentage is of the origin's weight


def test_a_gradual_restore_previews_the_ramp(mcctl) -> None:
    assert mcctl("--sim", "frontdoor", "drain", "westeurope", "--yes").exit_code == 0

    plan = _plan(mcctl, "restore", "westeurope", "--steps", "10,50,100")

    # the example: 10% of the region's weights against four full origins is 4.8% of traffic
    assert [shares["westeurope"] for shares in plan["traffic"]] == [0.0476, 0.2, 0.3333]
    assert plan["steps"][0]["target"].endswith("(10% of weight)")


def test_a_plan_without_origin_changes_has_no_preview(mcctl) -> None:
    result = mcctl("--sim", "-o", "json", "scale", "neu-1", "--by", "+1", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "traffic" not in json.loads(result.stdout)["plan"]
    table = mcctl("--sim", "scale", "neu-1", "--by", "+1", "--dry-run")
    assert "after group" not in table.stdout and "share of edge traffic" not in table.stdout


def test_preview_lines_wrap_between_regions_within_80_columns() -> None:
    shares = {f"region-with-a-long-name-{n}": 0.1 for n in range(8)} | {"tiny": 0.0002, "none": 0.0}

    lines = traffic_lines("after group 12: ", shares)

    assert len(lines) > 1 and all(len(line) <= 80 for line in lines)
    assert lines[0].startswith("after group 12: region-with-a-long-name-0 10%")
    assert all(line.startswith(" " * len("after group 12: ")) for line in lines[1:])  # under the first region
    entries = " · ".join(line.strip() for line in lines).removeprefix("after group 12: ").split(" · ")
    assert entries == [f"region-with-a-long-name-{n} 10%" for n in range(8)] + ["tiny <0.1%", "none 0%"]


def test_a_hand_made_plan_renders_its_preview_by_group_number() -> None:
    from rich.console import Console

    step = {"group": 3, "target": "t", "change": "c", "expected_seconds": 1.0}
    plan = {"summary": "s", "steps": [step], "expected_seconds": 1.0, "traffic": [{"a": 1.0, "b": 0.0}]}
    console = Console(width=80, record=True)
    console.print(plan_table({"plan": plan, "rules": []}))
    assert "after group 3: a 100% · b 0%" in console.export_text()
