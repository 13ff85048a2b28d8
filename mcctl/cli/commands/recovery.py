"""`mcctl resume OP` and `mcctl rollback OP`: finish or reverse a journaled operation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation
from mcctl.cli.options import AllowDataLoss
from mcctl.cli.runtime import Runtime

if TYPE_CHECKING:
    from mcctl.domain.snapshot import EstateSnapshot
    from mcctl.ops.journal import Journal, OperationRecord

OpArgument = Annotated[str, typer.Argument(help="Operation id, a unique prefix of it, or 'latest'.")]


def _prepare(ctx: typer.Context, op: str) -> tuple[Runtime, Journal, OperationRecord]:
    from mcctl.cli.commands.journal import journal_of
    from mcctl.ops.recovery import check_recoverable

    runtime: Runtime = ctx.obj
    journal = journal_of(runtime)
    record = journal.operation(op)
    check_recoverable(record, runtime.estate)
    return runtime, journal, record


def _snapshot(runtime: Runtime) -> EstateSnapshot:
    from mcctl.ops.inventory import read_inventory

    return read_inventory(runtime.session, runtime.estate).snapshot()


@mutating
def resume(
    ctx: typer.Context,
    op: OpArgument,
    allow_data_loss: AllowDataLoss = False,
    *,
    flags: MutationFlags,
) -> None:
    """Continue an interrupted or failed operation from its first unfinished step (live state re-read).

    A step whose Azure operation is still running is waited for (joined), never sent twice."""
    from mcctl.cli import render
    from mcctl.ops.recovery import close_if_done, plan_resume

    runtime, journal, record = _prepare(ctx, op)
    recovery = plan_resume(record, runtime.estate)
    if recovery.plan.empty and not flags.dry_run and close_if_done(journal, record):
        render.note(f"operation {record.id}: every step was done; its end was never journaled: closed as succeeded")
    run_mutation(runtime, recovery.plan, _snapshot(runtime), flags, resume=record, full_plan=recovery.whole)


@mutating
def rollback(
    ctx: typer.Context,
    op: OpArgument,
    *,
    flags: MutationFlags,
) -> None:
    """Apply the inverse of what an operation applied, last step first, and verify each step.

    A step of the operation still running in Azure is waited for first: a rollback never reports
    "nothing to do" while a change of that operation may still land."""
    from mcctl.cli import render
    from mcctl.ops.recovery import plan_rollback

    runtime, journal, record = _prepare(ctx, op)
    recovery = plan_rollback(
        runtime.session,
        runtime.estate,
        journal,
        record,
        timeout=flags.timeout,
        note=render.note,
        journal_it=not flags.dry_run,
    )
    run_mutation(runtime, recovery.plan, _snapshot(runtime), flags, parent=record.id)
