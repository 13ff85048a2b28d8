"""`mcctl resume OP` and `mcctl rollback OP`: finish or reverse a journaled operation."""

from __future__ import annotations

from typing import Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_options, services_of, show_result
from mcctl.cli.options import AllowDataLoss
from mcctl.cli.runtime import Runtime

OpArgument = Annotated[str, typer.Argument(help="Operation id, a unique prefix of it, or 'latest'.")]


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
    from mcctl.ops import usecases

    runtime: Runtime = ctx.obj
    show_result(runtime, usecases.resume(services_of(runtime, flags), op, run_options(flags)))


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
    from mcctl.ops import usecases

    runtime: Runtime = ctx.obj
    show_result(runtime, usecases.rollback(services_of(runtime, flags), op, run_options(flags)))
