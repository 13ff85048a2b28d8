"""`mcctl sim serve`: the served estate file (valid, everything on loopback), the az recipe, bad
options refused before binding, and `-o json --port 0` as a script starts it (issue 19)."""

from __future__ import annotations

import json
import os
import queue
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from mcctl.config.loader import EstateSource, demo_source, load_estate
from mcctl.sim.credential import make_sim_token
from mcctl.sim.providers.identity import IDENTITY_HEADER_VALUE, SIM_APP_ID, SIM_APP_SECRET, SIM_TENANT
from mcctl.sim.runtime import open_simulator
from mcctl.sim.serve_estate import ServeRecipe, served_estate, served_estate_path, write_served_estate
from mcctl.sim.server import LoopbackServer
from mcctl.sim.tls import ensure_self_signed, make_self_signed

START_TIMEOUT = 60.0  # wall seconds for a cold process to import and print its line (never slept)
URL = "https://127.0.0.1:8443"


def _load(path: Path):
    return load_estate(EstateSource(str(path), path.read_text(encoding="utf-8")))


def test_the_served_estate_is_the_estate_pointed_at_loopback_and_loads(tmp_path: Path) -> None:
    cert, _ = make_self_signed(tmp_path / "tls")
    path = write_served_estate(
        served_estate_path(tmp_path, "demo"), served_estate(demo_source().text, "demo", URL, cert)
    )
    assert path == tmp_path / "serve" / "demo.yaml"
    original, served = yaml.safe_load(demo_source().text), yaml.safe_load(path.read_text())
    changed = ("cloud", "lock", "credential")
    assert {k: v for k, v in served.items() if k not in changed} == {
        k: v for k, v in original.items() if k not in changed
    }
    estate = _load(path)
    assert estate.cloud.name == "custom"
    assert (estate.cloud.arm_endpoint, estate.cloud.web_endpoint, estate.cloud.ca_bundle) == (URL, URL, str(cert))
    assert estate.cloud.tenant == SIM_TENANT and estate.cloud.authority == URL
    assert estate.credential == "cli"  # az signed in to the simulator; `default` would try a VM's IMDS
    assert estate.lock is not None and estate.lock.endpoint == f"{URL}/@blob/stmcdemoops"
    assert [s.name for s in estate.stamps] == [s.name for s in load_estate(demo_source()).stamps]


def test_a_subscription_override_is_written_into_the_served_estate(tmp_path: Path) -> None:
    cert, _ = make_self_signed(tmp_path / "tls")
    other = "11111111-2222-4333-8444-555555555555"
    path = write_served_estate(tmp_path / "s.yaml", served_estate(demo_source().text, "demo", URL, cert, other))
    assert _load(path).subscription == other


def test_the_recipe_is_the_exact_az_lines(tmp_path: Path) -> None:
    recipe = ServeRecipe(URL, tmp_path / "cert.pem", tmp_path / "serve" / "demo.yaml", 60.0, tmp_path / "az")
    lines = recipe.lines()
    assert lines[0] == (
        f"export AZURE_CONFIG_DIR={tmp_path / 'az'} REQUESTS_CA_BUNDLE={tmp_path / 'cert.pem'}"
        " AZURE_CORE_INSTANCE_DISCOVERY=false AZURE_CORE_COLLECT_TELEMETRY=false"
        " NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost"
    )
    assert lines[1:4] == [
        f"az cloud register -n mcctl-sim --endpoint-resource-manager {URL}",
        "az cloud set -n mcctl-sim",
        f"az login --service-principal -u {SIM_APP_ID} -p {SIM_APP_SECRET} --tenant {SIM_TENANT}",
    ]
    assert lines[4] == (
        f"(or: export IDENTITY_ENDPOINT={URL}/msi/token IDENTITY_HEADER={IDENTITY_HEADER_VALUE}; az login --identity)"
    )
    assert lines[5] == f"mcctl --estate {tmp_path / 'serve' / 'demo.yaml'} status"


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--speed", "0"),
        ("--speed", "0.5"),
        ("--speed", "nan"),
        ("--speed", "1e9"),
        ("--port", "70000"),
        ("--port", "-1"),
    ],
)
def test_a_bad_option_exits_2_naming_it_before_serving(mcctl, option: str, value: str, tmp_path: Path) -> None:
    result = mcctl("sim", "serve", option, value)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    errors = [line for line in result.stderr.splitlines() if line.startswith("mcctl: error:")]
    assert len(errors) == 1 and option in errors[0], result.stderr
    assert not (Path(os.environ["MCCTL_STATE_DIR"]) / "serve").exists()  # nothing written, nothing served


