"""`mcctl scale`: App Service plan capacity per stamp or per region, through the safe-mutation flow."""

from __future__ import annotations

from typing import Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation
from mcctl.cli.runtime import Runtime


@mutating
def scale(
    ctx: typer.Context,
    stamp: Annotated[str | None, typer.Argument(help="The stamp to scale (or use --region).")] = None,
    region: Annotated[
        str | None, typer.Option("--region", "-r", help="Scale every stamp of a region, in parallel.")
    ] = None,
    instances: Annotated[int | None, typer.Option("--instances", "-n", help="Target instance count.")] = None,
    by: Annotated[
        str | None, typer.Option("--by", metavar="+K|-K", help="Change the instance count by K (e.g. +2, -1).")
    ] = None,
    to_carry: Annotated[
        str | None,
        typer.Option("--to-carry", metavar="REGION", help="Size --region to carry REGION's serving instances too."),
    ] = None,
    factor: Annotated[float, typer.Option("--factor", help="Head-room multiplier for --to-carry.")] = 1.0,
    *,
    flags: MutationFlags,
) -> None:
    """Scale App Service plans: `scale STAMP --instances N`, `scale --region R --by +2`, `--to-carry R2`."""
    from mcctl.errors import UsageError
    from mcctl.ops.inventory import read_inventory
    from mcctl.ops.scale import ScaleRequest, plan_scale

    runtime: Runtime = ctx.obj
    delta = None
    if by is not None:
        try:
            delta = int(by)
        except ValueError:
            raise UsageError(f"--by: expected +K or -K, got '{by}'") from None
    request = ScaleRequest(stamp, region, instances, delta, to_carry, factor)
    request.validate(runtime.estate)
    inventory = read_inventory(runtime.session, runtime.estate)
    plan = plan_scale(runtime.estate, inventory.views, request)
    run_mutation(runtime, plan, inventory.snapshot(), flags)
