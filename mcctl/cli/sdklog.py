"""The Azure SDK's log during a run: silent, or (--debug) on stderr.

A module of its own: `logging` is imported for a command that runs, not for `--help`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

SDK_LOGGER = "azure"


class _StderrHandler(logging.Handler):
    """Writes to the sys.stderr of the moment (a test's captured one too), not the one at import."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(self.format(record) + "\n")


def sdk_logging(debug: bool) -> Callable[[], None]:
    """The Azure SDK's own log stays out of the terminal (azure-identity writes the whole credential
    chain at WARNING, once per client that asked): mcctl says what failed in one line with a hint.
    --debug shows it: the credential attempts, and azure-core's HttpLoggingPolicy's requests and
    responses (Authorization redacted). Returns a function that undoes it (the loggers are global;
    one run must not leak into the next)."""
    logger = logging.getLogger(SDK_LOGGER)
    saved = (logger.level, logger.propagate, list(logger.handlers))
    handler: logging.Handler
    if debug:
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.setLevel(logging.INFO)
    else:
        handler = logging.NullHandler()
        logger.setLevel(logging.CRITICAL + 1)  # not even created: no handler anywhere sees them
    logger.propagate = False
    logger.handlers = [handler]

    def undo() -> None:
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logger.handlers = saved[2]

    return undo
