"""Shell completion (issue 18, item 4): the scripts in completions/ are what `mcctl completion generate`
prints; stamps, regions and operation ids complete from the estate file and the journal only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.completion import shell_completion

from mcctl.cli import completion
from mcctl.cli.main import create_app
from mcctl.config.loader import demo_source

ROOT = Path(__file__).resolve().parents[2]
DEMO_STAMPS = ["weu-1", "weu-2", "neu-1", "neu-2", "eus2-1", "eus2-2"]
DEMO_REGIONS = ["westeurope", "northeurope", "eastus2"]


def complete(*words: str, incomplete: str = "") -> list[str]:
    """What a TAB after `mcctl WORDS INCOMPLETE` offers, in process (the bash protocol's answer)."""
    completion.install_shell_classes()
    cls: Any = shell_completion.get_completion_class("bash")
    cli = typer.main.get_command(create_app())
    return [
        item.value for item in cls(cli, {}, "mcctl", completion.COMPLETE_VAR).get_completions(list(words), incomplete)
    ]


# -- the scripts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("shell", list(completion.Shell))
def test_the_committed_script_is_what_generate_prints(mcctl, shell) -> None:
    result = mcctl("completion", "generate", "--shell", shell.value)

    assert result.exit_code == 0, result.output
    committed = ROOT / "completions" / completion.SCRIPT_FILES[shell]
    assert committed.is_file(), f"{committed} is missing: run `make completions`"
    assert committed.read_text(encoding="utf-8") == result.stdout, f"{committed} is stale: run `make completions`"
    assert "_MCCTL_COMPLETE=complete_" in result.stdout or "_MCCTL_COMPLETE = " in result.stdout


def test_completions_holds_the_four_scripts_and_nothing_stale() -> None:
    files = {p.name for p in (ROOT / "completions").iterdir()}
    assert files == {"README.md", *completion.SCRIPT_FILES.values()}


def test_an_unknown_shell_is_a_usage_error_naming_the_option(mcctl) -> None:
    result = mcctl("completion", "generate", "--shell", "tcsh")

    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("mcctl: error:")]
    assert len(errors) == 1 and "'--shell'" in errors[0] and "tcsh" in errors[0], result.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_the_bash_script_completes_stamps_in_bash(tmp_path) -> None:
    bin_dir = str(Path(shutil.which("mcctl") or ROOT / ".venv/bin/mcctl").parent)
    script = (
        f"source {ROOT / 'completions' / 'mcctl.bash'}; "
        "COMP_WORDS=(mcctl --sim frontdoor drain --stamp w); COMP_CWORD=5; _mcctl_completion mcctl; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "MCCTL_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path)}

    done = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True, env=env, timeout=60)

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["weu-1", "weu-2"]
    assert done.stderr == ""


# -- what completes --------------------------------------------------------------------------------


def test_stamp_names_complete_for_arguments_and_options() -> None:
    assert complete("--sim", "stamps", "show") == DEMO_STAMPS
    assert complete("--sim", "scale", incomplete="neu") == ["neu-1", "neu-2"]
    assert complete("--sim", "frontdoor", "drain", "--stamp", incomplete="e") == ["eus2-1", "eus2-2"]
    assert complete("--sim", "health", "-s", incomplete="weu-2") == ["weu-2"]
    assert complete("--sim", "stamps", "show", incomplete="zz") == []


def test_region_names_complete_for_arguments_and_options() -> None:
    assert complete("--sim", "frontdoor", "drain") == DEMO_REGIONS
    assert complete("--sim", "evacuate", incomplete="north") == ["northeurope"]
    assert complete("--sim", "stamps", "list", "--region") == DEMO_REGIONS  # declared in cli/options.py
    assert complete("--sim", "sql", "failover", "--to", incomplete="e") == ["eastus2"]
    assert complete("--sim", "wait", "sql", "--primary", incomplete="w") == ["westeurope"]
    assert complete("--sim", "redis", "relink", "westeurope", "--with") == DEMO_REGIONS
    assert complete("--sim", "sim", "outage", "start", incomplete="east") == ["eastus2"]


def test_other_values_complete_too() -> None:
    assert complete("--sim", "sim", "dependency", "down") == ["sql"]
    assert complete("--sim", "stamps", "list", "-o", incomplete="y") == ["yaml"]
    assert complete("-o", incomplete="t") == ["table", "tsv"]


def test_operation_ids_complete_from_the_journal_newest_first(mcctl, tmp_path) -> None:
    assert complete("--sim", "resume") == []  # an empty journal: nothing, not an error
    for args in (("scale", "weu-1", "--instances", "4"), ("scale", "neu-1", "--instances", "4")):
        assert mcctl("--sim", "--yes", *args).exit_code == 0
    journaled = [op["id"] for op in json.loads(mcctl("--sim", "journal", "list", "-o", "json").stdout)]
    assert len(journaled) == 2

    assert complete("--sim", "resume") == [journaled[1], journaled[0], "latest"]
    assert complete("--sim", "rollback", incomplete=journaled[0]) == [journaled[0]]
    assert complete("--sim", "journal", "show", incomplete="lat") == ["latest"]
    real = tmp_path / "demo.yaml"
    real.write_text(demo_source().text, encoding="utf-8")
    assert complete("--estate", str(real), "resume") == []  # not simulated: another journal, still empty


