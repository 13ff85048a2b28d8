"""Discoverability (issue 15, item 5): every command's `--help` ends with Examples, flags are shown as
flags, durations the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from mcctl.cli import examples
from mcctl.cli.main import create_app
from mcctl.plugins import forget


def _paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in (getattr(command, "commands", None) or {}).items():
        yield from _paths(sub, (*path, name))


PATHS = list(_paths(typer.main.get_command(create_app())))


def test_the_walk_sees_every_command() -> None:
    assert len(PATHS) > 40 and ("sql", "failover") in PATHS and ("sim", "fault", "add") in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "mcctl")
def test_every_help_has_examples_of_that_command(mcctl, path) -> None:
    result = mcctl(*path, "--help")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Examples:" in text
    after = text.split("Examples:", 1)[1]
    lines = [line.strip(" │") for line in after.splitlines() if line.strip(" │")]
    assert lines and all(line.startswith("mcctl") for line in lines), lines
    assert any(" ".join(("mcctl", *path)) in line.replace("--sim ", "") for line in lines), lines


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "mcctl")
def test_flags_are_shown_as_flags_and_defaults_without_parentheses(mcctl, path) -> None:
    text = mcctl(*path, "--help").stdout
    assert "<bool>" not in text
    assert "[default: (" not in text  # typer's way for a text default: mcctl shows `[default: 10m]`


def test_durations_show_their_default_as_typed(mcctl) -> None:
    text = " ".join(mcctl("sql", "failover", "--help").stdout.split())
    assert "--timeout DURATION" in text and "[default: 10m]" in text
    text = " ".join(mcctl("wait", "sql", "--help").stdout.split())
    assert "[default: 10s]" in text


def test_every_example_names_a_command_that_exists(monkeypatch) -> None:
    known = {" ".join(("mcctl", *p)) for p in PATHS}
    assert set(examples.EXAMPLES) <= known
    monkeypatch.setenv("MCCTL_PLUGINS", "")  # the built-in commands only: installed plugins bring their own
    forget()
    try:
        builtin = {" ".join(("mcctl", *p)) for p in _paths(typer.main.get_command(create_app()))}
    finally:
        forget()
    assert builtin <= set(examples.EXAMPLES)  # a new built-in command needs its examples here