def test_mcctl_reads_the_estate_through_the_served_file(mcctl, tmp_path: Path, monkeypatch) -> None:
    """The served file as `sim serve` writes it, used by another mcctl process: status, stamps list
    (the health probes) and stamps validate (its smoke checks) all answered by the simulator."""
    sim, _ = open_simulator(load_estate(demo_source()), "serve", persist=False)
    cert, key = make_self_signed(tmp_path / "tls")
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", make_sim_token()[0])  # until `--credential cli` signs in via az
    text = demo_source().text + "release:\n  smoke:\n    - path: /\n"  # a smoke check for `stamps validate`
    with LoopbackServer(sim, cert, key) as server:
        path = write_served_estate(tmp_path / "served.yaml", served_estate(text, "demo", server.url, cert))
        status = mcctl("--estate", str(path), "-o", "json", "status")
        assert status.exit_code == 0, status.stderr
        assert json.loads(status.stdout)["estate"] == "demo"
        # Probes are timed on the wall here (a busy machine may make one slow): judged by their answers.
        health = mcctl("--estate", str(path), "-o", "json", "health")
        probes = [stamp["probe"] for stamp in json.loads(health.stdout)["stamps"]]
        assert len(probes) == 6 and all(p["http_status"] == 200 and p["error"] is None for p in probes), probes
        stamps = mcctl("--estate", str(path), "-o", "json", "stamps", "list")
        assert stamps.exit_code == 0, stamps.stderr
        assert [row["name"] for row in json.loads(stamps.stdout)] == [
            "weu-1",
            "weu-2",
            "neu-1",
            "neu-2",
            "eus2-1",
            "eus2-2",
        ]
        validated = mcctl("--estate", str(path), "-o", "json", "stamps", "validate", "weu-1")
        checks = {check["name"]: check for check in json.loads(validated.stdout)["checks"]}
        assert checks["health"]["verdict"] == "pass" and checks["health"]["http_statuses"] == [200] * 5
        smoke = [check for name, check in checks.items() if name.startswith("smoke")]
        assert len(smoke) == 1 and smoke[0]["verdict"] == "pass", checks
        # The operator lease: a blob lease on the simulated storage account, path-style on loopback.
        acquired = mcctl("--estate", str(path), "-o", "json", "lock", "acquire", "--reason", "serve test")
        assert acquired.exit_code == 0, acquired.stderr
        held = mcctl("--estate", str(path), "-o", "json", "lock", "status")
        assert held.exit_code == 0 and "serve test" in held.stdout, (held.stdout, held.stderr)
        # metadata names with underscores survive WSGI (which turns a header's dashes into underscores)
        assert json.loads(held.stdout)["acquired_at"], held.stdout
    assert any(entry.path.startswith("/@blob/stmcdemoops/mcctl-locks/") for entry in sim.requests)
    probed = [entry.path for entry in sim.requests if entry.path.startswith("/@web/")]
    assert "/@web/app-mc-weu-1.azurewebsites.net/health/stamp" in probed
    assert "/@web/app-mc-weu-1.azurewebsites.net" in probed  # the smoke check of `/`


