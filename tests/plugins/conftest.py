"""Third-party plugins as an installer leaves them: a dist-info with `mcctl` entry points on sys.path."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mcctl.plugins import forget

GOOD = """
from mcctl.hookspecs import hookimpl
from mcctl.ops.registry import StepKind


@hookimpl
def register_step_kinds(register):
    register(StepKind("noop", lambda *args: None, lambda *args: {}))


@hookimpl
def register_commands(register):
    import typer

    app = typer.Typer(no_args_is_help=True, help="A third-party group.")

    @app.command("hello")
    def hello() -> None:
        print("hello from a plugin")

    register("fake", app)
"""

RAISING = """
from mcctl.hookspecs import hookimpl
from mcctl.ops.registry import StepKind


@hookimpl
def register_step_kinds(register):
    register(StepKind("half_registered", lambda *args: None, lambda *args: {}))
    raise RuntimeError("cannot reach the license server")
"""


@pytest.fixture
def install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Path]]:
    """install(dist, version, {entry point: module}, {module: source}) -> the site dir (on sys.path)."""
    site = tmp_path / "site"
    site.mkdir()
    modules: list[str] = []
    names: list[str] = []

    def _install(dist: str, version: str, entry_points: dict[str, str], sources: dict[str, str]) -> Path:
        info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
        lines = "".join(f"{name} = {module}\n" for name, module in entry_points.items())
        # Only what the test installs: the first-party plugins `make setup` installs stay out of
        # its lists (a test that sets or unsets MCCTL_PLUGINS afterwards decides for itself).
        names.extend(entry_points)
        monkeypatch.setenv("MCCTL_PLUGINS", ",".join(names))
        (info / "entry_points.txt").write_text(f"[mcctl]\n{lines}", encoding="utf-8")
        for module, source in sources.items():
            (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            modules.append(module)
        return site

    monkeypatch.syspath_prepend(str(site))
    forget()
    yield _install
    forget()  # the next test's process registry must not hold these plugins
    for module in modules:
        sys.modules.pop(module, None)
