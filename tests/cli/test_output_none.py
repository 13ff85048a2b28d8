"""`-o none`: nothing on stdout, the exit code is the answer (issue 15, item 5)."""

from __future__ import annotations

import json


def test_a_read_prints_nothing_and_keeps_its_exit_code(mcctl) -> None:
    assert mcctl("--sim", "-o", "json", "stamps", "list").stdout.strip()  # there is something to hide
    result = mcctl("--sim", "-o", "none", "stamps", "list")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""


def test_a_check_answers_with_the_exit_code_only(mcctl) -> None:
    assert mcctl("--sim", "sim", "outage", "start", "westeurope").exit_code == 0
    result = mcctl("--sim", "health", "--check", "-o", "none")
    assert result.exit_code in (10, 11), result.stderr
    assert result.stdout == ""


def test_a_change_with_o_none_applies_and_prints_nothing(mcctl) -> None:
    result = mcctl("--sim", "-o", "none", "--yes", "scale", "weu-1", "--instances", "4")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    stamps = json.loads(mcctl("--sim", "-o", "json", "stamps", "list").stdout)
    stamps = stamps if isinstance(stamps, list) else stamps.get("stamps", stamps)
    assert any(s.get("name") == "weu-1" and s.get("instances") == 4 for s in stamps), stamps


def test_none_is_accepted_on_the_command_and_a_bad_format_still_refused(mcctl) -> None:
    assert mcctl("--sim", "stamps", "list", "-o", "none").stdout == ""
    bad = mcctl("--sim", "stamps", "list", "-o", "nothing")
    assert bad.exit_code == 2 and "none" in bad.stderr
