"""README's "For scripts" runbook, run for real: bash evacuates a region and brings it back on the
simulator, deciding only on exit codes and `-o json` result documents (issue 15, "Done when")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_runbook() -> str:
    """The bash block of README's "For scripts" section: the test runs what README shows."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### For scripts", 1)[1]
    return section.split("```bash\n", 1)[1].split("```", 1)[0]


RUNBOOK = _readme_runbook()


def test_the_runbook_evacuates_and_restores_a_region_on_the_simulator(tmp_path: Path) -> None:
    assert shutil.which("jq") and shutil.which("bash"), "README's runbook needs bash and jq (apt install jq)"
    script = tmp_path / "runbook.sh"
    script.write_text(RUNBOOK, encoding="utf-8")
    mcctl = str(Path(sys.executable).parent / "mcctl")
    env = {**os.environ, "MCCTL": f"{mcctl} --sim", "COLUMNS": "80"}

    run = subprocess.run(["bash", str(script), "eastus2"], capture_output=True, text=True, env=env, timeout=600)

    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("evacuate eastus2: applied (operation ") and lines[0].endswith("verified: true)")
    assert lines[1].startswith("reinstate eastus2: applied (operation ") and lines[1].endswith("verified: true)")
    status = subprocess.run(
        [mcctl, "--sim", "-o", "json", "frontdoor", "status"], capture_output=True, text=True, env=env, timeout=120
    )
    assert "eastus2" in json.loads(status.stdout)["serving_regions"]
    journal = subprocess.run(
        [mcctl, "--sim", "-o", "json", "journal", "list"], capture_output=True, text=True, env=env, timeout=120
    )
    assert [(o["kind"], o["status"]) for o in json.loads(journal.stdout)] == [
        ("evacuate", "succeeded"),
        ("reinstate", "succeeded"),
    ]


def test_the_runbook_stops_on_a_refusal_and_names_the_rule(tmp_path: Path) -> None:
    script = tmp_path / "runbook.sh"
    script.write_text(RUNBOOK, encoding="utf-8")
    mcctl = str(Path(sys.executable).parent / "mcctl")
    env = {**os.environ, "MCCTL": f"{mcctl} --sim"}
    for region in ("westeurope", "northeurope"):
        drained = subprocess.run(
            [mcctl, "--sim", "frontdoor", "drain", region, "--yes"], capture_output=True, text=True, env=env
        )
        assert drained.returncode == 0, drained.stderr

    run = subprocess.run(["bash", str(script), "eastus2"], capture_output=True, text=True, env=env, timeout=600)

    assert run.returncode == 5, (run.stdout, run.stderr)
    assert "evacuate eastus2 refused by: " in run.stderr and "min_serving_regions" in run.stderr
