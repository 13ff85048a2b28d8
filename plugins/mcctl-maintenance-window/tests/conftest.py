"""The plugin's tests: isolated state dirs, the real CLI in process, estate files with a section.

The plugin is installed (`pip install -e plugins/mcctl-maintenance-window`): the CLI finds it through
its entry point, as an operator's mcctl does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mcctl.config.loader import demo_source
from mcctl.plugins import forget
from tests.cli.conftest import mcctl  # noqa: F401  (the project's CLI runner fixture)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads or writes the real user dirs; each one loads the plugins afresh."""
    monkeypatch.setenv("MCCTL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MCCTL_CONFIG_DIR", str(tmp_path / "config"))
    for var in ("MCCTL_ESTATE", "MCCTL_SIM", "MCCTL_ACCESS_TOKEN", "MCCTL_OUTPUT", "MCCTL_PLUGINS"):
        monkeypatch.delenv(var, raising=False)
    forget()
    yield
    forget()  # the next test's process registry must not keep what this one loaded


@pytest.fixture
def estate_file(tmp_path: Path) -> Callable[[str], Path]:
    """estate_file(section YAML) -> the demo estate with `plugins: {maintenance-window: <section>}`."""

    def write(section: str) -> Path:
        path = tmp_path / "estate.yaml"
        body = "".join(f"    {line}\n" for line in section.strip("\n").splitlines())
        path.write_text(f"{demo_source().text}\nplugins:\n  maintenance-window:\n{body}", encoding="utf-8")
        return path

    return write
