"""Issue 20's "done when", as written, on the simulator: deploy a candidate weu-3, validate it, add
its origin, shift westeurope's traffic from weu-1 to it in 10/50/100 steps, retire weu-1 — then
westeurope is served by weu-2 and weu-3 (configured and at the edge), weu-1 is retired, and the
journal shows every step."""

from __future__ import annotations

import json
from typing import Any


def _ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr
    return result


def test_a_release_from_deploy_to_retire(mcctl) -> None:
    _ok(mcctl("--sim", "sim", "stamp", "deploy", "weu-3", "--region", "westeurope"))
    _ok(mcctl("--sim", "stamps", "validate", "weu-3"))
    _ok(mcctl("--sim", "stamps", "add", "weu-3", "--yes"))
    shift = ("shift", "--from", "weu-1", "--to", "weu-3", "--steps", "10,50,100", "--interval", "1m", "--yes")
    _ok(mcctl("--sim", *shift))
    _ok(mcctl("--sim", "stamps", "retire", "weu-1", "--yes"))

    rows = {r["name"]: r for r in json.loads(_ok(mcctl("--sim", "-o", "json", "stamps", "list")).stdout)}
    westeurope = {name for name, r in rows.items() if r["region"] == "westeurope" and r["serving"]}
    assert westeurope == {"weu-2", "weu-3"}
    assert (rows["weu-3"]["lifecycle"], rows["weu-3"]["health"]) == ("active", "healthy")
    assert (rows["weu-1"]["lifecycle"], rows["weu-1"]["serving"], rows["weu-1"]["instances"]) == ("retired", False, 1)

    # at the edge too: weu-3 answers, weu-1 never does
    back = _ok(mcctl("--sim", "-o", "json", "frontdoor", "verify", "--stamp", "weu-3", "--restored", "--timeout", "5m"))
    assert json.loads(back.stdout)["passed"] is True
    status = json.loads(_ok(mcctl("--sim", "-o", "json", "frontdoor", "status")).stdout)
    assert "origin-weu-1" not in json.dumps(status)
    # the region-wide checks know the region's stamps as they are now: weu-3 in, weu-1 out
    region = _ok(mcctl("--sim", "-o", "json", "frontdoor", "verify", "westeurope", "--restored", "--timeout", "5m"))
    assert json.loads(region.stdout)["stamps"] == ["weu-2", "weu-3"]
    waited = _ok(mcctl("--sim", "-o", "json", "wait", "frontdoor", "-r", "westeurope", "--for", "serving"))
    assert "weu-2, weu-3 serve again" in json.loads(waited.stdout)["detail"]
    _ok(mcctl("--sim", "wait", "health", "--region", "westeurope", "--for", "healthy", "--timeout", "1m"))
    shown = json.loads(_ok(mcctl("--sim", "-o", "json", "stamps", "show", "weu-1")).stdout)
    assert (shown["lifecycle"], shown["health"], shown["origin_enabled"], shown["problems"]) == (
        "retired", "retired", False, [],
    )  # fmt: skip
    scaled = mcctl("--sim", "scale", "weu-1", "--instances", "2", "--yes")
    assert scaled.exit_code == 2 and "stamp 'weu-1' is retired" in scaled.stderr

    operations = json.loads(_ok(mcctl("--sim", "-o", "json", "journal", "list")).stdout)
    kinds = [(op["kind"], op["status"]) for op in operations]
    assert kinds == [("stamp-add", "succeeded"), ("shift", "succeeded"), ("stamp-retire", "succeeded")]
    steps = {}
    for op in operations:
        shown = json.loads(_ok(mcctl("--sim", "-o", "json", "journal", "show", op["id"])).stdout)
        steps[op["kind"]] = [s["kind"] for s in shown["plan"]["steps"]]
        assert shown["steps"] == f"{len(shown['plan']['steps'])}/{len(shown['plan']['steps'])}"
        assert all(step["history"] == ["succeeded"] for step in shown["step_history"]), shown["step_history"]
    assert steps == {
        "stamp-add": ["create_origin"],
        "shift": ["set_origin"] * 6 + ["set_lifecycle"] * 2,
        "stamp-retire": ["set_lifecycle", "delete_origin", "scale_plan"],
    }
