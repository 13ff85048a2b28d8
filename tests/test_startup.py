"""`mcctl --help` stays fast: a fresh interpreter running it imports no azure module."""

from __future__ import annotations

import subprocess
import sys


def test_help_imports_no_azure_module() -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mcctl", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "stamps" in result.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line]
    assert imported, "importtime printed nothing"
    assert [m for m in imported if m == "azure" or m.startswith("azure.")] == []


def test_console_script_entry_point_is_declared() -> None:
    from importlib.metadata import entry_points

    scripts = {ep.name: ep.value for ep in entry_points(group="console_scripts")}
    assert scripts.get("mcctl") == "mcctl.cli.main:main"
