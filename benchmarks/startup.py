"""Start-up: what a fresh `mcctl` process costs, next to what it is built on.

Each figure is the median wall time of N fresh processes (default 15), the cases run round-robin so
that a busy machine weighs on all of them alike. Side by side: `python -c pass`, `import typer`, a
minimal Typer app's `--help` (two commands, written to a temporary file), the bare import of the
four management SDKs mcctl uses, and `az --version` when the Azure CLI is on PATH. mcctl runs with
the built-in plugins only (MCCTL_PLUGINS=; once also with every installed plugin, as when unset)
on a fresh state directory; `stamps list` and
`frontdoor status` read the demo estate from the embedded simulator (its state written once first).

    .venv/bin/python benchmarks/startup.py [N]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
MCCTL = str(Path(sys.executable).parent / "mcctl")

MINIMAL_APP = '''\
import typer

app = typer.Typer()


@app.command()
def hello(name: str, count: int = 1) -> None:
    """Say hello."""
    for _ in range(count):
        print(f"hello {name}")


@app.command()
def bye(name: str) -> None:
    """Say bye."""
    print(f"bye {name}")


if __name__ == "__main__":
    app()
'''

SDKS = "import azure.mgmt.web, azure.mgmt.sql, azure.mgmt.cdn, azure.mgmt.redisenterprise"

Case = tuple[str, list[str], dict[str, str]]


def cases(tmp: Path, env: dict[str, str]) -> list[Case]:
    app = tmp / "minimal_app.py"
    app.write_text(MINIMAL_APP, encoding="utf-8")
    every_plugin = {k: v for k, v in env.items() if k != "MCCTL_PLUGINS"}  # unset: every installed plugin
    tab = {**env, "_MCCTL_COMPLETE": "complete_bash", "COMP_WORDS": "mcctl --sim stamps show ", "COMP_CWORD": "4"}
    found: list[Case] = [
        ("python -c pass", [PYTHON, "-c", "pass"], env),
        ('python -c "import typer"', [PYTHON, "-c", "import typer"], env),
        ("minimal Typer app --help", [PYTHON, str(app), "--help"], env),
        ("import the 4 SDKs", [PYTHON, "-c", SDKS], env),
        ("mcctl --version", [MCCTL, "--version"], env),
        ("mcctl --help", [MCCTL, "--help"], env),
        ("mcctl --help (installed plugins too)", [MCCTL, "--help"], every_plugin),
        ("mcctl stamps --help", [MCCTL, "stamps", "--help"], env),
        ("mcctl sql failover --help", [MCCTL, "sql", "failover", "--help"], env),
        ("TAB: mcctl --sim stamps show ", [MCCTL], tab),
        ("mcctl --sim -o json stamps list", [MCCTL, "--sim", "-o", "json", "stamps", "list"], env),
        ("mcctl --sim -o json frontdoor status", [MCCTL, "--sim", "-o", "json", "frontdoor", "status"], env),
        # A change, then its inverse (each run drains and restores: every one is a real change).
        (
            "mcctl --sim frontdoor drain (a change)",
            [MCCTL, "--sim", "-y", "frontdoor", "drain", "--stamp", "weu-2"],
            env,
        ),
        ("mcctl --sim frontdoor restore", [MCCTL, "--sim", "-y", "frontdoor", "restore", "--stamp", "weu-2"], env),
        ("import the SDKs a drain imports", [PYTHON, "-c", "import " + ", ".join(sdks_of_a_drain(env))], env),
    ]
    az = shutil.which("az")
    if az:
        found.append(("az --version", [az, "--version"], env))
    return found


def sdks_of_a_drain(env: dict[str, str]) -> list[str]:
    """The azure packages (SDKs, azure-core, storage) a drain and its restore import, as -X importtime
    lists them: the bare import a change is compared with."""
    found: set[str] = set()
    for verb in ("drain", "restore"):
        command = [PYTHON, "-X", "importtime", MCCTL, "--sim", "-y", "frontdoor", verb, "--stamp", "weu-2"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        for line in done.stderr.splitlines():
            name = line.rsplit("|", 1)[-1].strip()
            parts = name.split(".")
            if parts[0] == "azure" and len(parts) >= 2:
                found.add(
                    ".".join(parts[:3]) if parts[1] in ("mgmt", "storage") and len(parts) >= 3 else ".".join(parts[:2])
                )
    return sorted(found)


def measure(found: list[Case], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {label: [] for label, _, _ in found}
    for _ in range(runs):
        for label, command, env in found:
            started = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, check=False)
            times[label].append(time.perf_counter() - started)
            if done.returncode != 0:
                raise SystemExit(f"{label}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    return {label: statistics.median(values) * 1000 for label, values in times.items()}


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("MCCTL_", "_MCCTL", "COMP_"))}
        env = {**base, "MCCTL_STATE_DIR": str(Path(tmp) / "state"), "MCCTL_PLUGINS": ""}
        # the simulator's state file is written by the first run, not timed
        subprocess.run([MCCTL, "--sim", "-o", "none", "stamps", "list"], env=env, capture_output=True, check=True)
        found = cases(Path(tmp), env)
        ms = measure(found, runs)
    print(f"median of {runs} fresh processes each ({os.cpu_count()} CPUs, Python {sys.version.split()[0]})")
    for label, value in ms.items():
        print(f"  {label:<40} {value:8.1f} ms")
    minimal, help_ = ms["minimal Typer app --help"], ms["mcctl --help"]
    print(f"  mcctl --help / minimal Typer app --help  {help_ / minimal:8.2f} x  (target <= 1.3)")
    print(f"  mcctl --version / python -c pass         {ms['mcctl --version'] / ms['python -c pass']:8.2f} x")
    change, sdks = ms["mcctl --sim frontdoor drain (a change)"], ms["import the SDKs a drain imports"]
    print(f"  drain / bare import of its SDKs          {change / sdks:8.2f} x  (target <= 1.15)")
    if "az --version" in ms:
        print(f"  az --version / mcctl --help              {ms['az --version'] / help_:8.2f} x  (target >= 2.5)")
    else:
        print("  az --version: the Azure CLI is not on PATH here (not measured)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
