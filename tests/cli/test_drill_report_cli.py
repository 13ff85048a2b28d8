"""The drill report through the CLI: a forced failover's lost writes measured as RPO, the JSON document
valid against docs/schemas/drill-report.schema.json whatever the outcome, `drill report` rendering
the same content again in every format, and `drill list` with the trend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "drill-report.schema.json"

SHORT = """\
drill: 1
name: {name}
from: westeurope
to: northeurope
probes: {{interval: 5s}}
steps:
  - name: start
    approval: {{message: "Evacuate westeurope?"}}
  - evacuate: {{region: westeurope, to: northeurope, sql: auto}}
  - name: sql in {gate}
    check: {{sql: {{primary_region: {gate}}}}}
"""


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _valid(validator: jsonschema.Draft202012Validator, document: dict) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def _json(result) -> dict | list:
    return json.loads(result.stdout)


def _plan(tmp_path: Path, name: str, gate: str = "northeurope") -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SHORT.format(name=name, gate=gate))
    return str(path)


class _Elements(HTMLParser):
    """The HTML's elements by id and by class."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.classes: dict[str, list[str]] = defaultdict(list)
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if values.get("id"):
            self.ids[str(values["id"])] = tag
        for name in (values.get("class") or "").split():
            self.classes[name].append(tag)


def _report(mcctl, run: str, fmt: str = "json") -> str:
    shown = mcctl("--sim", "drill", "report", run, "--format", fmt)
    assert shown.exit_code == 0, shown.stderr
    return shown.stdout


# -- 5. a forced failover's lost writes are the RPO -------------------------------------------------------
def test_a_forced_failover_drill_reports_the_simulators_lost_writes_as_rpo(mcctl, tmp_path: Path, validator) -> None:
    written = mcctl(
        "--sim", "drill", "plan", "--from", "westeurope", "--to", "northeurope", "--outage", "--hold", "10s"
    )
    assert written.exit_code == 0, written.stderr
    plan = tmp_path / "outage.yaml"
    plan.write_text(written.stdout.replace("interval: 1s", "interval: 5s"))

    ran = mcctl("--sim", "-o", "json", "drill", "run", str(plan), "--yes", "--approve", "all", "--allow-data-loss")
    assert ran.exit_code == 0, ran.stderr
    report = _json(ran)
    _valid(validator, report)
    assert report["drill"]["outcome"] == "passed"

    sim = _json(mcctl("--sim", "-o", "json", "sim", "status"))
    (lost,) = sim["sql_lost_writes"]  # one forced failover, with the rows it lost
    assert lost["rows"]
    rpo = report["rpo"]
    assert rpo["measured"] is True and rpo["method"] == "readback"
    assert rpo["sql_failover_mode"] == "forced"
    assert rpo["writes_lost"] == len(lost["rows"])
    assert rpo["seconds"] > 0
    missing = [s for s in report["probes"]["samples"] if s["kind"] == "readback" and not s["ok"]]
    assert sorted(s["write_id"] for s in missing) == sorted(lost["rows"])
    assert report["rto"]["seconds"] > 0  # westeurope down: writes failed until the forced failover
    assert report["drill"]["incident_at"] == next(s for s in report["steps"] if s["kind"] == "fault")["started_at"]


