"""`mcctl shift` on the persisted simulator, with an estate of a third westeurope stamp (weu-3, the
--to set): gated steps, the per-set preview, a failed gate reverting, the error-rate gate, the
`shift-capacity` rule, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURE = str(Path(__file__).parents[1] / "fixtures" / "estate-bluegreen.yaml")
START = {"weu-1": (True, 1000, 1), "weu-3": (False, 1000, 1)}


def run(mcctl, *args: str):
    return mcctl("--sim", "--estate", FIXTURE, *args)


def origins(mcctl) -> dict[str, tuple[bool, int | None, int | None]]:
    result = run(mcctl, "-o", "json", "frontdoor", "status")
    assert result.exit_code == 0, result.stderr
    return {r["stamp"]: (r["enabled"], r["weight"], r["priority"]) for r in json.loads(result.stdout)["origins"]}


def journal(mcctl) -> list[dict[str, Any]]:
    return json.loads(run(mcctl, "-o", "json", "journal", "list").stdout)


@pytest.fixture
def candidate(mcctl) -> None:
    """weu-3 deployed with its origin disabled (as `stamps add` leaves a candidate)."""
    drained = run(mcctl, "frontdoor", "drain", "--stamp", "weu-3", "--yes")
    assert drained.exit_code == 0, drained.stderr
    assert {k: v for k, v in origins(mcctl).items() if k in START} == START


def _pick(found: dict[str, tuple], *names: str) -> list[tuple]:
    return [found[n] for n in names]


def test_a_full_shift_in_three_gated_steps(mcctl, candidate) -> None:
    dry = run(
        mcctl, "shift", "--from", "weu-1", "--to", "weu-3", "--steps", "10,50,100", "--interval", "5m", "--dry-run"
    )
    assert dry.exit_code == 0, dry.stderr
    assert "after group 0: from weu-1 15% · to weu-3 1.7%" in dry.stdout
    assert "after group 2: from weu-1 0% · to weu-3 16.7%" in dry.stdout
    assert _pick(origins(mcctl), "weu-1", "weu-3") == [START["weu-1"], START["weu-3"]]  # a dry run changes nothing

    result = run(
        mcctl, "-o", "json", "shift", "--from", "weu-1", "--to", "weu-3", "--steps", "10,50,100", "--interval", "5m",
        "--yes",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "applied" and data["plan"]["kind"] == "shift"
    changes = [(s["target"].split()[1], s["change"]) for s in data["plan"]["steps"] if "origin" in s["target"]]
    assert changes == [
        ("weu-3", "weight: 1000 → 100, enabled: False → True"),
        ("weu-1", "weight: 1000 → 900"),
        ("weu-3", "weight: 100 → 500"),
        ("weu-1", "weight: 900 → 500"),
        ("weu-3", "weight: 500 → 1000"),
        ("weu-1", "enabled: True → False"),
    ]
    assert result.stderr.count("waiting 300s before step group") == 3  # the tags wait for the last gate too
    assert result.stderr.count("shift gate before step group") == 3 and "passed (weu-3 not unhealthy)" in result.stderr

    assert _pick(origins(mcctl), "weu-1", "weu-2", "weu-3") == [(False, 500, 1), (True, 1000, 1), (True, 1000, 1)]
    op = journal(mcctl)[-1]
    assert (op["kind"], op["status"]) == ("shift", "succeeded")
    shown = json.loads(run(mcctl, "-o", "json", "journal", "show", op["id"]).stdout)
    assert shown["steps"] == "7/7"  # 6 origin steps and weu-1's lifecycle, each journaled
    assert [(h["step"], h["history"]) for h in shown["step_history"]] == [(i, ["succeeded"]) for i in range(7)]
    status = json.loads(run(mcctl, "-o", "json", "frontdoor", "status").stdout)
    shares = {r["stamp"]: r["traffic_share"] for r in status["origins"]}
    assert (shares["weu-1"], shares["weu-3"]) == (0.0, shares["weu-2"])
    assert next(r for r in status["regions"] if r["region"] == "westeurope")["serving_stamps"] == ["weu-2", "weu-3"]

    # the shift journaled weu-1's weight before it: `frontdoor restore` brings it back so
    restored = run(mcctl, "frontdoor", "restore", "--stamp", "weu-1", "--yes")
    assert restored.exit_code == 0, restored.stderr
    assert origins(mcctl)["weu-1"] == (True, 1000, 1)


def test_a_failed_gate_reverts_when_asked(mcctl, candidate) -> None:
    assert run(mcctl, "sim", "stamp", "fail", "weu-3").exit_code == 0  # its health endpoint answers 503
    result = run(
        mcctl, "shift", "--from", "weu-1", "--to", "weu-3", "--steps", "10,50,100", "--yes", "--revert-on-failure"
    )
    assert result.exit_code == 5, result.stderr
    assert "stopped after 2 of" in result.stderr and "shift gate before step group 2 of 4" in result.stderr
    assert "weu-3: health endpoint" in result.stderr and "reverted: the origins are back" in result.stderr
    assert _pick(origins(mcctl), "weu-1", "weu-3") == [START["weu-1"], START["weu-3"]]
    ops = journal(mcctl)[-2:]
    assert [(o["kind"], o["status"]) for o in ops] == [("shift", "stopped"), ("rollback:shift", "succeeded")]
    assert ops[1]["parent"] == ops[0]["id"]


def test_the_error_rate_gate_stops_a_shift_whose_endpoint_fails(mcctl, candidate) -> None:
    # the public endpoint's GET / (ARM paths never end in "/") answers 503 twenty times
    armed = run(mcctl, "sim", "fault", "add", "error", "--method", "GET", "--path", "*/", "--count", "20")
    assert armed.exit_code == 0, armed.stderr
    result = run(
        mcctl, "shift", "--from", "weu-1", "--to", "weu-3", "--steps", "10,100", "--max-error-rate", "5", "--yes"
    )
    assert result.exit_code == 7, result.stderr
    assert "100% of 20 answers of the endpoint failed (--max-error-rate 5%)" in result.stderr
    assert _pick(origins(mcctl), "weu-1", "weu-3") == [(True, 900, 1), (True, 100, 1)]  # stopped at 10%
    assert journal(mcctl)[-1]["status"] == "stopped"


def test_the_capacity_rule_refuses_a_shift_onto_too_few_instances(mcctl, candidate) -> None:
    scaled = run(mcctl, "scale", "weu-3", "--instances", "1", "--yes")
    assert scaled.exit_code == 0, scaled.stderr
    before = origins(mcctl)
    result = run(mcctl, "-o", "json", "shift", "--from", "weu-1", "--to", "weu-3", "--steps", "10,50,100", "--yes")
    assert result.exit_code == 5, result.stderr
    assert "refused by safety rule shift-capacity: step 3 (100% to weu-3, 0% left on weu-1)" in result.stderr
    assert "weu-3 run(s) 1 instance(s), below 1.5 (50% × 100% of the 3 instance(s) of weu-1)" in result.stderr
    rule = next(r for r in json.loads(result.stdout)["rules"] if r["rule"] == "shift-capacity")
    assert rule["numbers"]["step"] == 3 and rule["numbers"]["to_instances"] == 1
    assert origins(mcctl) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "weu-1", "--to", "weu-1"), "--to: weu-1 also in --from"),
        (("--from", "weu-1", "--to", "neu-1"), "--to: the sets must cover the same regions"),
        (("--from", "weu-1", "--to", "nope"), "--to: no stamp 'nope'"),
        (("--from", "weu-1,", "--to", "weu-3"), "--from: expected stamp names"),
        (("--from", "weu-1", "--to", "weu-3", "--steps", "10,50"), "--steps: the last step must be 100"),
        (("--from", "weu-1", "--to", "weu-3", "--interval", "5m"), "--interval: only used with --steps"),
        (("--from", "weu-1", "--to", "weu-3", "--max-error-rate", "5"), "--max-error-rate: only used with --steps"),
        (
            ("--from", "weu-1", "--to", "weu-3", "--steps", "10,100", "--max-error-rate", "100"),
            "--max-error-rate: a percentage",
        ),
        (("--from", "weu-1", "--to", "weu-3", "--steps", "10,100", "--no-wait"), "cannot be combined with --no-wait"),
    ],
)
def test_bad_input_names_the_option(mcctl, args, message) -> None:
    result = run(mcctl, "shift", *args, "--yes")
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert journal(mcctl) == []


def test_nothing_to_shift_and_a_retired_stamp_are_refused(mcctl, candidate, tmp_path) -> None:
    idle = run(mcctl, "shift", "--from", "weu-3", "--to", "weu-1", "--yes")
    assert idle.exit_code == 2 and "--from: weu-3 serve nothing" in idle.stderr

    text = (
        Path(FIXTURE)
        .read_text(encoding="utf-8")
        .replace(
            'health_url: "https://app-mc-weu-3.azurewebsites.net/health/stamp"}',
            'health_url: "https://app-mc-weu-3.azurewebsites.net/health/stamp", lifecycle: retired}',
        )
    )
    retired = tmp_path / "retired.yaml"
    retired.write_text(text, encoding="utf-8")
    result = mcctl("--sim", "--estate", str(retired), "shift", "--from", "weu-1", "--to", "weu-3", "--yes")
    assert result.exit_code == 2, result.stderr
    assert "--to: stamp weu-3 is retired" in result.stderr
