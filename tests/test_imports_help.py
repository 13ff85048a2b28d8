"""Start-up (issue 17): `--help` loads no azure module, no pydantic and none of the Rich help mcctl never
renders (markdown, tracebacks); `--version` loads no typer; the root's commands are built on first use
and a listing of them reads the same as the built commands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.models import DefaultPlaceholder
from typer.testing import CliRunner

from mcctl.cli.lazy import Pending
from mcctl.cli.main import create_app
from mcctl.plugins import COMMAND_PLUGINS, build_registry, commands

# Runs mcctl's entry point once per command line (each line: JSON argv) in ONE fresh interpreter, then
# prints the modules loaded: a module any of the runs needed is in the list.
PROBE = """
import json, sys
from mcctl.cli.main import main
codes = []
for line in sys.stdin.read().splitlines():
    sys.argv = ["mcctl", *json.loads(line)]
    try:
        main()
    except SystemExit as exc:
        codes.append(exc.code or 0)
sys.stderr.write("CODES " + json.dumps(codes) + "\\nMODULES " + " ".join(sorted(sys.modules)) + "\\n")
"""

HEAVY = ("azure", "pydantic", "msal", "rich.markdown", "rich.traceback", "markdown_it", "pygments")


def probe(tmp_path: Path, *argvs: list[str]) -> tuple[list[int], set[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MCCTL_", "_MCCTL", "COMP_"))}
    env.update(MCCTL_STATE_DIR=str(tmp_path / "state"), MCCTL_CONFIG_DIR=str(tmp_path / "config"), MCCTL_PLUGINS="")
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        input="\n".join(json.dumps(a) for a in argvs),
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    lines = dict(line.split(" ", 1) for line in done.stderr.splitlines() if line.startswith(("CODES ", "MODULES ")))
    assert "MODULES" in lines, done.stderr[-2000:]
    return json.loads(lines["CODES"]), set(lines["MODULES"].split()), done.stdout


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY))


def test_root_help_loads_no_azure_pydantic_or_unused_rich_help(tmp_path: Path) -> None:
    codes, modules, out = probe(tmp_path, ["--help"])
    assert codes == [0] and "Commands" in out and "stamps" in out
    assert heavy(modules) == []
    assert "typer.rich_utils" in modules  # the help is Rich's, as before: only its unused parts are left out
    # no group was built for the listing: no command module of mcctl's engine either
    assert not {"mcctl.ops.mutation", "mcctl.sim.plugin", "mcctl.config.schema"} & modules


def test_every_group_help_loads_no_azure_pydantic_or_unused_rich_help(tmp_path: Path) -> None:
    builtin = build_registry(COMMAND_PLUGINS, entry_points=False, hooks=("register_commands",)).registry
    groups = [name for name, c in builtin.commands.items() if c.group]  # (the probe loads no installed plugin)
    assert {"stamps", "frontdoor", "sql", "sim"} <= set(groups)
    codes, modules, out = probe(tmp_path, *([g, "--help"] for g in groups), ["sql", "failover", "--help"])
    assert codes == [0] * (len(groups) + 1)
    assert out.count("Usage: mcctl") == len(groups) + 1 and "--timeout" in out
    assert heavy(modules) == []


def test_version_loads_no_typer_and_prints_what_the_app_prints(tmp_path: Path) -> None:
    codes, modules, out = probe(tmp_path, ["--version"])
    assert codes == [0]
    assert not {m for m in modules if m.split(".")[0] in ("typer", "rich", "pluggy", "yaml")}
    # the app's own eager --version (any other command line gets there) says the same
    slow = CliRunner().invoke(create_app(), ["--sim", "--version"])
    assert slow.exit_code == 0 and slow.stdout == out


def _built(app: typer.Typer) -> Any:
    return typer.main.get_command(app)


def test_a_listing_builds_no_command_and_a_run_builds_only_its_own() -> None:
    root = _built(create_app())
    listing = root.commands
    assert listing.built() == [] and all(isinstance(listing.peek(n), Pending) for n in listing)

    runner = CliRunner()
    built: list[str] = []
    app = create_app()
    cls = app.info.cls

    class Watching(cls):  # type: ignore[misc, valid-type]
        def _build(self, name: str) -> Any:
            built.append(name)
            return super()._build(name)

    app.info.cls = Watching
    assert runner.invoke(app, ["--help"]).exit_code == 0 and built == []
    assert runner.invoke(app, ["sql", "failover", "--help"]).exit_code == 0 and built == ["sql"]


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, DefaultPlaceholder) else value  # (typer's "not set")


def test_the_listing_reads_what_the_built_commands_say() -> None:
    """A stand-in's help, hidden, deprecated and panel are the built command's (plugins' groups too)."""
    root = _built(create_app())
    for name in list(root.commands):
        stand_in = root.commands.peek(name)
        assert isinstance(stand_in, Pending), name
        real = root.commands[name]
        for field in ("name", "short_help", "hidden", "deprecated", "rich_help_panel"):
            assert _plain(getattr(stand_in, field)) == _plain(getattr(real, field)), (name, field)
        # the built command has its Examples appended to the epilog, never to the help a listing shows
        assert stand_in.help == real.help, name


def test_every_registered_command_is_built_in_registration_order() -> None:
    root = _built(create_app())
    assert list(root.commands) == list(commands().commands)
    assert all(not isinstance(c, Pending) for c in root.commands.values())  # `.values()` builds them


@pytest.mark.parametrize("text", ["weu-1", "  spaced  ", "ünïcode", "", "10m", "--not-an-option"])
def test_text_values_are_kept_as_typers_own_conversion_keeps_them(text: str) -> None:
    """`_AsGiven` (no pydantic) returns what typer's pydantic converter returns for a text option."""
    from typer._coercion import build_runtime_param

    root = _built(create_app())
    ctx = root.make_context("mcctl", ["--sim"], resilient_parsing=True)
    for param in root.params:
        if param.type_descriptor.annotation in (str, str | None):
            lean = param.get_runtime_param()
            assert type(lean).__name__ == "_AsGiven"
            full = build_runtime_param(param.type_descriptor)
            assert lean.coerce(text, param=param, ctx=ctx) == full.coerce(text, param=param, ctx=ctx) == text


def test_a_value_that_is_not_text_still_gets_typers_checks() -> None:
    result = CliRunner().invoke(create_app(), ["--sim", "scale", "weu-1", "--instances", "many"])
    assert result.exit_code == 2 and "--instances" in result.stderr and "integer" in result.stderr
