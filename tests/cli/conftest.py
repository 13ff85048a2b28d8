"""Run the real Typer app in process, on the persisted simulator under a temporary state dir."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from typer.testing import CliRunner, Result

from mcctl.cli.main import create_app


@pytest.fixture
def mcctl() -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(create_app(), list(args), input=input)

    return run
