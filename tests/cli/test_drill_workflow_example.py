"""The scheduled practice drill README points to (docs/examples/practice-drill.yml) is a workflow
GitHub can load, and the mcctl commands in it are ones mcctl accepts, non-interactively."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "examples" / "practice-drill.yml"


def _commands() -> list[list[str]]:
    doc = yaml.safe_load(WORKFLOW.read_text())
    runs = [step.get("run", "") for step in doc["jobs"]["drill"]["steps"]]
    found = []
    for run in runs:
        for line in run.replace("\\\n", " ").splitlines():
            line = line.strip().split(" > ")[0].split(" >> ")[0]
            if line.startswith(("mcctl", "test -f")) and "mcctl " in line:
                found.append(shlex.split(line[line.index("mcctl") :].replace("$SIM", "--sim")))
    return found


def test_the_workflow_loads_and_is_scheduled() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text())
    assert doc[True]["schedule"][0]["cron"]  # (PyYAML reads the `on:` key as True; GitHub as "on")
    assert doc["jobs"]["drill"]["steps"]


def test_its_drill_run_is_non_interactive(mcctl, tmp_path) -> None:
    commands = _commands()
    runs = [c for c in commands if c[c.index("drill") + 1] == "run"]
    assert runs and all("--yes" in c and "--approve" in c for c in runs if "--dry-run" not in c)
    plan = tmp_path / "weu-to-neu.yaml"
    planned = mcctl("--sim", "drill", "plan", "--from", "westeurope", "--to", "northeurope", "--failback")
    assert planned.exit_code == 0, planned.stderr
    plan.write_text(planned.stdout)
    for command in commands:
        args = [a.replace("drills/weu-to-neu.yaml", str(plan)) for a in command[1:]]
        args = [a for a in args if a not in ("--credential", "cli")]  # (the simulator signs in by itself)
        if "--dry-run" in args or args[args.index("drill") + 1] in ("plan", "list"):
            result = mcctl(*args)
            assert result.exit_code == 0, (args, result.stderr)
