"""A fault's --path: a substring, or a glob (a `*` used to be taken literally and never matched)."""

from __future__ import annotations

import json

import pytest

from mcctl.sim.faults import path_matches

ORIGIN = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cdn/profiles/p/originGroups/og/origins/origin-weu-2"


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("", True),
        ("origins/origin-weu-2", True),
        ("ORIGINS/Origin-WEU-2", True),  # case-insensitive
        ("*origin*", True),
        ("*origins/origin-weu-?", True),
        ("origins/origin-weu-[12]", True),
        ("*origins/origin-neu-*", False),
        ("*origin", False),  # a glob matches the whole path: this one would need the path to end there
        ("origin-neu", False),
    ],
)
def test_path_matches(pattern: str, matches: bool) -> None:
    assert path_matches(pattern, ORIGIN) is matches


def test_a_glob_fault_fires_through_the_cli(mcctl) -> None:
    armed = mcctl("--sim", "sim", "fault", "add", "error", "--method", "GET", "--path", "*origingroups/*/origins")
    assert armed.exit_code == 0, armed.stderr
    status = mcctl("--sim", "-o", "json", "frontdoor", "status")
    assert status.exit_code == 0  # the 503 was retried by the SDK and the read went through
    faults = json.loads(mcctl("--sim", "-o", "json", "sim", "status").stdout)["faults"]
    assert faults == []  # it fired (count 1) and is gone
