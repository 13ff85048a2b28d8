"""The real Azure CLI against `mcctl sim serve` (run by `make interop`, which installs the pinned
azure-cli into a venv of its own and names its `az` in MCCTL_INTEROP_AZ).

One server per test session, started exactly as the README's recipe does (`mcctl sim serve --port 0
-o json`), and az signed in to it as the recipe says (cloud registration from the simulator's
`/metadata/endpoints`, a service principal login). Everything stays on 127.0.0.1: az is told to
trust only the simulator's CA bundle and to skip instance discovery (which would ask
login.microsoftonline.com).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

AZ = os.environ.get("MCCTL_INTEROP_AZ", "")
START_TIMEOUT = 60.0  # wall seconds for the server to print its address (a cold start imports the SDKs)
COMMAND_TIMEOUT = 120.0


@dataclass
class Served:
    """A running `mcctl sim serve` and the environments that reach it."""

    info: dict[str, Any]
    state_dir: Path
    az_env: dict[str, str]
    mcctl_env: dict[str, str]
    process: subprocess.Popen[str]
    stderr: list[str] = field(default_factory=list)

    def az(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> Any:
        """Run az; its JSON answer (None when it printed nothing). Fails the test on a non-zero exit."""
        done = subprocess.run(
            [AZ, *args, "--only-show-errors", "-o", "json"],
            env=env or self.az_env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        if check and done.returncode != 0:
            pytest.fail(f"az {' '.join(args)} exited {done.returncode}:\n{done.stderr}\n{self.server_log()}")
        return json.loads(done.stdout) if done.stdout.strip() else None

    def mcctl(self, *args: str, served: bool = False, code: int = 0) -> Any:
        """Run mcctl -o json in a fresh process: `--sim` on the same state (in process, the other
        way in), or with `served` through the served estate file (its credential: az, signed in)."""
        head = ["--estate", self.info["estate_file"]] if served else ["--sim"]
        done = subprocess.run(
            [sys.executable, "-m", "mcctl", *head, "-o", "json", *args],
            env=self.mcctl_env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        if done.returncode != code:
            pytest.fail(f"mcctl {' '.join(args)} exited {done.returncode}, not {code}:\n{done.stderr}\n{done.stdout}")
        return json.loads(done.stdout) if done.stdout.strip() else None

    def server_log(self) -> str:
        return "server stderr:\n" + "".join(self.stderr[-40:])


def _read_lines(stream: Any, sink: queue.Queue[str | None], keep: list[str] | None = None) -> None:
    for line in stream:
        sink.put(line)
        if keep is not None:
            keep.append(line)
    sink.put(None)


def _start(state_dir: Path) -> tuple[subprocess.Popen[str], dict[str, Any], list[str]]:
    env = {**os.environ, "MCCTL_STATE_DIR": str(state_dir)}
    env.pop("MCCTL_ESTATE", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "mcctl", "-o", "json", "sim", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out: queue.Queue[str | None] = queue.Queue()
    err_lines: list[str] = []
    threading.Thread(target=_read_lines, args=(process.stdout, out), daemon=True).start()
    threading.Thread(target=_read_lines, args=(process.stderr, queue.Queue(), err_lines), daemon=True).start()
    try:
        line = out.get(timeout=START_TIMEOUT)
    except queue.Empty:
        process.kill()
        pytest.fail(f"mcctl sim serve printed nothing in {START_TIMEOUT:g}s:\n{''.join(err_lines)}")
    if not line:
        process.kill()
        pytest.fail(f"mcctl sim serve exited {process.wait()}:\n{''.join(err_lines)}")
    return process, json.loads(line), err_lines


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    assert AZ and Path(AZ).exists(), "MCCTL_INTEROP_AZ must name the az of `make interop`"
    state_dir = tmp_path_factory.mktemp("state")
    process, info, err_lines = _start(state_dir)
    az_env = {
        **os.environ,
        "AZURE_CONFIG_DIR": str(tmp_path_factory.mktemp("az")),
        "REQUESTS_CA_BUNDLE": info["ca_bundle"],
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_SURVEY_MESSAGE": "false",
        "AZURE_CORE_NO_COLOR": "true",
    }
    for name in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "MSI_ENDPOINT", "MSI_SECRET", "AZURE_CLIENT_ID"):
        az_env.pop(name, None)
    # The served estate's credential (cli) runs this same az, signed in to the simulator.
    mcctl_env = {**az_env, "MCCTL_STATE_DIR": str(state_dir), "PATH": f"{Path(AZ).parent}:{os.environ['PATH']}"}
    mcctl_env.pop("MCCTL_ESTATE", None)
    server = Served(info, state_dir, az_env, mcctl_env, process, err_lines)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def signed_in(served: Served) -> Served:
    """az registered to the simulator's cloud and signed in as the recipe's service principal."""
    info = served.info
    served.az("cloud", "register", "-n", "mcctl-sim", "--endpoint-resource-manager", info["url"])
    served.az("cloud", "set", "-n", "mcctl-sim")
    served.az(
        "login", "--service-principal", "-u", info["app_id"], "-p", info["app_secret"], "--tenant", info["tenant"]
    )
    return served
