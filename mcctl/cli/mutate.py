"""The CLI half of every mutation: the shared flags, the terminal's ports, and the result shown.

Commands build a Plan (ops) and hand it to the use cases in `ops.usecases` through here, so
confirmation, dry-run, break-glass overrides, the lease, the journal and progress behave the same
for every change mcctl makes.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from mcctl.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from mcctl.cli.runtime import Runtime
    from mcctl.domain.plan import Plan
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.guard import Evaluation
    from mcctl.ops.services import Services
    from mcctl.ops.usecases import RunOptions, RunResult


@dataclass
class MutationFlags:
    dry_run: bool = False
    timeout: float = 600.0
    no_wait: bool = False
    overrides: list[str] = field(default_factory=list)
    reason: str | None = None
    allow_data_loss: bool = False

    def override_reasons(self) -> dict[str, str]:
        if self.overrides and not (self.reason and self.reason.strip()):
            raise UsageError("--reason: required with --override (it is journaled with the override)")
        if self.reason and not self.overrides:
            raise UsageError("--reason: only used with --override")
        if self.timeout <= 0:
            raise UsageError("--timeout: must be greater than 0")
        return {rule: self.reason.strip() for rule in self.overrides} if self.reason else {}


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def command_line(runtime: Runtime) -> str:
    return shlex.join(["mcctl", *runtime.argv])


class TerminalConfirmation:
    """The plan on stderr, then --yes or a prompt (typing the name for data loss)."""

    def __init__(self, runtime: Runtime, flags: MutationFlags) -> None:
        self.runtime, self.flags = runtime, flags

    def show(self, evaluation: Evaluation) -> None:
        from mcctl.cli import render
        from mcctl.cli.tables import plan_table

        render.show_on_stderr(plan_table(evaluation.to_dict()))

    def approve(self, plan: Plan) -> None:
        confirm(self.runtime, plan, self.flags)


class TerminalNotices:
    def note(self, message: str) -> None:
        from mcctl.cli import render

        render.note(message)

    def warn(self, message: str) -> None:
        from mcctl.cli import render

        render.warn(message)


def services_of(runtime: Runtime, flags: MutationFlags) -> Services:
    """The use cases' services with the terminal's ports (through the composition root)."""
    from mcctl.bootstrap import services
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.progress import reporter

    return services(
        runtime.estate,
        runtime.session,
        journal_of(runtime),
        command=command_line(runtime),
        confirmation=TerminalConfirmation(runtime, flags),
        reporter=reporter(runtime.options.sim),
        notices=TerminalNotices(),
    )


def run_options(flags: MutationFlags) -> RunOptions:
    from mcctl.ops.usecases import RunOptions

    return RunOptions(
        dry_run=flags.dry_run,
        timeout=flags.timeout,
        wait=not flags.no_wait,
        overrides=flags.override_reasons(),
        allow_data_loss=flags.allow_data_loss,
    )


def run_mutation(
    runtime: Runtime,
    plan: Plan,
    before: EstateSnapshot,
    flags: MutationFlags,
    *,
    touches: tuple[str, ...] = (),
) -> RunResult:
    """Judge, confirm and apply a command's plan (`ops.usecases.run`), show the outcome, return it."""
    from mcctl.ops import usecases

    result = usecases.run(services_of(runtime, flags), plan, before, run_options(flags), touches=touches)
    show_result(runtime, result)
    return result


def show_result(runtime: Runtime, result: RunResult) -> None:
    """Render a use case's result; a dry run the rules refuse still exits 5 once it is shown."""
    from mcctl.cli import render
    from mcctl.cli.runtime import emit
    from mcctl.cli.signals import deferred
    from mcctl.cli.tables import plan_table, result_table
    from mcctl.ops.journal_records import OperationStatus
    from mcctl.ops.usecases import RunOutcome

    if result.outcome is RunOutcome.NOTHING_TO_DO:
        for line in result.evaluation.plan.notes:  # what was counted to find nothing to do
            render.note(line)
        emit(runtime, result.to_dict(), table=lambda d: "nothing to do")
        return
    if result.outcome is RunOutcome.DRY_RUN:
        emit(runtime, result.to_dict(), table=plan_table)
        if result.refused:
            raise result.refusal()
        return
    assert result.applied is not None
    with deferred():  # a Ctrl-C now must not swallow the outcome of an operation that is done
        emit(runtime, result.to_dict(), table=result_table)
        if result.applied.status is OperationStatus.SUBMITTED:
            op = result.applied.operation
            render.note(
                f"submitted without waiting; the lease is released, and until the change is seen done every "
                f"later plan counts it (a drain as done, a restore as not yet); "
                f"`mcctl journal show {op}` and `mcctl resume {op}` verify and finish it"
            )


def confirm(runtime: Runtime, plan: Plan, flags: MutationFlags) -> None:
    """Interactive: ask (type the name for data loss). Non-interactive: --yes (plus the data-loss flag)."""
    yes = runtime.options.yes
    if plan.data_loss:
        if yes and flags.allow_data_loss:
            return
        if not is_interactive():
            raise UsageError(
                "this plan can lose data: non-interactively it needs --yes together with --allow-data-loss"
            )
        typed = typer.prompt(f"This can LOSE DATA. Type '{plan.confirm_name}' to confirm", err=True, default="")
        if typed.strip() != plan.confirm_name:
            raise UsageError(f"confirmation did not match '{plan.confirm_name}'; nothing was changed")
        return
    if yes:
        return
    if not is_interactive():
        raise UsageError("refusing to change the estate without confirmation: input is not a terminal; pass --yes")
    if not typer.confirm("Apply this plan?", default=False, err=True):
        sys.stderr.write("mcctl: cancelled; nothing was changed\n")
        raise typer.Exit(int(ExitCode.INTERRUPTED))


def mutating(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command the options every mutation shares, and hand it `flags: MutationFlags`.

    Adds --yes, --dry-run, --timeout, --no-wait, --override, --reason, -o/--query to the Typer
    signature, applies -o/--query/--yes to the runtime, validates the flags before any Azure call,
    and passes `allow_data_loss` into the flags when the command declares that option. The command
    itself declares `ctx`, its own options and a `flags` parameter.
    """
    import functools
    import inspect

    from mcctl.cli import options

    shared = (
        ("yes", options.Yes, False),
        ("dry_run", options.DryRun, False),
        ("timeout", options.Timeout, 600.0),
        ("no_wait", options.NoWait, False),
        ("override", options.Override, None),
        ("reason", options.Reason, None),
        ("output", options.Output, None),
        ("query", options.Query, None),
    )
    signature = inspect.signature(command, eval_str=True)
    own = [p for p in signature.parameters.values() if p.name != "flags"]
    added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a) for name, a, d in shared]

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        from mcctl.cli.runtime import output_overrides

        values = {name: kwargs.pop(name) for name, _, _ in shared}
        output_overrides(kwargs["ctx"].obj, values["output"], values["query"], values["yes"])
        flags = MutationFlags(
            values["dry_run"],
            values["timeout"],
            values["no_wait"],
            values["override"] or [],
            values["reason"],
            kwargs.get("allow_data_loss", False),
        )
        flags.override_reasons()  # bad flags fail before any Azure call
        command(**kwargs, flags=flags)

    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {}  # Typer reads the evaluated annotations from the signature above
    return wrapper