def test_operation_help_names_the_command_and_its_status(mcctl) -> None:
    assert mcctl("--sim", "--yes", "scale", "weu-1", "--instances", "4").exit_code == 0
    completion.install_shell_classes()
    cls: Any = shell_completion.get_completion_class("zsh")
    cli = typer.main.get_command(create_app())

    items = cls(cli, {}, "mcctl", completion.COMPLETE_VAR).get_completions(["--sim", "resume"], "")

    assert "scale weu-1 --instances 4" in items[0].help and "succeeded" in items[0].help


def test_the_estate_file_named_by_estate_or_mcctl_estate_is_read(tmp_path, monkeypatch) -> None:
    path = tmp_path / "prod.yaml"
    path.write_text(demo_source().text.replace("name: weu-1,", "name: prod-a,"), encoding="utf-8")

    assert complete("--estate", str(path), "stamps", "show", incomplete="p") == ["prod-a"]
    monkeypatch.setenv("MCCTL_ESTATE", str(path))
    assert complete("stamps", "show", incomplete="p") == ["prod-a"]
    monkeypatch.delenv("MCCTL_ESTATE")
    monkeypatch.chdir(tmp_path)
    shutil.copy(path, tmp_path / "mcctl.yaml")
    assert complete("stamps", "show", incomplete="p") == ["prod-a"]  # ./mcctl.yaml, as mcctl finds it


def test_no_estate_file_or_a_broken_one_completes_nothing_silently(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert complete("stamps", "show") == []
    (tmp_path / "mcctl.yaml").write_text("stamps: [unclosed\n", encoding="utf-8")
    assert complete("stamps", "show") == []
    assert complete("--estate", str(tmp_path / "missing.yaml"), "resume") == []
    monkeypatch.setenv("MCCTL_SIM", "maybe")
    assert complete("stamps", "show") == []
    assert capsys.readouterr().err == ""


def test_names_of_takes_what_is_well_formed_and_skips_the_rest() -> None:
    names = completion.names_of(
        {
            "name": "x",
            "stamps": [{"name": "a", "region": "West Europe"}, {"name": 3}, "junk", {"name": "b"}],
            "redis": {"members": {"swedencentral": "r"}},
            "regions": ["westeurope", None],
            "health": {"dependencies": {"appcfg": {"health_url": "https://h"}}},
        }
    )
    assert names.name == "x"
    assert names.stamps == {"a": "westeurope", "b": ""}
    assert names.regions == {"westeurope": ["a"], "swedencentral": []}
    assert names.dependencies == ["appcfg"]
    assert completion.names_of({"stamps": "not a list", "health": 1}) == completion.EstateNames()


def test_a_plugin_command_s_parameters_complete_by_name(monkeypatch) -> None:
    """A plugin's `--stamp`, REGION or OP completes with no code of its own."""
    app = typer.Typer()

    @app.command()
    def show(stamp: str = typer.Option(None, "--stamp"), target: str = typer.Option(None, metavar="REGION")) -> None:
        pass

    @app.command()
    def other(count: int = 1) -> None:
        pass

    cli = typer.main.get_command(app)
    completion.attach(cli)
    params = {p.name: p for p in cli.commands["show"].params}  # type: ignore[attr-defined]
    ctx: Any = None
    monkeypatch.setenv("MCCTL_SIM", "1")

    assert [i.value for i in params["stamp"].shell_complete(ctx, "weu")] == ["weu-1", "weu-2"]
    assert [i.value for i in params["target"].shell_complete(ctx, "")] == DEMO_REGIONS
    assert cli.commands["other"].params[0]._custom_shell_complete is None  # type: ignore[attr-defined]


# -- offline and lean ------------------------------------------------------------------------------

PROBE = """
import socket, sys

def refuse(*args, **kwargs):
    raise OSError("network used during completion")

socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from mcctl.cli.main import main
try:
    main()
except SystemExit as exc:
    code = exc.code
watched = ("mcctl.sim", "mcctl.adapters", "mcctl.bootstrap")
loaded = [m for m in sys.modules if m.split(".")[0] in ("azure", "pydantic") or m.startswith(watched)]
sys.stderr.write("LOADED " + " ".join(sorted(loaded)) + f"\\nCODE {code}\\n")
"""


def _probe(tmp_path: Path, words: str, cword: int, plugins: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MCCTL_", "_MCCTL", "COMP_"))}
    env.update(
        MCCTL_STATE_DIR=str(tmp_path / "state"),
        MCCTL_CONFIG_DIR=str(tmp_path / "config"),
        _MCCTL_COMPLETE="complete_bash",
        COMP_WORDS=words,
        COMP_CWORD=str(cword),
    )
    if plugins is not None:
        env["MCCTL_PLUGINS"] = plugins
    return subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60
    )


@pytest.mark.parametrize("plugins", [None, ""], ids=["installed plugins", "MCCTL_PLUGINS="])
def test_stamp_completion_needs_no_network_azure_sdk_or_simulator(tmp_path, plugins) -> None:
    done = _probe(tmp_path, "mcctl --sim stamps show ", 4, plugins)

    assert done.stdout.split() == DEMO_STAMPS, done.stderr
    assert "CODE 0" in done.stderr, done.stderr
    loaded = done.stderr.split("LOADED", 1)[1].splitlines()[0].split()
    assert not [m for m in loaded if m.split(".")[0] == "azure" or m.startswith(("mcctl.sim", "mcctl.adapters"))]
    if plugins == "":  # mcctl's own path: not even pydantic (the estate file is parsed, not validated)
        assert loaded == []
    assert not (tmp_path / "state" / "sim").exists()  # the simulator was not even opened
