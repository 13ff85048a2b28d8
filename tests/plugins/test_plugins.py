"""Plugins load through the hooks: a test plugin's step kind runs in a mutation, installed plugins are
listed, a broken one is skipped with one warning, MCCTL_PLUGINS filters, `--help` stays lean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from mcctl.cli.main import create_app
from mcctl.domain.plan import Plan, Step
from mcctl.hookspecs import hookimpl
from mcctl.ops import mutation
from mcctl.ops.inventory import read_inventory
from mcctl.ops.journal import Journal
from mcctl.ops.registry import StepKind
from mcctl.plugins import DEFAULT_PLUGINS, build_registry
from tests.plugins.conftest import GOOD, RAISING

BUILTIN = list(DEFAULT_PLUGINS)


class MarkerPlugin:
    """Adds the step kind `set_marker`: a value the plugin holds, so the test sees what apply did."""

    def __init__(self) -> None:
        self.marker = "old"
        self.applied: list[str] = []

    @hookimpl
    def register_step_kinds(self, register: Any) -> None:
        register(StepKind("set_marker", self._apply, self._read))

    def _apply(self, session: Any, estate: Any, step: Step, options: Any) -> None:
        self.applied.append(step.after["marker"])
        self.marker = step.after["marker"]

    def _read(self, session: Any, estate: Any, step: Step) -> dict[str, Any]:
        return {"marker": self.marker}


def test_a_step_kind_registered_by_a_plugin_is_applied_by_a_mutation(session, sim, demo_estate, tmp_path) -> None:
    plugin = MarkerPlugin()
    registry = build_registry(extra=[plugin], entry_points=False).registry
    step = Step("set_marker", "the marker", "/marker", {"marker": "old"}, {"marker": "new"})
    plan = Plan("mark", "set the marker", (step,))
    ctx = mutation.ApplyContext(
        session=session,
        estate=demo_estate,
        journal=Journal(tmp_path / "j.jsonl"),
        lease=None,
        command="test",
        registry=registry,
    )
    before = read_inventory(session, demo_estate).snapshot()
    evaluation = mutation.evaluate(plan, before, demo_estate.safety, kinds=registry)

    result = mutation.apply(ctx, evaluation, "mark")

    assert plugin.applied == ["new"] and plugin.marker == "new"
    assert result.status == "succeeded"
    assert ctx.journal.operations()[-1].outcomes[0]["status"] == "succeeded"


def test_the_process_registry_does_not_see_a_test_registry_s_kinds(registry) -> None:
    registry.add_step_kind(StepKind("only_here", lambda *a: None, lambda *a: {}))
    fresh = build_registry(entry_points=False).registry
    assert "only_here" in registry.step_kinds and "only_here" not in fresh.step_kinds
    assert {"scale_plan", "set_origin", "sql_failover", "redis_unlink", "redis_relink"} <= set(fresh.step_kinds)


def test_a_step_kind_name_taken_twice_skips_the_second_plugin(capsys) -> None:
    class Shadow:
        @hookimpl
        def register_step_kinds(self, register: Any) -> None:
            register(StepKind("scale_plan", lambda *a: None, lambda *a: {}))

    loaded = build_registry(extra=[Shadow()], entry_points=False)
    assert loaded.registry.step_kinds["scale_plan"].project is not None  # still the built-in one
    assert [p.name for p in loaded.plugins] == BUILTIN
    assert capsys.readouterr().err == (
        "mcctl: warning: plugin 'Shadow' skipped: failed to register: ValueError: "
        "step kind 'scale_plan' is already registered\n"
    )


def test_an_installed_plugin_is_listed_with_its_version_and_what_it_registered(install) -> None:
    install("mcctl-fake", "1.2.3", {"fake": "fake_mcctl_plugin"}, {"fake_mcctl_plugin": GOOD})

    result = CliRunner().invoke(create_app(), ["plugins", "list", "-o", "json"])

    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [p["name"] for p in listed] == [*BUILTIN, "fake"]
    assert listed[-1] == {
        "name": "fake",
        "version": "1.2.3",
        "builtin": False,
        "registered": {"step_kinds": ["noop"], "commands": ["fake"]},
    }
    core = ["min_serving_regions", "min_serving_stamps", "min_serving_capacity", "sql_failover_target_serving"]
    assert listed[0]["registered"] == {
        "step_kinds": ["scale_plan", "set_origin"],
        "safety_rules": [*core, "data_loss_acknowledged", "survivors_can_carry"],
    }
    hello = CliRunner().invoke(create_app(), ["fake", "hello"])
    assert hello.exit_code == 0 and hello.stdout == "hello from a plugin\n"


def test_plugins_list_as_a_table_names_every_plugin(install) -> None:
    install("mcctl-fake", "1.2.3", {"fake": "fake_mcctl_plugin"}, {"fake_mcctl_plugin": GOOD})
    result = CliRunner().invoke(create_app(), ["plugins", "list"])
    assert result.exit_code == 0
    assert "fake" in result.stdout and "1.2.3" in result.stdout and "mcctl.ops.sqlfailover" in result.stdout


def test_broken_plugins_warn_once_each_and_are_skipped(install, capsys) -> None:
    install(
        "mcctl-broken",
        "0.1",
        {"missing": "no_such_module_for_mcctl", "raising": "raising_mcctl_plugin", "fake": "fake_mcctl_plugin"},
        {"raising_mcctl_plugin": RAISING, "fake_mcctl_plugin": GOOD},
    )

    loaded = build_registry()

    assert [p.name for p in loaded.plugins] == [*BUILTIN, "fake"]
    assert "half_registered" not in loaded.registry.step_kinds  # all or nothing
    assert "noop" in loaded.registry.step_kinds
    assert loaded.manager.get_plugin("raising") is None
    warnings = capsys.readouterr().err.splitlines()
    assert warnings == [
        "mcctl: warning: plugin 'missing' skipped: failed to import: ModuleNotFoundError: "
        "No module named 'no_such_module_for_mcctl'",
        "mcctl: warning: plugin 'raising' skipped: failed to register: RuntimeError: cannot reach the license server",
    ]


def test_a_broken_plugin_does_not_stop_the_cli(install, capsys) -> None:
    install("mcctl-broken", "0.1", {"raising": "raising_mcctl_plugin"}, {"raising_mcctl_plugin": RAISING})
    app = create_app()  # the plugins load (once per process) as the commands are mounted
    result = CliRunner().invoke(app, ["plugins", "list", "-o", "json"])
    again = CliRunner().invoke(create_app(), ["plugins", "list", "-o", "json"])
    assert result.exit_code == 0 and again.exit_code == 0
    assert [p["name"] for p in json.loads(result.stdout)] == BUILTIN
    warned = capsys.readouterr().err + result.stderr + again.stderr
    assert warned.count("mcctl: warning: plugin 'raising' skipped") == 1


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ("", []),
        ("fake", ["fake"]),
        ("mcctl-other", ["other"]),  # a distribution name selects its entry points
        (" fake , other ", ["fake", "other"]),
    ],
)
def test_mcctl_plugins_selects_the_third_party_plugins(install, monkeypatch, env, expected) -> None:
    install("mcctl-fake", "1.0", {"fake": "fake_mcctl_plugin"}, {"fake_mcctl_plugin": GOOD})
    other = GOOD.replace('"noop"', '"noop2"').replace('"fake"', '"other"')
    install("mcctl-other", "2.0", {"other": "other_mcctl_plugin"}, {"other_mcctl_plugin": other})
    monkeypatch.setenv("MCCTL_PLUGINS", env)

    loaded = build_registry()

    assert [p.name for p in loaded.plugins] == [*BUILTIN, *expected]


def test_mcctl_plugins_unset_loads_every_installed_plugin(install, monkeypatch) -> None:
    install("mcctl-fake", "1.0", {"fake": "fake_mcctl_plugin"}, {"fake_mcctl_plugin": GOOD})
    monkeypatch.delenv("MCCTL_PLUGINS", raising=False)
    assert "fake" in [p.name for p in build_registry().plugins]


def test_help_with_a_third_party_plugin_imports_no_azure_module(install) -> None:
    site = install("mcctl-fake", "1.2.3", {"fake": "fake_mcctl_plugin"}, {"fake_mcctl_plugin": GOOD})
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(root)])}
    env.pop("MCCTL_PLUGINS", None)

    # sys.modules at exit, not -X importtime: importlib.import_module (how plugins load) is not traced.
    script = (
        "import atexit, runpy, sys\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sorted(sys.modules)) + '\\n'))\n"
        "sys.argv = ['mcctl', '--help']\n"
        "runpy.run_module('mcctl', run_name='__main__', alter_sys=True)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env)

    assert result.returncode == 0, result.stderr[-2000:]
    assert "fake" in result.stdout and "A third-party group." in result.stdout
    [line] = [line for line in result.stderr.splitlines() if line.startswith("MODULES ")]
    modules = line.split()[1:]
    assert {"fake_mcctl_plugin", "pluggy"} <= set(modules)
    assert [m for m in modules if m == "azure" or m.startswith("azure.")] == []
    # `--help` builds the CLI from the command-registering plugins only: no engine, no simulator
    assert not {"mcctl.ops.sqlfailover", "mcctl.ops.mutation", "mcctl.sim.plugin"} & set(modules)


def test_a_step_kind_knows_its_inverse_or_why_it_has_none(registry) -> None:
    scale = Step("scale_plan", "t", "/p", {"capacity": 3}, {"capacity": 5}, params={"stamp": "weu-1"})
    assert registry.executor(scale).inverse(scale) == scale.inverse()
    unlink = Step("redis_unlink", "t", "/r", {"link": "linked"}, {"link": "unlinked"}, params={"region": "eastus2"})
    with pytest.raises(ValueError, match=r"cannot be undone.*mcctl redis relink eastus2"):
        registry.executor(unlink).inverse(unlink)


def test_a_hook_with_the_wrong_signature_is_skipped_with_one_warning(capsys) -> None:
    class Wrong:
        @hookimpl
        def register_step_kinds(self, add: Any) -> None:  # the spec's argument is `register`
            add(StepKind("wrong", lambda *a: None, lambda *a: {}))

    loaded = build_registry(extra=[Wrong()], entry_points=False)

    assert "wrong" not in loaded.registry.step_kinds and [p.name for p in loaded.plugins] == BUILTIN
    [warning] = capsys.readouterr().err.splitlines()
    assert warning.startswith("mcctl: warning: plugin 'Wrong' skipped: failed to load: PluginValidationError")


HALF_BROKEN = """
import typer

from mcctl.hookspecs import hookimpl

app = typer.Typer()


@app.command()
def hi():
    print("should never run")


@hookimpl
def register_commands(register):
    register("half", app)


@hookimpl
def register_step_kinds(register):
    raise RuntimeError("cannot reach the license server")
"""


def test_a_plugin_that_fails_to_register_anything_adds_no_command(install, capsys) -> None:
    """All or nothing holds for commands too, although `--help` builds the CLI from commands only."""
    install("mcctl-half", "0.1", {"half": "half_mcctl_plugin"}, {"half_mcctl_plugin": HALF_BROKEN})
    result = CliRunner().invoke(create_app(), ["half", "hi"])
    assert result.exit_code == 2 and "should never run" not in result.stdout
    assert "plugin 'half' skipped: failed to register: RuntimeError" in capsys.readouterr().err + result.stderr
