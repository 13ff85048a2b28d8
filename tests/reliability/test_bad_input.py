"""The bad-input catalogue (issue 11): every case exits with its documented code, prints a one-line
error (`mcctl: error: ...`, then only indented detail lines and a `  hint:`), never a traceback or an
internal error, and leaves the simulated estate, the journal and the lease as they were.

The cases live in `bad_input_cases.py`. Each runs in process (typer's CliRunner) on a copy of a
pristine, already seeded demo simulator, so the whole catalogue takes seconds.
"""

from __future__ import annotations

import json
import shutil
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from mcctl.cli.main import create_app
from tests.reliability.bad_input_cases import CASES, Append, Case

CASE_SECONDS = 20  # a case that hangs (e.g. an unbounded loop on a huge number) fails instead
SIM_DIR = Path("state") / "sim"
JOURNAL = Path("state") / "journal" / "sim-demo.jsonl"
WATCHED = ("resources", "operations", "blob", "outages", "health", "sql", "redis", "faults")


class CaseHung(BaseException):
    """Raised by the alarm; a BaseException, so mcctl's own `except Exception` cannot swallow it."""


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state dir with the demo simulator seeded once; every case starts from a copy of it."""
    state = tmp_path_factory.mktemp("pristine") / "state"
    result = CliRunner().invoke(create_app(), ["--sim", "sim", "status"], env={"MCCTL_STATE_DIR": str(state)})
    assert result.exit_code == 0, result.output
    return state


@pytest.fixture
def hang_guard() -> Iterator[None]:
    def hung(signum: int, frame: Any) -> None:
        raise CaseHung(f"the command did not finish within {CASE_SECONDS}s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(create_app(), args, env=env)


def _expand(value: str, tmp: Path) -> str:
    return value.replace("{tmp}", str(tmp))


def _prepare(case: Case, tmp: Path) -> None:
    for name, content in case.files.items():
        _write(tmp / _expand(name, tmp), content, tmp)
    for command in case.before:
        result = _invoke([_expand(a, tmp) for a in command])
        assert result.exit_code == 0, f"setup {command}: {result.stderr}"
    for name, content in case.damage.items():
        _write(tmp / _expand(name, tmp), content, tmp)


def _write(path: Path, content: Any, tmp: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Append):
        with path.open("ab") as fh:
            fh.write(content.data)
    elif callable(content):
        content(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(_expand(content, tmp), encoding="utf-8")


def _sim_states(tmp: Path, damaged: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every simulator state file: its watched sections, or its bytes if the case damaged it (or it is
    unreadable): a damaged file may be moved aside, never destroyed."""
    states: dict[str, Any] = {}
    for path in sorted((tmp / SIM_DIR).glob("*.json")):
        raw = path.read_bytes()
        if path.name in damaged:
            states[path.name] = raw
            continue
        try:
            data = json.loads(raw)
            states[path.name] = {key: _without_counts(key, data.get(key)) for key in WATCHED}
        except (ValueError, AttributeError):
            states[path.name] = raw
    return states


def _without_counts(key: str, value: Any) -> Any:
    """A fault's remaining count drops as reads hit it; which faults are armed is what must not change."""
    if key == "faults" and isinstance(value, list):
        return [{k: v for k, v in f.items() if k != "count"} if isinstance(f, dict) else f for f in value]
    return value


def _assert_unchanged(before: dict[str, Any], tmp: Path, journal_before: bytes | None, code: int) -> None:
    after = _sim_states(tmp)
    preserved = {p.read_bytes() for p in (tmp / SIM_DIR).rglob("*") if p.is_file()}
    for name, state in before.items():
        if isinstance(state, bytes):  # a damaged file: it may be moved aside, never destroyed
            assert state in preserved, f"the damaged simulator state {name} was destroyed"
        else:
            assert after.get(name) == state, f"the simulated estate changed ({name})"
    journal = tmp / JOURNAL
    now = journal.read_bytes() if journal.is_file() else None
    if code == 0 and journal_before is not None and now is not None:  # events (a lock release) may be added
        assert now.startswith(journal_before), "the journal was rewritten"
    else:
        assert now == journal_before, "the journal changed"


def _check_stderr(case: Case, result: Result, tmp: Path) -> None:
    out, err = result.stdout, result.stderr
    for text in (out, err):
        assert "Traceback" not in text and "internal error" not in text, err
    assert "\x1b" not in err, f"raw escape sequence on stderr: {err!r}"
    lines = err.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("mcctl: error: ")]
    if case.code == 0:
        assert not errors, err
        if case.warns:
            assert any(line.startswith("mcctl: warning: ") for line in lines), err
    else:
        assert len(errors) == 1, f"expected exactly one `mcctl: error:` line:\n{err}"
        first = errors[0]
        tail = lines[first + 1 :]
        assert all(line.startswith("  ") for line in tail), f"not a one-line error:\n{err}"
        hints = [i for i, line in enumerate(tail) if line.startswith("  hint: ")]
        assert hints in ([], [len(tail) - 1]), f"the hint must be the last line:\n{err}"
        if case.says:  # the message or one of its detail lines names the field
            block = "\n".join(lines[first:]).lower()
            assert _expand(case.says, tmp).lower() in block, f"the error does not name {case.says!r}:\n{err}"
    if case.shows:
        assert _expand(case.shows, tmp) in err, f"{case.shows!r} not shown literally:\n{err}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, pristine: Path, tmp_path: Path, hang_guard: None) -> None:
    shutil.copytree(pristine, tmp_path / "state")
    _prepare(case, tmp_path)
    damaged = frozenset(Path(name).name for name in case.damage if "/state/sim/" in name)
    before = _sim_states(tmp_path, damaged)
    journal = tmp_path / JOURNAL
    journal_before = journal.read_bytes() if journal.is_file() else None

    env = {name: _expand(value, tmp_path) for name, value in case.env.items()}
    result = _invoke([_expand(a, tmp_path) for a in case.args], env=env or None)

    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == case.code, f"exit {result.exit_code}, expected {case.code}:\n{result.stderr}"
    _check_stderr(case, result, tmp_path)
    _assert_unchanged(before, tmp_path, journal_before, case.code)


def test_user_text_with_markup_is_printed_as_typed(pristine: Path, tmp_path: Path) -> None:
    """Rich markup in a reason, a command line or a query result is data: shown as typed, never a crash."""
    shutil.copytree(pristine, tmp_path / "state")
    acquired = _invoke(["--sim", "lock", "acquire", "--reason", "[/]window [bold]x"])
    assert acquired.exit_code == 0, acquired.stderr
    assert "[/]window [bold]x" in acquired.stdout
    status = _invoke(["--sim", "lock", "status"])
    assert status.exit_code == 0 and "[/]window [bold]x" in status.stdout, status.stderr
    queried = _invoke(["--sim", "--query", '{"[/]k": operation}', "lock", "status"])
    assert queried.exit_code == 0, queried.stderr
    assert "[/]k" in queried.stdout and "maintenance: [/]window [bold]x" in queried.stdout
    released = _invoke(["--sim", "lock", "release"])
    assert released.exit_code == 0, released.stderr


def test_the_catalogue_is_large_and_ids_are_unique() -> None:
    assert len(CASES) >= 120
    assert len({c.id for c in CASES}) == len(CASES)
