"""SIGTERM and SIGHUP handled like Ctrl-C, and a way to hold signals while an outcome is reported.

`install()` makes SIGTERM and SIGHUP raise `Terminated` (a KeyboardInterrupt) in the main thread, so
the paths that handle Ctrl-C — journal the step and the operation as interrupted, release the operator
lease — handle a supervisor's stop or a closed terminal the same way, instead of the process dying
with the lease held and no end record. The CLI exits 128 + the signal (143, 129).

`deferred()` holds SIGINT, SIGTERM and SIGHUP for a block and re-delivers them when it ends: work that
already succeeded still gets its outcome printed before the interruption takes effect.

Handlers can only be set from the main thread; elsewhere both are no-ops (Python delivers signals
to the main thread only).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from mcctl.errors import Terminated

TERMINATING = (signal.SIGTERM, signal.SIGHUP)
DEFERRABLE = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_raised: list[int] = []  # signals turned into Terminated in this process (read by the CLI's exit path)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _terminate(signum: int, frame: FrameType | None) -> None:
    _raised.append(signum)
    raise Terminated(signum)


def install() -> bool:
    """Make SIGTERM and SIGHUP raise Terminated. Returns False (and changes nothing) off the main thread."""
    if not _main_thread():
        return False
    _raised.clear()
    for signum in TERMINATING:
        signal.signal(signum, _terminate)
    return True


def last_raised() -> int | None:
    """The last signal turned into Terminated since install() or forget(), if any."""
    return _raised[-1] if _raised else None


def forget() -> None:
    """Start a run with no termination on record (in-process runs share this module)."""
    _raised.clear()


@contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP during the block; on a normal exit re-deliver what arrived (the
    previous handlers run: KeyboardInterrupt or Terminated is raised from the `with` statement).

    If the block raises, its own exception wins and held signals are dropped: the process is already
    stopping, and the error's exit code (e.g. 7, partially applied) must not be replaced by 130.
    Nested blocks hand held signals to the enclosing one.
    """
    if not _main_thread():
        yield
        return
    held: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        held.append(signum)

    previous = {signum: signal.getsignal(signum) for signum in DEFERRABLE}
    for signum in DEFERRABLE:
        signal.signal(signum, hold)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
    for number in dict.fromkeys(held):
        signal.raise_signal(number)  # runs the restored handler now, in this thread
