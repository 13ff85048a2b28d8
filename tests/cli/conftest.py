"""Run the real Typer app in process, on the persisted simulator under a temporary state dir."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

import pytest
import typer
from typer.testing import CliRunner, Result

from mcctl.cli.main import create_app
from mcctl.ops.registry import Registry
from mcctl.plugins import commands

# Each command group as typer built it, per registry of commands: a test runs the CLI dozens of
# times, and building a group's click command (reading every signature) is most of a short run.
# Keyed by the registry object: a test that loads other plugins (`mcctl.plugins.forget()`) gets a
# new registry, so new commands. The built commands hold no state of a run (that is in the context).
_BUILT: WeakKeyDictionary[Registry, dict[str, Any]] = WeakKeyDictionary()


def cached_app() -> typer.Typer:
    """`create_app()`, whose root group reuses the groups built for the same registry."""
    app = create_app()
    built = _BUILT.setdefault(commands(), {})
    root = app.info.cls

    class Cached(root):  # type: ignore[misc, valid-type]
        def _build(self, name: str) -> Any:
            if name not in built:
                built[name] = super()._build(name)
            return built[name]

    app.info.cls = Cached
    return app


@pytest.fixture
def mcctl() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(cached_app(), list(args), input=input)

    return run
