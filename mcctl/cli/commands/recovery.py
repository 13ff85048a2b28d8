"""`mcctl resume OP` and `mcctl rollback OP`: finish or reverse a journaled operation."""

from __future__ import annotations

from typing import Annotated

import typer

from mcctl.cli.mutate import MutationFlags, apply_context, mutating, run_mutation
from mcctl.cli.options import AllowDataLoss
from mcctl.cli.runtime import Runtime

OpArgument = Annotated[str, typer.Argument(help="Operation id, a unique prefix of it, or 'latest'.")]


def _prepare(ctx: typer.Context, op: str):
    from mcctl.cli.commands.journal import journal_of
    from mcctl.errors import UsageError
    from mcctl.ops.inventory import read_inventory

    runtime: Runtime = ctx.obj
    record = journal_of(runtime).operation(op)
    if record.header.get("status") == "refused":
        raise UsageError(f"OP: operation {record.id} was refused by a safety rule; it changed nothing")
    if record.header.get("estate") != runtime.estate.name:
        raise UsageError(f"OP: operation {record.id} belongs to estate '{record.header.get('estate')}'")
    return runtime, record, read_inventory(runtime.session, runtime.estate).snapshot()


def _refuse_irreversible(plan, applied: list[int]) -> None:
    from mcctl.errors import UsageError
    from mcctl.ops.steps import executor

    for index in applied:
        step = plan.steps[index]
        kind = executor(step)
        if not kind.reversible:
            hint = kind.undo_hint(step) if kind.undo_hint else None
            raise UsageError(
                f"OP: step {index + 1} ({step.target}) cannot be rolled back automatically; nothing was changed",
                hint=f"to reverse it: {hint}" if hint else None,
            )


@mutating
def resume(
    ctx: typer.Context,
    op: OpArgument,
    allow_data_loss: AllowDataLoss = False,
    *,
    flags: MutationFlags,
) -> None:
    """Continue an interrupted or failed operation from its first unfinished step (live state re-read)."""
    from mcctl.domain.plan import Plan
    from mcctl.ops.mutation import pending_steps

    runtime, record, before = _prepare(ctx, op)
    plan = Plan.from_dict(record.header["plan"])
    remaining = Plan(
        kind=plan.kind,
        summary=f"resume {record.id}: {plan.summary}",
        steps=tuple(plan.steps[i] for i in pending_steps(record)),
        data_loss=plan.data_loss,
        confirm_name=plan.confirm_name,
        notes=plan.notes,
    )
    run_mutation(runtime, remaining, before, flags, resume=record, full_plan=plan)


@mutating
def rollback(
    ctx: typer.Context,
    op: OpArgument,
    *,
    flags: MutationFlags,
) -> None:
    """Apply the inverse of what an operation applied, last step first, and verify each step."""
    from mcctl.domain.plan import Plan
    from mcctl.ops.mutation import applied_steps

    runtime, record, before = _prepare(ctx, op)
    plan = Plan.from_dict(record.header["plan"])
    applied = applied_steps(apply_context(runtime, flags), record)
    _refuse_irreversible(plan, applied)
    inverse = plan.inverse(applied, summary=f"roll back {record.id}: {plan.summary}")
    run_mutation(runtime, inverse, before, flags, parent=record.id)
