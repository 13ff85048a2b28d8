"""`mcctl stamps add|retire`: a stamp into a blue-green release (its Front Door origin created) and
out of it (origin deleted, plan at its minimum, marked retired), through the safe-mutation flow.
The traffic moves between them with `mcctl shift`."""

from __future__ import annotations

from typing import Annotated

import typer

from mcctl.cli.mutate import MutationFlags, mutating, run_mutation
from mcctl.cli.options import parse_duration
from mcctl.cli.runtime import Runtime

StampArg = Annotated[str, typer.Argument(help="The stamp (listed in the estate file or tagged mcctl-stamp on ARM).")]


@mutating
def add(
    ctx: typer.Context,
    stamp: StampArg,
    weight: Annotated[
        int | None,
        typer.Option("--weight", min=1, max=1000, help="Create it enabled at this weight (default: disabled)."),
    ] = None,
    *,
    flags: MutationFlags,
) -> None:
    """Create the stamp's Front Door origin in the origin group (an LRO), disabled or at a minimal
    weight, once the stamp validates (rule `stamp-validated`); nothing to do if it exists as wanted,
    refused if it exists with other settings."""
    from mcctl.cli.render import check_query
    from mcctl.domain.release import plan_add
    from mcctl.domain.selection import known_stamp
    from mcctl.ops.release import observe_release, validation_of

    runtime: Runtime = ctx.obj
    check_query(runtime.options.query)
    session = runtime.session  # opening it finds the stamps a pipeline tagged
    found = known_stamp(runtime.estate, stamp, "STAMP")
    observed, inventory = observe_release(session, runtime.estate, found)
    validation = validation_of(session, runtime.estate, found) if observed.existing is None else None
    plan = plan_add(runtime.estate, observed, weight, validation)
    run_mutation(runtime, plan, inventory.snapshot(), flags)


@mutating
def retire(
    ctx: typer.Context,
    stamp: StampArg,
    verify_timeout: Annotated[
        float,
        typer.Option(
            "--verify-timeout",
            parser=parse_duration,
            metavar="DURATION",
            show_default="10m",
            help="How long to wait for the edge to send it nothing.",
        ),
    ] = 600.0,
    *,
    flags: MutationFlags,
) -> None:
    """Once the stamp serves nothing (origin disabled, the edge sending it no request): delete its
    origin (an LRO), scale its plan to the minimum and mark it retired. Refused while it serves or
    when it is the last serving stamp of its region."""
    from mcctl.cli.commands.journal import journal_of
    from mcctl.cli.render import check_query
    from mcctl.domain.release import plan_retire
    from mcctl.domain.selection import known_stamp
    from mcctl.ops.release import observe_release, require_edge_drained, require_no_open_operation

    runtime: Runtime = ctx.obj
    check_query(runtime.options.query)
    session = runtime.session
    found = known_stamp(runtime.estate, stamp, "STAMP")
    require_no_open_operation(session, runtime.estate, journal_of(runtime), found)
    observed, inventory = observe_release(session, runtime.estate, found)
    plan_retire(runtime.estate, observed)  # refusals first: a stamp that serves is not probed for minutes
    if observed.existing is not None:
        from mcctl.cli import render
        from mcctl.domain.frontdoor_verify import endpoint_url

        if flags.dry_run:  # a dry run shows the plan now; the real run waits for the edge first
            render.note(f"--dry-run: not checked that the edge sends {found.name} nothing (the real run does)")
            run_mutation(runtime, plan_retire(runtime.estate, observed), inventory.snapshot(), flags)
            return
        url = endpoint_url(runtime.estate)
        render.note(f"checking the edge sends {found.name} nothing: probing {url} (up to {verify_timeout:g}s)")
        verified = require_edge_drained(session, runtime.estate, found, timeout=verify_timeout)
        render.note(f"edge: {verified.describe()}")
    observed, inventory = observe_release(session, runtime.estate, found)  # as it is now, after the wait
    run_mutation(runtime, plan_retire(runtime.estate, observed), inventory.snapshot(), flags)


def register(app: typer.Typer) -> None:
    app.command("add")(add)
    app.command("retire")(retire)
