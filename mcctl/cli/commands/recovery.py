"""`mcctl resume OP` and `mcctl rollback OP`: finish or reverse a journaled operation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_options, services_of, show_result
from mcctl.cli.options import AllowDataLoss
from mcctl.cli.runtime import Runtime

if TYPE_CHECKING:
    from mcctl.ops.services import Services

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
    services = services_of(runtime, flags)
    _not_a_drill(services, op, "resume")
    show_result(runtime, usecases.resume(services, op, run_options(flags)))


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
    services = services_of(runtime, flags)
    _not_a_drill(services, op, "rollback")
    show_result(runtime, usecases.rollback(services, op, run_options(flags)))


def _not_a_drill(services: Services, op: str, verb: str) -> None:
    """A drill is resumed and rolled back by `mcctl drill`: its probes, approvals, fault ending and
    report go with it (its child operations are ordinary ones: these commands take them)."""
    from mcctl.errors import UsageError
    from mcctl.ops.drill.plan import DRILL_KIND

    record = services.journal.operation(op)
    if record.kind in (DRILL_KIND, f"rollback:{DRILL_KIND}"):
        drill = record.parent if record.kind != DRILL_KIND and record.parent else record.id
        raise UsageError(
            f"OP: operation {record.id} is a drill{'' if record.kind == DRILL_KIND else ' rollback'}; "
            f"nothing was changed",
            hint=f"`mcctl drill {verb} {drill}`",
        )
