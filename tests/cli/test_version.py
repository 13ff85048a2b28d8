"""`mcctl --version`: one line, exit 0, no estate needed."""

from __future__ import annotations

import re

from mcctl import __version__


def test_version_prints_the_version_and_exits_0(mcctl, monkeypatch) -> None:
    monkeypatch.setenv("MCCTL_ESTATE", "/nonexistent/estate.yaml")  # never read
    result = mcctl("--version")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"mcctl {__version__}\n"
    assert re.fullmatch(r"mcctl \d+\.\d+\.\d+\n", result.stdout)
    assert result.stderr == ""
