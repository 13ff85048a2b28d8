"""Review defect 8: `mcctl -o json wait ...` on timeout writes the same document as on success
(`met` false, the last observed state), then exits 6. Simulated clock: no wall time."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

RESULT_KEYS = {"condition", "met", "observed", "detail", "seconds", "polls"}


def _timed_out_document(result: Any) -> dict[str, Any]:
    assert result.exit_code == 6, result.stderr
    assert "timed out after" in result.stderr
    data = json.loads(result.stdout)
    assert set(data) == RESULT_KEYS and data["met"] is False and data["polls"] >= 1
    return data


@pytest.mark.parametrize(
    ("args", "condition", "seconds"),
    [
        (("health", "--region", "eastus2", "--for", "drained", "--timeout", "1m"), "health eastus2 drained", 60),
        (("sql", "--primary", "northeurope", "--timeout", "2m"), "sql primary northeurope", 120),
        (("frontdoor", "--region", "eastus2", "--for", "drained", "--timeout", "1m"), "frontdoor eastus2 drained", 60),
    ],
)
def test_json_timeout_writes_the_document_with_met_false(mcctl, args, condition, seconds) -> None:
    data = _timed_out_document(mcctl("--sim", "-o", "json", "wait", *args))
    assert data["condition"] == condition and data["seconds"] >= seconds - 10
    assert data["observed"]  # the last observed state, as the error names it


def test_the_last_observed_state_is_the_one_the_error_names(mcctl) -> None:
    assert mcctl("sim", "outage", "start", "eastus2").exit_code == 0
    result = mcctl("--sim", "-o", "json", "wait", "health", "-r", "eastus2", "--for", "healthy", "--timeout", "1m")
    data = _timed_out_document(result)
    assert data["observed"] == "unhealthy" and "2 of 2 stamps unhealthy" in data["detail"]
    assert f"last observed {data['observed']} ({data['detail']})" in " ".join(result.stderr.split())


def test_yaml_and_query_get_the_document_too_and_a_table_nothing(mcctl) -> None:
    args = ("wait", "sql", "--primary", "northeurope", "--timeout", "1m")
    as_yaml = mcctl("--sim", "-o", "yaml", *args)
    assert as_yaml.exit_code == 6 and yaml.safe_load(as_yaml.stdout)["met"] is False
    queried = mcctl("--sim", "-o", "json", "--query", "met", *args)
    assert queried.exit_code == 6 and json.loads(queried.stdout) is False
    table = mcctl("--sim", *args)
    assert table.exit_code == 6 and table.stdout == ""
