"""The CLI half of every mutation: render the plan, stop on --dry-run or a refusal, confirm, apply.

Commands build a Plan (ops) and hand it here, so confirmation, dry-run, break-glass overrides,
the lease, the journal and progress behave the same for every change mcctl makes.
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
    from mcctl.ops.journal import OperationRecord
    from mcctl.ops.mutation import ApplyContext, Evaluation


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


def apply_context(runtime: Runtime, flags: MutationFlags) -> ApplyContext:
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.progress import reporter
    from mcctl.ops.mutation import ApplyContext

    return ApplyContext(
        session=runtime.session,
        estate=runtime.estate,
        journal=journal_of(runtime),
        lease=None,
        command=command_line(runtime),
        timeout=flags.timeout,
        wait=not flags.no_wait,
        reporter=reporter(runtime.options.sim),
    )


def run_mutation(
    runtime: Runtime,
    plan: Plan,
    before: EstateSnapshot,
    flags: MutationFlags,
    *,
    parent: str | None = None,
    resume: OperationRecord | None = None,
    full_plan: Plan | None = None,
    between_groups: Callable[[int], None] | None = None,
    interval: float = 0.0,
    touches: tuple[str, ...] = (),
) -> None:
    """Evaluate, render, confirm and apply `plan` (for a resume: the remaining steps of `full_plan`).

    `touches`: resource ids the command is about even when its plan is empty (a restore that finds
    the origins enabled must not say "nothing to do" while a drain of them is still landing)."""
    from mcctl.cli import render
    from mcctl.cli.runtime import emit
    from mcctl.cli.signals import deferred
    from mcctl.cli.tables import plan_table, result_table
    from mcctl.ops import mutation

    if plan.data_loss and not flags.allow_data_loss and not plan.empty and not flags.dry_run:
        # One answer for every data-loss command (and before any rule or prompt): the flag first.
        raise UsageError(
            f"{plan.summary}: this can lose data; pass --allow-data-loss (then confirm by typing "
            f"'{plan.confirm_name}', or add --yes); nothing was changed"
        )
    overrides = flags.override_reasons()
    ctx = apply_context(runtime, flags)
    # Changes other runs left in flight (--no-wait, a killed run) count for the rules the way that
    # serves less: a drain as done, a restore as not done.
    resources = (*(step.resource_id for step in plan.steps), *touches)
    in_flight = mutation.in_flight_changes(ctx, exclude=resume.id if resume else None) if resources else []
    _refuse_racing(in_flight, resources)
    evaluation = mutation.evaluate(
        plan, before, runtime.estate.safety, overrides, flags.allow_data_loss, in_flight=in_flight
    )
    for line in evaluation.in_flight:
        render.note(line)
    if plan.empty:
        emit(runtime, {"status": "nothing to do", **evaluation.to_dict()}, table=lambda d: "nothing to do")
        return
    if flags.dry_run:
        emit(runtime, {"dry_run": True, **evaluation.to_dict()}, table=plan_table)
        if evaluation.refused:
            raise _refusal_without_journal(evaluation)
        return
    render.show_on_stderr(plan_table(evaluation.to_dict()))
    whole = full_plan or plan
    if between_groups is None and whole.gate is not None:  # also on resume: gated like the first run
        from mcctl.ops.steps import gate_for

        between_groups = gate_for(whole.gate)(runtime.session, runtime.estate, whole, before, render.note)
        interval = whole.interval
    ctx.between_groups, ctx.interval = between_groups, interval
    kind = resume.header["kind"] if resume else plan.kind
    if evaluation.refused:
        raise mutation.refuse(ctx, evaluation, kind, parent or (resume.id if resume else None))
    for used in evaluation.used_overrides:
        render.warn(f"safety rule {used['rule']} overridden (journaled): {used['reason']}")
    confirm(runtime, plan, flags)
    ctx.lease = _lease(runtime)
    result = mutation.apply(ctx, evaluation, kind, parent=parent, resume=resume, plan=full_plan)
    with deferred():  # a Ctrl-C now must not swallow the outcome of an operation that is done
        emit(runtime, result.to_dict(), table=result_table)
        if result.status == "submitted":
            render.note(
                f"submitted without waiting; the lease is released, and until the change is seen done every "
                f"later plan counts it (a drain as done, a restore as not yet); "
                f"`mcctl journal show {result.operation}` and `mcctl resume {result.operation}` verify and finish it"
            )


def _refuse_racing(in_flight: list[Any], resources: tuple[str, ...]) -> None:
    """A change still landing on a resource this command plans from: planning now would race it."""
    from mcctl.errors import EstateChanged
    from mcctl.ops.inflight import conflicting

    racing = conflicting(in_flight, resources)
    if racing:
        first = racing[0]
        raise EstateChanged(
            f"{first.describe()} is still in flight on the same resource: planning from its current value "
            "would race with it; nothing was changed",
            hint=f"`mcctl resume {first.operation}` waits for it and verifies it (or `mcctl rollback "
            f"{first.operation}`); then run this command again",
        )


def _refusal_without_journal(evaluation: Evaluation) -> Exception:
    from mcctl.ops.guard import refusal

    return refusal(evaluation, suffix=" (dry run: nothing was changed)")


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


def _lease(runtime: Runtime) -> Any:
    from mcctl.cli import render
    from mcctl.ops.lease import open_lease

    lease = open_lease(runtime.session, runtime.estate)
    if not getattr(lease, "shared", True):
        render.warn(
            "no `lock:` in the estate file: using a local lock file, which only stops operators on this machine"
        )
    return lease


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
