"""README's "For scripts" runbook, run for real: bash evacuates a region and brings it back on the
simulator, deciding only on exit codes and `-o json` result documents (issue 15, "Done when")."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RUNBOOK = r"""#!/usr/bin/env bash
# Take REGION out of service, then bring it back: decide on exit codes and -o json results only.
set -uo pipefail
region=${1:?usage: runbook REGION}
read -r -a mcctl <<<"${MCCTL:-mcctl}"   # e.g. MCCTL="mcctl --sim"

step() {  # step VERB ARGS...: run a mutating command; its result document lands in $result
  result=$("${mcctl[@]}" -o json "$@" --yes)
  local rc=$?
  local status operation
  status=$(jq -r .status <<<"$result")
  operation=$(jq -r '.operation // "-"' <<<"$result")
  case $rc in
    0) echo "$1 $region: $status (operation $operation, verified: $(jq -r '.verify.passed // "n/a"' <<<"$result"))" ;;
    5) echo "$1 $region refused by: $(jq -r '.refused | join(", ")' <<<"$result")" >&2
       jq -r '.rules[] | select(.verdict == "refused") | "  \(.rule): \(.message)"' <<<"$result" >&2 ;;
    6|7) echo "$1 $region stopped ($status); continue: $(jq -r .journal.resume <<<"$result")," \
              "or undo: $(jq -r .journal.rollback <<<"$result")" >&2 ;;
    8) echo "$1 $region: the estate is busy: $(jq -r .error.message <<<"$result")" >&2 ;;
    130) echo "$1 $region: cancelled, nothing changed" >&2 ;;
    *) echo "$1 $region failed ($status, exit $rc): $(jq -r .error.message <<<"$result")" >&2 ;;
  esac
  return $rc
}

step evacuate "$region" || exit
step reinstate "$region" || exit
"""


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("bash") is None, reason="needs bash and jq")
def test_the_runbook_evacuates_and_restores_a_region_on_the_simulator(tmp_path: Path) -> None:
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


@pytest.mark.skipif(shutil.which("jq") is None or shutil.which("bash") is None, reason="needs bash and jq")
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
