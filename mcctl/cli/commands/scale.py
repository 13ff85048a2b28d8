"""`mcctl scale`: App Service plan capacity per stamp or per region, through the safe-mutation flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation
from mcctl.cli.runtime import Runtime

if TYPE_CHECKING:
    from mcctl.domain.scale import ScaleObserved, ScaleRequest


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
        typer.Option(
            "--to-carry",
            metavar="REGION",
            help="Size --region's serving stamps to carry REGION's load too (its plans' capacity, drained or not).",
        ),
    ] = None,
    factor: Annotated[
        float | None,
        typer.Option("--factor", show_default="1", help="Head-room multiplier for --to-carry (0 < F <= 100)."),
    ] = None,
    split: Annotated[
        str | None,
        typer.Option(
            "--split",
            metavar="even|proportional",
            show_default="proportional",
            help="How --to-carry splits the instances: proportional to current capacity, or evenly.",
        ),
    ] = None,
    *,
    flags: MutationFlags,
) -> None:
    """Scale App Service plans: `scale STAMP --instances N`, `scale --region R --by +2`, `--to-carry R2`."""
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.render import check_query
    from mcctl.domain.scale import ScaleRequest, plan_scale
    from mcctl.ops.scale import observe_scale

    runtime: Runtime = ctx.obj
    check_query(runtime.options.query)  # the root's --query too: never change the estate, then fail to print
    request = ScaleRequest(stamp, region, instances, _delta(by), to_carry, factor, split)
    runtime.validated(request.validate, stamp)
    # --to-carry names the drain behind a region that serves less than its plans hold
    operations = journal_of(runtime).operations() if to_carry is not None else ()
    observed = observe_scale(runtime.session, runtime.estate, operations)
    before = observed.inventory.snapshot()  # a failed read stops here with its own error (503: exit 4), not a guess
    plan = plan_scale(runtime.estate, observed, request)
    if plan.empty and to_carry is not None:
        _refuse_unplaced(runtime, observed, request, flags)
    run_mutation(runtime, plan, before, flags)


def _refuse_unplaced(runtime: Runtime, observed: ScaleObserved, request: ScaleRequest, flags: MutationFlags) -> None:
    """A carry plan with no step (every serving stamp at its maximum, or none serving) has nothing
    for the rules to judge, so its shortfall is refused here, the same way (exit 5, overridable)."""
    from mcctl.domain.capacity import CARRY_RULE_NAME, carry_verdict
    from mcctl.domain.safety import RuleResult
    from mcctl.domain.scale import carry_for
    from mcctl.errors import SafetyRefusal

    load, carry = carry_for(runtime.estate, observed, request)
    passed, message, numbers = carry_verdict(
        {"needed": carry.needed, "planned": carry.planned, "source": load.source, "factor": carry.factor}
    )
    if passed or CARRY_RULE_NAME in flags.override_reasons():
        return
    raise SafetyRefusal(
        f"refused by safety rule {CARRY_RULE_NAME}: {message}; override with --override {CARRY_RULE_NAME} "
        f"--reason TEXT (nothing was changed)",
        results=(RuleResult(CARRY_RULE_NAME, False, message, numbers=dict(numbers)),),  # for -o json's `refused`
    )


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
