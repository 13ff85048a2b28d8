"""A plugin's command gets an Examples section too (made from its path when it brings none)."""

from __future__ import annotations

from typer.testing import CliRunner

from mcctl.cli.main import create_app
from tests.plugins.conftest import GOOD


def test_a_plugin_command_help_has_examples(install) -> None:
    install("mcctl-fake", "1.2.3", {"fake": "fake_mcctl_plugin"}, {"fake_mcctl_plugin": GOOD})
    runner = CliRunner()
    group = runner.invoke(create_app(), ["fake", "--help"])
    assert group.exit_code == 0 and "Examples:" in group.stdout and "mcctl fake hello" in group.stdout
    leaf = runner.invoke(create_app(), ["fake", "hello", "--help"])
    assert leaf.exit_code == 0 and "Examples:" in leaf.stdout