def _first_line(process: subprocess.Popen[str]) -> str | None:
    """The process's first stdout line, waited for on a thread with a timeout (never a sleep)."""
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(
        target=lambda: lines.put(process.stdout.readline() if process.stdout else None), daemon=True
    ).start()
    try:
        return lines.get(timeout=START_TIMEOUT)
    except queue.Empty:
        return None


def test_serve_json_port_0_prints_one_line_then_answers_https(tmp_path: Path) -> None:
    state = tmp_path / "state"
    env = {**os.environ, "MCCTL_STATE_DIR": str(state), "MCCTL_PLUGINS": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "mcctl", "-o", "json", "sim", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = _first_line(process)
        assert line, f"no line from sim serve (exit {process.poll()})"
        info = json.loads(line)
        assert set(info) >= {
            "url", "ca_bundle", "estate_file", "speed", "tenant", "app_id", "app_secret",
            "identity_endpoint", "identity_header", "az",
        }  # fmt: skip
        assert info["url"].startswith("https://127.0.0.1:") and not info["url"].endswith(":0")
        assert info["speed"] == 60.0 and info["estate_file"] == str(state / "serve" / "demo.yaml")
        assert info["identity_endpoint"] == f"{info['url']}/msi/token" and info["tenant"] == SIM_TENANT
        assert info["az"][0] == f"az cloud register -n mcctl-sim --endpoint-resource-manager {info['url']}"
        estate = _load(Path(info["estate_file"]))
        assert estate.cloud.web_endpoint == info["url"] and estate.cloud.ca_bundle == info["ca_bundle"]
        context = ssl.create_default_context(cafile=info["ca_bundle"])
        with urllib.request.urlopen(f"{info['url']}/metadata/endpoints", context=context, timeout=30) as answer:
            assert answer.status == 200
            assert json.loads(answer.read())["resourceManager"].rstrip("/") == info["url"]
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("same_port", [False, True])
def test_a_state_another_server_holds_is_refused_before_anything_is_announced(mcctl, same_port: bool) -> None:
    """Whatever the port (the other server's own: not "address in use", but who holds the state)."""
    assert mcctl("--sim", "sim", "status").exit_code == 0  # the state file exists
    state_file = Path(os.environ["MCCTL_STATE_DIR"]) / "sim" / "demo.json"
    state = json.loads(state_file.read_text())
    now = time.time()
    state["clock_speed"] = {
        "factor": 10.0,
        "since": now,
        "until": now + 3600,
        "owner": "https://127.0.0.1:8443 pid 7 f00",
    }
    state_file.write_text(json.dumps(state))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1]) if same_port else "0"
        result = mcctl("-o", "json", "sim", "serve", "--port", port, "--speed", "30")
    assert result.exit_code == 2 and result.stdout == ""  # no JSON line: a script never takes it as ready
    assert "another server serves this simulator (https://127.0.0.1:8443 pid 7, at speed 10)" in result.stderr
    assert not (Path(os.environ["MCCTL_STATE_DIR"]) / "serve").exists()  # nothing of the other's overwritten


def test_the_recipe_updates_a_cloud_an_earlier_start_registered(tmp_path: Path) -> None:
    (tmp_path / "az").mkdir()
    (tmp_path / "az" / "clouds.config").write_text("[mcctl-sim]\nendpoint_resource_manager = https://127.0.0.1:1\n")
    recipe = ServeRecipe(URL, tmp_path / "cert.pem", tmp_path / "serve" / "demo.yaml", 60.0, tmp_path / "az")
    assert recipe.lines()[1] == f"az cloud update -n mcctl-sim --endpoint-resource-manager {URL}"


def test_a_restart_keeps_the_certificate_clients_already_trust(tmp_path: Path) -> None:
    first = ensure_self_signed(tmp_path / "tls")
    pem = first[0].read_bytes()
    assert ensure_self_signed(tmp_path / "tls") == first and first[0].read_bytes() == pem
    first[1].write_text("not a key")  # damaged: made anew
    assert ensure_self_signed(tmp_path / "tls")[0].read_bytes() != pem