# -- 6. the schema, re-rendering, the list ---------------------------------------------------------------
def test_passed_rolled_back_and_interrupted_reports_are_valid_and_re_render(mcctl, tmp_path: Path, validator) -> None:
    passed = mcctl("--sim", "-o", "json", "drill", "run", _plan(tmp_path, "passes"), "--yes", "--approve", "all")
    assert passed.exit_code == 0, passed.stderr
    run = _json(passed)["drill"]["operation"]
    # what `drill run -o json` printed is what `drill report` renders again, and the files written
    # beside the journal at the end of the run are what `report` renders in each format
    assert json.loads(_report(mcctl, run)) == _json(passed)
    folder = Path(os.environ["MCCTL_STATE_DIR"]) / "journal" / "drills" / run
    for fmt, name in (("json", "report.json"), ("md", "report.md"), ("html", "report.html")):
        assert _report(mcctl, run, fmt).rstrip("\n") == (folder / name).read_text().rstrip("\n")
    assert mcctl("--sim", "drill", "rollback", run, "--yes").exit_code == 0  # the next drills start afresh

    rolled = mcctl(
        "--sim", "-o", "json", "drill", "run", _plan(tmp_path, "gate", "eastus2"), "--yes", "--approve", "all"
    )
    assert rolled.exit_code == 9, rolled.stderr
    assert json.loads(_report(mcctl, "latest")) == _json(rolled)

    # killed when the evacuation drains westeurope: minutes of probes were taken by then
    armed = mcctl("sim", "fault", "add", "crash", "--method", "PATCH", "--path", "/origins/origin-weu-2")
    assert armed.exit_code == 0, armed.stderr
    killed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mcctl",
            "--sim",
            "drill",
            "run",
            _plan(tmp_path, "killed"),
            "--yes",
            "--approve",
            "all",
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=300,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr

    listed = mcctl("--sim", "-o", "json", "drill", "list")
    assert listed.exit_code == 0, listed.stderr
    drills = _json(listed)
    assert [(d["name"], d["outcome"]) for d in drills] == [
        ("passes", "passed"),
        ("gate", "rolled_back"),
        ("killed", "interrupted"),
    ]
    assert drills[0]["rto_seconds"] > 0 and drills[0]["rpo_seconds"] == 0 and drills[0]["writes_lost"] == 0
    assert {"operation", "started_at", "duration_seconds", "recovery_seconds"} <= set(drills[0])

    by_outcome = {}
    for drill in drills:
        document = json.loads(_report(mcctl, drill["operation"]))
        _valid(validator, document)
        by_outcome[drill["outcome"]] = document
    assert by_outcome["passed"]["rollback"]["healthy_after"] is True  # rolled back by `drill rollback`
    assert by_outcome["rolled_back"]["rollback"]["healthy_after"] is True
    interrupted = by_outcome["interrupted"]
    assert interrupted["drill"]["ended_at"] is None
    assert [s["status"] for s in interrupted["steps"]] == ["succeeded", "interrupted", "not_run"]
    assert interrupted["probes"]["counts"]["write"]["ok"] > 0  # the probes up to the kill were kept
    assert interrupted["before"]["sql"]["primary_region"] == "westeurope"
    assert json.loads(_report(mcctl, "latest")) == interrupted  # `latest`: the newest drill


def test_markdown_and_html_carry_the_json_reports_content(mcctl, tmp_path: Path) -> None:
    ran = mcctl("--sim", "-o", "json", "drill", "run", _plan(tmp_path, "content"), "--yes", "--approve", "all")
    assert ran.exit_code == 0, ran.stderr
    document = _json(ran)
    run = document["drill"]["operation"]

    md = _report(mcctl, run, "md")
    html = _report(mcctl, run, "html")
    for text in (md, html):
        assert run in text and "content" in text
        for step in document["steps"]:
            assert step["name"] in text
    (rto_row,) = [line for line in md.splitlines() if line.startswith("| **RTO**")]
    start, end = document["rto"]["start_at"][11:19], document["rto"]["end_at"][11:19]
    assert f"{start} → {end}" in rto_row  # the span of failing writes the JSON measured
    (rpo_row,) = [line for line in md.splitlines() if line.startswith("| **RPO**")]
    assert "no acknowledged write lost" in rpo_row and document["rpo"]["writes_lost"] == 0
    found = _Elements()
    found.feed(html)
    assert found.ids["timeline"] == "svg" and found.ids["rto"] == "rect"
    assert len(found.classes["step-bar"]) == len(document["steps"])
    assert found.classes["probe-strip"]  # one strip per region the probes reached, and the writes'
    assert "script" not in found.tags

    out = tmp_path / "r.html"
    written = mcctl("--sim", "drill", "report", run, "--format", "html", "--out", str(out))
    assert written.exit_code == 0, written.stderr
    assert out.read_text().rstrip("\n") == html.rstrip("\n")


def test_report_refuses_a_bad_format_and_an_operation_that_is_not_a_drill(mcctl, tmp_path: Path) -> None:
    none_yet = mcctl("--sim", "drill", "report", "latest")
    assert none_yet.exit_code == 2 and "no drill" in none_yet.stderr
    scaled = mcctl("--sim", "scale", "weu-1", "--instances", "4", "--yes")
    assert scaled.exit_code == 0, scaled.stderr
    op = _json(mcctl("--sim", "-o", "json", "journal", "list"))[0]["id"]
    not_a_drill = mcctl("--sim", "drill", "report", op)
    assert not_a_drill.exit_code == 2 and "not a drill" in not_a_drill.stderr
    bad = mcctl("--sim", "drill", "report", "latest", "--format", "pdf")
    assert bad.exit_code == 2 and "--format" in bad.stderr
    assert _json(mcctl("--sim", "-o", "json", "drill", "list")) == []
