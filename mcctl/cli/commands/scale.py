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
    factor: Annotated[
        float | None,
        typer.Option("--factor", show_default="1", help="Head-room multiplier for --to-carry (0 < F <= 100)."),
    ] = None,
    *,
    flags: MutationFlags,
) -> None:
    """Scale App Service plans: `scale STAMP --instances N`, `scale --region R --by +2`, `--to-carry R2`."""
    from mcctl.cli.render import check_query
    from mcctl.domain.scale import ScaleRequest, plan_scale
    from mcctl.ops.scale import observe_scale

    runtime: Runtime = ctx.obj
    check_query(runtime.options.query)  # the root's --query too: never change the estate, then fail to print
    request = ScaleRequest(stamp, region, instances, _delta(by), to_carry, factor)
    request.validate(runtime.estate)
    observed = observe_scale(runtime.session, runtime.estate)
    before = observed.inventory.snapshot()  # a failed read stops here with its own error (503: exit 4), not a guess
    plan = plan_scale(runtime.estate, observed, request)
    run_mutation(runtime, plan, before, flags)


def _delta(by: str | None) -> int | None:
    """`+K` or `-K` (or `K`), in ASCII digits: int() would also take `1_0` and other scripts' digits."""
    import re

    from mcctl.errors import UsageError

    if by is None:
        return None
    from mcctl.domain.scale import MAX_INSTANCES

    text = by.strip()
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        raise UsageError(f"--by: expected +K or -K (e.g. +2, -1), got '{by}'")
    if len(text.lstrip("+-").lstrip("0")) > len(str(MAX_INSTANCES)):  # (no int() of a thousand digits)
        raise UsageError(f"--by: must be between -{MAX_INSTANCES} and +{MAX_INSTANCES}, got '{by}'")
    return int(text)
