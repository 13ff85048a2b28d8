"""The CLI half of every mutation: the shared flags, the terminal's ports, and the result shown.

Commands build a Plan (ops) and hand it to the use cases in `ops.usecases` through here, so
confirmation, dry-run, break-glass overrides, the lease, the journal and progress behave the same
for every change mcctl makes.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import typer

from mcctl.errors import ExitCode, McctlError, UsageError

if TYPE_CHECKING:
    from mcctl.cli.runtime import Runtime
    from mcctl.domain.plan import Plan
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.guard import Evaluation
    from mcctl.ops.result import ResultStatus, RunTrace
    from mcctl.ops.services import Services
    from mcctl.ops.usecases import RunOptions, RunResult


@dataclass
class ResultSlot:
    """The result document of the mutating command running now: written once, as it ends, whatever
    the exit code (`-o json`/`yaml`). Filled by `services_of` (the run's trace), `show_result` (how
    it ended) and `record_verify` (the edge verification)."""

    dry_run: bool = False
    trace: RunTrace | None = None
    result: RunResult | None = None
    verify: dict[str, Any] | None = None


_SLOT: ContextVar[ResultSlot | None] = ContextVar("mcctl_result_slot", default=None)


def record_verify(verification: dict[str, Any]) -> None:
    """The --verify result of the running mutating command (its document's `verify`)."""
    slot = _SLOT.get()
    if slot is not None:
        slot.verify = verification


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

    session = runtime.session  # first: opening it discovers the stamps a pipeline deployed
    built = services(
        runtime.estate,
        session,
        journal_of(runtime),
        command=command_line(runtime),
        confirmation=TerminalConfirmation(runtime, flags),
        reporter=reporter(runtime.options.sim),
        notices=TerminalNotices(),
    )
    slot = _SLOT.get()
    if slot is not None:
        slot.trace = built.trace  # the latest run is what the document describes
    return built


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
    """Render a use case's result for people; `-o json`/`yaml` get the one result document when the
    command ends (`mutating`). A dry run the rules refuse still exits 5 once it is shown."""
    from mcctl.cli import render
    from mcctl.cli.signals import deferred
    from mcctl.cli.tables import plan_table, result_table
    from mcctl.ops.journal_records import OperationStatus
    from mcctl.ops.usecases import RunOutcome

    slot = _SLOT.get()
    if slot is not None:
        slot.result = result
    structured = slot is not None and _structured(runtime)
    if result.outcome is RunOutcome.NOTHING_TO_DO:
        for line in result.evaluation.plan.notes:  # what was counted to find nothing to do
            render.note(line)
        if not structured:
            _emit(runtime, document(runtime, result), table=lambda d: "nothing to do")
        return
    if result.outcome is RunOutcome.DRY_RUN:
        if not structured:
            _emit(runtime, document(runtime, result), table=plan_table)
        if result.refused:
            raise result.refusal()
        return
    assert result.applied is not None
    with deferred():  # a Ctrl-C now must not swallow the outcome of an operation that is done
        if not structured:
            _emit(runtime, document(runtime, result), table=result_table)
        if result.applied.status is OperationStatus.SUBMITTED:
            op = result.applied.operation
            render.note(
                f"submitted without waiting; the lease is released, and until the change is seen done every "
                f"later plan counts it (a drain as done, a restore as not yet); "
                f"`mcctl journal show {op}` and `mcctl resume {op}` verify and finish it"
            )


def _structured(runtime: Runtime) -> bool:
    return runtime.options.output in ("json", "yaml")


def _emit(runtime: Runtime, data: dict[str, Any], **kwargs: Any) -> None:
    from mcctl.cli.runtime import emit

    emit(runtime, data, **kwargs)


def _cli(runtime: Runtime) -> str:
    return "mcctl --sim" if runtime.options.sim else "mcctl"


def document(
    runtime: Runtime,
    result: RunResult | None,
    *,
    trace: RunTrace | None = None,
    error: BaseException | None = None,
    verify: dict[str, Any] | None = None,
    dry_run: bool = False,
) -> dict[str, Any]:
    """The result document of a run that ended (`result`) or that `error` stopped (`trace`)."""
    from mcctl.ops.result import RunTrace, build_result

    if result is not None:
        trace = _trace_of(result)
        dry_run = dry_run or result.outcome.value == "dry run"
    status = _status(result, error)
    return build_result(status, trace or RunTrace(), error=error, verify=verify, dry_run=dry_run, cli=_cli(runtime))


def _trace_of(result: RunResult) -> RunTrace:
    """What a finished run did, from its result (the same whether or not the CLI's services ran it)."""
    from mcctl.ops.result import RunTrace

    made = RunTrace(evaluation=result.evaluation)
    if result.applied is not None:
        made.plan, made.operation = result.applied.plan, result.applied.operation
        made.operation_status, made.journaled = result.applied.status.value, True
        made.outcomes = list(result.applied.outcomes)
    return made


def _status(result: RunResult | None, error: BaseException | None) -> ResultStatus:
    from mcctl.ops.result import ResultStatus, status_of
    from mcctl.ops.usecases import RunOutcome

    ended = {
        RunOutcome.NOTHING_TO_DO: ResultStatus.NOTHING_TO_DO,
        RunOutcome.DRY_RUN: ResultStatus.DRY_RUN,
        RunOutcome.APPLIED: ResultStatus.APPLIED,
    }
    if result is not None and (error is None or _after_the_run(result, error)):
        return ended[result.outcome]  # what ran ended so; the edge check that followed is in `error`
    return status_of(error) if error is not None else ResultStatus.FAILED


def _after_the_run(result: RunResult, error: BaseException) -> bool:
    """Whether `error` came after a run that ended (a failed --verify: exit 6), rather than ending it
    (a dry run's refusal; a --revert-on-failure that put everything back: exit 5)."""
    from mcctl.errors import SafetyRefusal
    from mcctl.ops.usecases import RunOutcome

    return result.outcome is not RunOutcome.DRY_RUN and not isinstance(error, SafetyRefusal)


def _write_document(runtime: Runtime, slot: ResultSlot, error: BaseException | None) -> None:
    """Once, as the command ends: the document on stdout for `-o json`/`yaml`, whatever the exit code."""
    if not _structured(runtime) or (error is None and slot.result is None):
        return
    doc = document(
        runtime, slot.result, trace=slot.trace, error=_as_error(error), verify=slot.verify, dry_run=slot.dry_run
    )
    _emit(runtime, doc)


def _as_error(error: BaseException | None) -> BaseException | None:
    """typer.Exit (a declined prompt: 130) as the error it stands for; a clean exit as none."""
    if isinstance(error, typer.Exit):
        if error.exit_code == 0:
            return None
        stand_in = McctlError("cancelled; nothing was changed")
        stand_in.exit_code = ExitCode(error.exit_code) if error.exit_code in set(ExitCode) else ExitCode.INTERNAL
        return stand_in
    return error


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
        typed = typer.prompt(
            f"This can LOSE DATA. Type '{plan.confirm_name}' to confirm", err=True, default="", show_default=False
        )
        if typed.strip() != plan.confirm_name:  # declined, as a "no" is: cancelled (130), not bad input
            sys.stderr.write(
                f"mcctl: cancelled: confirmation did not match '{plan.confirm_name}'; nothing was changed\n"
            )
            raise typer.Exit(int(ExitCode.INTERRUPTED))
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
        runtime = kwargs["ctx"].obj
        output_overrides(runtime, values["output"], values["query"], values["yes"])
        flags = MutationFlags(
            values["dry_run"],
            values["timeout"],
            values["no_wait"],
            values["override"] or [],
            values["reason"],
            kwargs.get("allow_data_loss", False),
        )
        slot = ResultSlot(dry_run=flags.dry_run)
        token = _SLOT.set(slot)
        try:
            flags.override_reasons()  # bad flags fail before any Azure call
            if flags.overrides:  # a rule that does not exist or cannot be overridden: exit 2, nothing read
                from mcctl.ops.guard import check_overrides

                check_overrides(flags.overrides)
            command(**kwargs, flags=flags)
        except BaseException as exc:
            _write_document(runtime, slot, exc)  # every exit code has its document (5, 6, 7, 8, 130...)
            raise
        else:
            _write_document(runtime, slot, None)
        finally:
            _SLOT.reset(token)

    wrapper.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
    wrapper.__annotations__ = {}  # Typer reads the evaluated annotations from the signature above
    return wrapper
