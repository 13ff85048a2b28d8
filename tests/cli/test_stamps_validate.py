"""`mcctl stamps validate STAMP` end to end on the persisted simulator: a good stamp passes (exit 0,
its JSON document valid against docs/schemas/stamp-validation.schema.json), a failing one exits 11
naming the failed checks, bad input exits 2 before anything is read, and nothing changes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mcctl.config.loader import demo_source, load_estate
from mcctl.config.paths import sim_state_path
from mcctl.sim.providers.health import health_state
from mcctl.sim.runtime import open_simulator

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "stamp-validation.schema.json"
DEMO = Path(__file__).resolve().parents[2] / "mcctl" / "config" / "demo.yaml"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _valid(validator: jsonschema.Draft202012Validator, document: dict) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def _validate(mcctl, *args: str, code: int = 0) -> dict[str, Any]:
    result = mcctl("--sim", "-o", "json", "stamps", "validate", *args)
    assert result.exit_code == code, result.stderr
    return json.loads(result.stdout)


def _checks(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in data["checks"]}


def _verdicts(data: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["verdict"] for c in data["checks"]}


def _sim_state() -> dict[str, Any]:
    """What the simulator holds (its resources and the endpoints' faults), without its clock."""
    estate = load_estate(demo_source())
    sim, _ = open_simulator(estate, demo_source().fingerprint, path=sim_state_path("demo"))
    return copy.deepcopy({"resources": dict(sim.store.resources), "health": health_state(sim)})


def test_a_good_stamp_passes_every_check(mcctl, validator) -> None:
    data = _validate(mcctl, "weu-1", "--smoke", "/", "--smoke", "/api/items", "--smoke", "/missing/page=404")

    _valid(validator, data)
    assert (data["stamp"], data["region"], data["lifecycle"], data["verdict"]) == (
        "weu-1",
        "westeurope",
        "active",
        "passed",
    )
    assert list(_verdicts(data)) == [
        "health",
        "latency",
        "smoke:/",
        "smoke:/api/items",
        "smoke:/missing/page",
        "app",
        "instances",
        "sql",
        "redis",
    ]
    assert set(_verdicts(data).values()) == {"pass"}
    checks = _checks(data)
    assert checks["health"]["http_statuses"] == [200] * 5 and checks["health"]["report_status"] == "Healthy"
    assert 0 < checks["latency"]["p50_ms"] <= checks["latency"]["max_ms"] < 1000
    assert checks["smoke:/api/items"]["url"] == "https://app-mc-weu-1.azurewebsites.net/api/items"
    assert checks["smoke:/missing/page"]["http_status"] == 404
    assert (checks["instances"]["up"], checks["instances"]["minimum"]) == (3, 2)
    assert data["settings"] == {"probes": 5, "max_latency_ms": 1000, "min_instances": 2, "strict": False}
    assert data["seconds"] > 0


def test_table_for_people_fits_80_columns(mcctl, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = mcctl("--sim", "stamps", "validate", "weu-2", "--smoke", "/api/items/with/a/long/path")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["CHECK", "VERDICT", "DETAIL"]
    assert all(len(line) <= 80 for line in lines), lines
    assert lines[-1].startswith("stamp weu-2 (westeurope, active): passed in ")


def test_a_failing_health_endpoint_exits_11_naming_the_health_check(mcctl, validator) -> None:
    assert mcctl("--sim", "sim", "stamp", "fail", "weu-2").exit_code == 0

    result = mcctl("--sim", "-o", "json", "stamps", "validate", "weu-2", "--smoke", "/")

    assert result.exit_code == 11
    data = json.loads(result.stdout)
    _valid(validator, data)
    verdicts = _verdicts(data)
    assert data["verdict"] == "failed" and verdicts["health"] == "fail" and verdicts["smoke:/"] == "fail"
    assert (verdicts["app"], verdicts["sql"], verdicts["redis"]) == ("pass", "pass", "pass")
    checks = _checks(data)
    assert checks["health"]["http_statuses"] == [503] * 5 and checks["health"]["report_status"] == "Unhealthy"
    assert checks["smoke:/"]["http_status"] == 500
    assert "stamp weu-2: validation failed (health, smoke:/) (exit 11)" in result.stderr
    table = mcctl("--sim", "stamps", "validate", "weu-2")
    assert table.exit_code == 11 and "stamp weu-2 (westeurope, active): failed" in table.stdout
    assert mcctl("--sim", "stamps", "validate", "weu-1").exit_code == 0  # only weu-2 fails


def test_a_slow_stamp_beyond_the_limit_fails_latency(mcctl, validator) -> None:
    mcctl("--sim", "sim", "stamp", "slow", "weu-1", "--latency", "0.9")

    within = _validate(mcctl, "weu-1", "--probes", "2")
    beyond = _validate(mcctl, "weu-1", "--probes", "3", "--max-latency", "800ms", "--smoke", "/", code=11)

    assert within["verdict"] == "passed" and _checks(within)["latency"]["max_ms"] == 900
    _valid(validator, beyond)
    latency = _checks(beyond)["latency"]
    assert (latency["verdict"], latency["p50_ms"], latency["max_ms"], latency["limit_ms"]) == ("fail", 900, 900, 800)
    assert _checks(beyond)["smoke:/"]["latency_ms"] == 900 and _verdicts(beyond)["smoke:/"] == "fail"
    assert _verdicts(beyond)["health"] == "pass"  # it answered, 2xx: only too slowly
    assert beyond["settings"]["probes"] == 3 and len(_checks(beyond)["health"]["http_statuses"]) == 3


def test_a_stamp_that_does_not_answer_fails_health_and_latency(mcctl, validator) -> None:
    mcctl("--sim", "sim", "stamp", "down", "neu-1")
    data = _validate(mcctl, "neu-1", "--probes", "2", code=11)
    _valid(validator, data)
    assert (_verdicts(data)["health"], _verdicts(data)["latency"]) == ("fail", "fail")
    assert _checks(data)["health"]["http_statuses"] == [None, None]
    assert _checks(data)["latency"]["unanswered"] == 2


def test_a_smoke_path_with_a_wrong_status_fails(mcctl) -> None:
    data = _validate(mcctl, "weu-1", "--smoke", "/missing", "--smoke", "/api=404", code=11)
    checks = _checks(data)
    assert (checks["smoke:/missing"]["verdict"], checks["smoke:/missing"]["http_status"]) == ("fail", 404)
    assert checks["smoke:/missing"]["detail"].endswith("wanted 200")
    assert (checks["smoke:/api"]["verdict"], checks["smoke:/api"]["http_status"]) == ("fail", 200)
    assert _verdicts(data)["health"] == "pass"


def test_a_region_outage_fails_health_sql_and_redis_as_the_health_model_says(mcctl, validator) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "westeurope").exit_code == 0
    data = _validate(mcctl, "weu-1", "--probes", "1", code=11)
    _valid(validator, data)
    verdicts = _verdicts(data)
    assert (verdicts["health"], verdicts["sql"], verdicts["redis"]) == ("fail", "fail", "fail")
    checks = _checks(data)
    assert checks["sql"]["health"] == "unhealthy" and "unreachable" in checks["sql"]["detail"]
    assert checks["redis"]["health"] == "unhealthy"
    health = json.loads(mcctl("--sim", "-o", "json", "health", "--stamp", "weu-1").stdout)
    signals = {s["name"]: s["status"] for s in health["stamps"][0]["signals"]}
    assert (signals["sql"], signals["redis"]) == ("unhealthy", "unhealthy")  # the same judgement
    # northeurope's secondary SQL, seen from there, still answers: its stamps validate
    mcctl("--sim", "sim", "outage", "end", "westeurope")
    assert _validate(mcctl, "neu-2", "--probes", "1")["verdict"] == "passed"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "STAMP: unknown stamp 'nope' (stamps: weu-1, weu-2, neu-1, neu-2, eus2-1, eus2-2)"),
        (["weu-1", "--probes", "0"], "--probes: must be between 1 and 100, got 0"),
        (["weu-1", "--max-latency", "fast"], "--max-latency: 'fast' is not a latency"),
        (["weu-1", "--smoke", "api"], "--smoke: 'api' is not PATH[=STATUS]"),
        (["weu-1", "--smoke", "/x=700"], "--smoke: '/x=700': STATUS must be an HTTP status 100-599"),
    ],
)
def test_bad_input_exits_2_with_one_line(mcctl, args: list[str], message: str) -> None:
    result = mcctl("--sim", "stamps", "validate", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and message in errors[0]


def test_bad_options_are_refused_before_anything_is_read(mcctl) -> None:
    # No simulator state file at all: the options were refused before the simulator was opened.
    result = mcctl("--sim", "stamps", "validate", "weu-1", "--max-latency", "0ms")
    assert result.exit_code == 2 and not sim_state_path("demo").exists()


def test_validate_changes_nothing(mcctl) -> None:
    mcctl("--sim", "sim", "stamp", "slow", "eus2-1")  # a fault, so faults are part of what must stay
    before = _sim_state()
    _validate(mcctl, "weu-1", "--smoke", "/")
    _validate(mcctl, "eus2-1", code=11)
    assert _sim_state() == before
    journal = mcctl("--sim", "-o", "json", "journal", "list")
    assert journal.exit_code == 0 and json.loads(journal.stdout) == []


def _estate_file(tmp_path: Path, weu2: str, release: str) -> str:
    text = DEMO.read_text().replace(
        'origin: origin-weu-2, health_url: "https://app-mc-weu-2.azurewebsites.net/health/stamp"',
        f'origin: origin-weu-2, health_url: "https://app-mc-weu-2.azurewebsites.net/health/stamp", {weu2}',
    )
    path = tmp_path / "estate.yaml"
    path.write_text(text + "\n" + release)
    return str(path)


def test_a_candidate_from_the_estate_file_with_its_release_settings(mcctl, tmp_path, validator) -> None:
    release = (
        "release:\n"
        "  probes: 3\n"
        "  max_latency_ms: 900\n"
        "  min_instances: 4\n"
        "  smoke:\n"
        "    - {path: /, status: 200}\n"
        "    - {path: /missing, status: 404, max_latency_ms: 500}\n"
    )
    estate = _estate_file(tmp_path, "lifecycle: candidate, generation: g2, color: green", release)

    result = mcctl("--estate", estate, "--sim", "-o", "json", "stamps", "validate", "weu-2")

    data = json.loads(result.stdout)
    _valid(validator, data)
    assert data["lifecycle"] == "candidate"
    assert data["settings"] == {"probes": 3, "max_latency_ms": 900, "min_instances": 4, "strict": False}
    checks = _checks(data)
    assert [n for n in checks if n.startswith("smoke:")] == ["smoke:/", "smoke:/missing"]
    assert checks["smoke:/missing"]["limit_ms"] == 500 and checks["smoke:/missing"]["verdict"] == "pass"
    assert checks["instances"]["verdict"] == "fail" and checks["instances"]["minimum"] == 4  # 3 up
    assert result.exit_code == 11 and data["verdict"] == "failed"
    # --smoke overrides the file's status for the same path
    again = mcctl("--estate", estate, "--sim", "-o", "json", "stamps", "validate", "weu-2", "--smoke", "/missing=200")
    assert _checks(json.loads(again.stdout))["smoke:/missing"]["verdict"] == "fail"


def test_a_retired_stamp_is_refused(mcctl, tmp_path) -> None:
    estate = _estate_file(tmp_path, "lifecycle: retired", "")
    result = mcctl("--estate", estate, "--sim", "stamps", "validate", "weu-2")
    assert result.exit_code == 2 and "STAMP: 'weu-2' is retired" in result.stderr
