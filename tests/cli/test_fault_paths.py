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


def test_an_lro_failure_fails_the_operation_on_the_resource_its_path_names(mcctl) -> None:
    """`--path` used to be ignored for lro_failure: the first operation of the kind failed instead."""
    armed = mcctl("--sim", "sim", "fault", "add", "lro_failure", "--path", "origin-weu-2", "--count", "5")
    assert armed.exit_code == 0, armed.stderr
    drain = mcctl("--sim", "-o", "json", "frontdoor", "drain", "westeurope", "--yes")
    steps = {s["target"].split()[1]: s["status"] for s in json.loads(drain.stdout)["plan"]["steps"]}
    assert steps == {"weu-1": "succeeded", "weu-2": "failed"}, drain.stdout
