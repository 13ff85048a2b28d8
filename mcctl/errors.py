"""Typed errors, each carrying its documented exit code.

Only the CLI entry point turns these into a one-line message and an exit code; everything below it
raises. The table of codes is the contract runbooks rely on (README "Exit codes").
"""

from __future__ import annotations

import signal
from enum import IntEnum
from typing import Any


class ExitCode(IntEnum):
    OK = 0
    INTERNAL = 1
    USAGE = 2
    AUTH = 3
    AZURE = 4
    REFUSED = 5
    TIMEOUT = 6
    PARTIAL = 7
    LOCKED = 8
    DRILL_ROLLED_BACK = 9  # a drill step failed and the drill was rolled back cleanly
    DEGRADED = 10
    UNHEALTHY = 11
    INTERRUPTED = 130


class McctlError(Exception):
    """Base of every error a user may see. `hint` is an optional next step."""

    exit_code: ExitCode = ExitCode.INTERNAL
    # The journaled operation this error ended (its end record is written), for callers that act on
    # it (a revert, a runbook's JSON); None for errors raised outside an operation.
    operation: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(McctlError):
    """Bad arguments or input: nothing was changed."""

    exit_code = ExitCode.USAGE


class EstateFileError(UsageError):
    """The estate file is missing or invalid; `problems` holds one line per problem."""

    def __init__(self, message: str, problems: list[str] | None = None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []


class SimStateDamaged(UsageError):
    """The simulator's state file could not be used; it was moved aside (the practice state is lost)."""

    def __init__(self, path: str, problem: str, moved_to: str | None) -> None:
        where = f"; moved aside to {moved_to}" if moved_to else ""
        super().__init__(
            f"simulator state file {path} is damaged ({problem}){where}",
            hint="mcctl --sim sim reset (or run the command again: it starts from a freshly seeded estate)",
        )
        self.path = path
        self.moved_to = moved_to


class AuthError(McctlError):
    exit_code = ExitCode.AUTH


class SignInError(AuthError):
    """No token could be obtained at all: every read fails alike, so a command stops at the first
    one (one line and its hint) instead of reporting each read, or a verdict made of failed reads.
    A 403 on one resource is an `AuthError` only: the other reads still mean something."""


class AzureRequestError(McctlError):
    """An Azure (or simulated Azure) request failed after the SDK's retries."""

    exit_code = ExitCode.AZURE

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.code = code


class ArmUnreachable(AzureRequestError):
    """Azure Resource Manager could not be reached at all (no connection, DNS, an untrusted
    certificate): like a failed sign-in, every read fails alike, so a command stops at the first
    one instead of judging the estate from reads that never reached Azure."""


class ResourceMissingError(AzureRequestError):
    """A resource named in the estate file does not exist (ARM answered 404)."""


class EndpointUnreachable(AzureRequestError):
    """A public endpoint (a stamp's health endpoint, the Front Door endpoint) gave no answer:
    `timed_out` when the client gave up waiting, else it could not connect or the answer broke off.
    `kind` names the transport failure (e.g. ServiceRequestError) and `detail` is its text, so the
    callers that record probes can say what happened."""

    def __init__(self, url: str, kind: str, detail: str, *, timed_out: bool, hint: str | None = None) -> None:
        super().__init__(f"{url}: {kind}: {detail}" if detail else f"{url}: {kind}", hint=hint)
        self.url = url
        self.kind = kind
        self.detail = detail
        self.timed_out = timed_out


class SafetyRefusal(McctlError):
    exit_code = ExitCode.REFUSED

    def __init__(self, message: str, *, hint: str | None = None, results: tuple[Any, ...] = ()) -> None:
        super().__init__(message, hint=hint)
        # The refusing rules' results (`mcctl.domain.safety.RuleResult`) when the refusal was judged
        # outside an evaluation of a plan (a plan with no step to judge), for the result document.
        self.results = results


class WaitTimeout(McctlError):
    exit_code = ExitCode.TIMEOUT


class PartiallyApplied(McctlError):
    exit_code = ExitCode.PARTIAL


class LockHeld(McctlError):
    exit_code = ExitCode.LOCKED


class EstateChanged(McctlError):
    """The estate changed between planning and applying (someone else acted): nothing was changed."""

    exit_code = ExitCode.LOCKED


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised by the handler `mcctl.cli.signals` installs.

    A KeyboardInterrupt on purpose: every path that handles Ctrl-C (journal the step and the operation
    as interrupted, release the lease) handles a termination the same way. Exits 128 + the signal.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def signal_name(self) -> str:
        try:
            return signal.Signals(self.signum).name
        except ValueError:
            return f"signal {self.signum}"

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


WHOLE_RUN_FAILURES = (SignInError, ArmUnreachable)
