"""Global options and environment switches are strict (repro 9, 10): a value mcctl does not understand
is refused (exit 2, one line naming it) before any command runs, and `--subscription` really moves
every resource without its own subscription, on the simulator as against Azure."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
import yaml

from mcctl.config.loader import demo_source
from mcctl.sim.app import Sim

DEFAULT = "6a1d2b3c-5e4f-4a1b-9c8d-0d3e5f7a9b1c"
DR = "22222222-2222-4222-8222-222222222222"
PINNED = "33333333-3333-4333-8333-333333333333"
MCCTL = Path(__file__).resolve().parents[2] / "mcctl"


def _one_error(result) -> str:
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("mcctl: error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


@pytest.fixture
def requests(monkeypatch) -> list[tuple[str, str]]:
    """Every request the simulator answered in this test (method, path)."""
    seen: list[tuple[str, str]] = []
    real = Sim.handle

    def handle(self, req):
        seen.append((req.method, req.path))
        return real(self, req)

    monkeypatch.setattr(Sim, "handle", handle)
    return seen


# -- boolean environment switches -------------------------------------------------------------------
@pytest.mark.parametrize("value", ["maybe", "2", "y", "truee", "enabled", "-1", "[/]"])
def test_an_unknown_mcctl_sim_value_is_refused_naming_the_variable(mcctl, monkeypatch, tmp_path, value) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MCCTL_SIM", value)
    result = mcctl("-o", "json", "stamps", "list")
    assert result.exit_code == 2
    line = _one_error(result)
    assert "MCCTL_SIM" in line and repr(value) in line
    assert result.stdout == "" and "SIMULATED" not in result.stderr
    assert mcctl("--sim", "journal", "list").exit_code == 2  # refused with --sim too


@pytest.mark.parametrize("value", ["1", "TRUE", " yes ", "On"])
def test_true_words_turn_the_simulator_on(mcctl, monkeypatch, tmp_path, value) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MCCTL_SIM", value)
    result = mcctl("-o", "json", "stamps", "list")
    assert result.exit_code == 0, result.stderr
    assert "SIMULATED" in result.stderr


@pytest.mark.parametrize("value", ["0", "false", "No", "OFF", ""])
def test_false_words_and_empty_mean_real_azure(mcctl, monkeypatch, tmp_path, value) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MCCTL_SIM", value)
    result = mcctl("stamps", "list")
    assert result.exit_code == 2 and "no estate file found" in _one_error(result)


# -- --credential ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "command", [["--sim", "journal", "list"], ["sim", "status"], ["--sim", "stamps", "list"], ["stamps", "list"]]
)
def test_an_unknown_credential_is_refused_even_with_a_token_and_no_credential_needed(
    mcctl, monkeypatch, command
) -> None:
    monkeypatch.setenv("MCCTL_ACCESS_TOKEN", "eyJhbGciOiJub25lIn0.eyJ1cG4iOiJ4In0.")
    result = mcctl("--credential", "bogus", *command)
    assert result.exit_code == 2
    line = _one_error(result)
    assert "--credential" in line and "bogus" in line
    assert all(kind in line for kind in ("default", "cli", "managed-identity", "environment"))
    assert result.stdout == ""


def test_a_known_credential_is_accepted(mcctl) -> None:
    assert mcctl("--credential", "cli", "--sim", "journal", "list").exit_code == 0


# -- --subscription ----------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", ["not-a-guid", "1234", f"{DR}x", "[/]"])
def test_a_subscription_that_is_not_a_guid_is_refused_before_anything_runs(mcctl, bad) -> None:
    for command in (["--sim", "stamps", "list"], ["sim", "status"]):
        result = mcctl("--subscription", bad, *command)
        assert result.exit_code == 2
        line = _one_error(result)
        assert "--subscription" in line and "GUID" in line
        assert "SIMULATED" not in result.stderr


def test_the_override_moves_every_resource_id_and_every_request(mcctl, requests) -> None:
    shown = mcctl("--sim", "--subscription", DR, "-o", "json", "stamps", "show", "weu-1")
    assert shown.exit_code == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["subscription"] == DR
    assert all(f"/subscriptions/{DR}/" in i for i in data["ids"].values() if i), data["ids"]
    arm = [path for _, path in requests if path.startswith("/subscriptions/")]
    assert arm and all(path.startswith(f"/subscriptions/{DR}/") for path in arm)
    assert f"subscription {DR}" in shown.stderr  # the operator is told where they are acting


def test_a_change_with_the_override_lands_in_that_subscription(mcctl, requests) -> None:
    scaled = mcctl("--sim", "--subscription", DR, "scale", "weu-1", "--instances", "4", "--yes")
    assert scaled.exit_code == 0, scaled.stderr
    puts = [path for method, path in requests if method == "PUT" and "/serverfarms/" in path]
    assert puts and all(path.startswith(f"/subscriptions/{DR}/") for path in puts)
    listed = json.loads(mcctl("--sim", "--subscription", DR, "-o", "json", "stamps", "list").stdout)
    assert {r["name"]: r["instances"] for r in listed}["weu-1"] == 4


def test_explicit_subscriptions_in_the_estate_file_are_kept(mcctl, requests, tmp_path) -> None:
    data = yaml.safe_load(demo_source().text)
    data["stamps"][0]["subscription"] = PINNED
    estate = tmp_path / "pinned.yaml"
    estate.write_text(yaml.safe_dump(data), encoding="utf-8")

    pinned = mcctl("--sim", "--estate", str(estate), "--subscription", DR, "-o", "json", "stamps", "show", "weu-1")
    other = mcctl("--sim", "--estate", str(estate), "--subscription", DR, "-o", "json", "stamps", "show", "neu-1")

    assert pinned.exit_code == 0 and other.exit_code == 0, pinned.stderr + other.stderr
    assert json.loads(pinned.stdout)["ids"]["app_service_plan"].startswith(f"/subscriptions/{PINNED}/")
    assert json.loads(other.stdout)["ids"]["app_service_plan"].startswith(f"/subscriptions/{DR}/")
    arm = {path.split("/")[2] for _, path in requests if path.startswith("/subscriptions/")}
    assert arm == {PINNED, DR}  # the pinned stamp is read in its own subscription, the others in DR


def test_a_simulator_seeded_for_another_subscription_is_not_reused(mcctl, tmp_path) -> None:
    assert mcctl("--sim", "scale", "weu-1", "--instances", "5", "--yes").exit_code == 0

    moved = mcctl("--sim", "--subscription", DR, "-o", "json", "stamps", "list")

    assert moved.exit_code == 0, moved.stderr
    assert "seeded for another subscription" in moved.stderr and DR in moved.stderr
    assert {r["name"]: r["instances"] for r in json.loads(moved.stdout)}["weu-1"] == 3
    state = json.loads((tmp_path / "state" / "sim" / "demo.json").read_text())
    subscriptions = {key.split("/")[2] for key in state["resources"] if key.startswith("/subscriptions/")}
    assert subscriptions == {DR}

    back = mcctl("--sim", "-o", "json", "stamps", "list")
    assert "seeded for another subscription" in back.stderr
    again = mcctl("--sim", "-o", "json", "stamps", "list")
    assert "re-seeded" not in again.stderr  # the same target twice reuses the state


def test_switching_subscription_keeps_the_operator_lease_held(mcctl) -> None:
    held = mcctl("--sim", "-o", "json", "lock", "acquire", "--reason", "maintenance window")
    assert held.exit_code == 0, held.stderr
    other = mcctl("--sim", "--subscription", DR, "-o", "json", "lock", "status")
    assert "seeded for another subscription" in other.stderr
    # the lock's storage account is in no subscription the override moves: the lease survives the re-seed
    assert json.loads(other.stdout) == json.loads(held.stdout)


def test_sim_reset_seeds_for_the_subscription_given(mcctl, tmp_path) -> None:
    assert mcctl("--sim", "--subscription", DR, "sim", "reset").exit_code == 0
    state = json.loads((tmp_path / "state" / "sim" / "demo.json").read_text())
    assert all(key.startswith(f"/subscriptions/{DR}/") for key in state["resources"] if key.startswith("/sub"))
    listed = mcctl("--sim", "--subscription", DR, "stamps", "list")
    assert listed.exit_code == 0 and "re-seeded" not in listed.stderr


# -- estate files that would exhaust the parser; paths with markup ----------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "name: " + "[" * 5000 + "]" * 5000,
        "".join(" " * i + "a:\n" for i in range(3000)),
        "name: " + "{a: " * 2000 + "1" + "}" * 2000,
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        ),
    ],
    ids=["deep-flow", "deep-block", "deep-mapping", "alias-bomb"],
)
def test_a_pathological_estate_file_is_one_line_exit_2(mcctl, tmp_path, text) -> None:
    estate = tmp_path / "deep.yaml"
    estate.write_text(text, encoding="utf-8")
    result = mcctl("--estate", str(estate), "stamps", "list")
    assert result.exit_code == 2
    assert str(estate) in _one_error(result)
    assert len(result.stderr.splitlines()) <= 3  # the error, one detail, no wall of text


def test_an_empty_estate_path_or_a_duplicate_key_is_refused(mcctl, tmp_path) -> None:
    empty = mcctl("--sim", "--estate", "", "stamps", "list")
    assert empty.exit_code == 2 and "--estate" in _one_error(empty)
    estate = tmp_path / "twice.yaml"
    estate.write_text(demo_source().text.replace("name: demo", "name: demo\nname: prod", 1), encoding="utf-8")
    twice = mcctl("--sim", "--estate", str(estate), "stamps", "list")
    assert twice.exit_code == 2 and "duplicate key 'name'" in twice.stderr
    assert "SIMULATED" not in twice.stderr


def test_a_path_with_rich_markup_is_printed_literally_in_errors(mcctl, tmp_path) -> None:
    folder = tmp_path / "ops[/]team[bold]"
    result = mcctl("--estate", str(folder / "missing.yaml"), "stamps", "list")
    assert result.exit_code == 2
    assert str(folder / "missing.yaml") in _one_error(result)


def test_a_path_with_rich_markup_is_printed_literally_in_notes(mcctl, tmp_path) -> None:
    folder = tmp_path / "ops[/]team[bold]"
    folder.mkdir(parents=True)
    estate = folder / "estate.yaml"
    estate.write_text(demo_source().text, encoding="utf-8")
    result = mcctl("--sim", "--estate", str(estate), "journal", "list")
    assert result.exit_code == 0, result.stderr
    assert str(estate) in result.stderr


def test_a_reader_that_goes_away_is_exit_141_not_an_internal_error() -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "mcctl", "--sim", "-o", "json", "stamps", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `| head -0`
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "internal error" not in stderr and "Traceback" not in stderr and "Exception ignored" not in stderr


# -- typer internals stay in one module -------------------------------------------------------------
def test_only_typer_compat_imports_private_typer_modules() -> None:
    offenders = []
    for path in MCCTL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith(("typer._", "typer.core", "click")):
                    offenders.append(f"{path.relative_to(MCCTL)}: {name}")
    assert offenders and all(o.startswith("cli/typer_compat.py") for o in offenders), offenders
