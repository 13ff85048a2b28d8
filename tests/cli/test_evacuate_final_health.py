"""The "final health" line of evacuate and reinstate is `mcctl health`'s verdict: a region drained
on purpose (a journaled evacuation) is drained, not degraded."""

from __future__ import annotations

import json


def _final_health(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "final health:" in line]
    assert len(lines) == 1, stderr
    return lines[0].split("final health: ", 1)[1]


def _health(mcctl) -> dict:
    result = mcctl("--sim", "-o", "json", "health")
    return json.loads(result.stdout)


def test_after_evacuate_the_final_health_says_what_mcctl_health_says(mcctl) -> None:
    result = mcctl("--sim", "evacuate", "eastus2", "--yes")

    assert result.exit_code == 0, result.stderr
    line = _final_health(result.stderr)
    health = _health(mcctl)
    assert health["status"] == "healthy"
    assert line.startswith("estate demo healthy"), line
    assert "region eastus2 drained" in line and "degraded" not in line


def test_after_reinstate_the_final_health_is_healthy(mcctl) -> None:
    assert mcctl("--sim", "evacuate", "eastus2", "--yes").exit_code == 0

    result = mcctl("--sim", "reinstate", "eastus2", "--yes")

    assert result.exit_code == 0, result.stderr
    line = _final_health(result.stderr)
    assert line.startswith(f"estate demo {_health(mcctl)['status']}"), line
    assert "drained" not in line and "degraded" not in line
