"""`mcctl sim stamp MODE STAMP` (a stamp's health endpoint ok/slow/degraded/fail/down) and
`mcctl sim stamp deploy NAME --region R` (a new stamp's plan and web app, as a pipeline leaves them).

One command with MODE first, so that the syntax scripts already use stays exactly as it was.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from mcctl.cli.runtime import Runtime, emit
from mcctl.errors import UsageError

DEPLOY = "deploy"
MODES = ("ok", "slow", "degraded", "fail", "down")
# Output formats that are contracts: the created resources as a document on stdout.
DOCUMENT_OUTPUTS = ("json", "yaml", "tsv")

HELP = (
    "Make a stamp's health endpoint slow, degraded, failing (503) or unreachable, or ok again; "
    "or deploy a new stamp's resources.\n\n"
    "MODE ok | slow | degraded | fail | down: the health endpoint of STAMP (a stamp of the estate file, "
    "or one deployed in the simulator) answers that way.\n\n"
    "MODE deploy: create STAMP's App Service plan and running web app in --region, as a deployment "
    "pipeline would (named after the region's stamps: weu-1's rg-mc-weu-1, asp-mc-weu-1, app-mc-weu-1 "
    "give weu-3's rg-mc-weu-3, ...; tagged mcctl-stamp and mcctl-lifecycle candidate). "
    "It creates no Front Door origin: mcctl stamps add does."
)


def stamp_command(
    ctx: typer.Context,
    mode: Annotated[str, typer.Argument(help="ok | slow | degraded | fail | down | deploy")],
    stamp: Annotated[str, typer.Argument(help="The stamp (for deploy: the new stamp's name).")],
    latency: Annotated[
        float | None, typer.Option(metavar="SECONDS", help="Seconds a 'slow' endpoint takes to answer (default 2).")
    ] = None,
    check: Annotated[str | None, typer.Option(help="The report check that fails for 'degraded'/'fail'.")] = None,
    region: Annotated[
        str | None, typer.Option(help="deploy: the region of the new stamp (one of the estate's).")
    ] = None,
    instances: Annotated[
        int | None, typer.Option(help="deploy: the plan's instances (default: the estate's simulation.instances).")
    ] = None,
    sku: Annotated[
        str | None, typer.Option(help="deploy: the plan's SKU (default: the estate's simulation.sku).")
    ] = None,
    lifecycle: Annotated[
        str | None, typer.Option(help="deploy: the mcctl-lifecycle tag, candidate (default) or active.")
    ] = None,
    generation: Annotated[str | None, typer.Option(help="deploy: the mcctl-generation tag, e.g. 2026.12.")] = None,
    color: Annotated[str | None, typer.Option(help="deploy: the mcctl-color tag, e.g. green.")] = None,
) -> None:
    runtime: Runtime = ctx.obj
    deploy_only = {
        "--region": region,
        "--instances": instances,
        "--sku": sku,
        "--lifecycle": lifecycle,
        "--generation": generation,
        "--color": color,
    }
    if mode == DEPLOY:
        for option, value in (("--latency", latency), ("--check", check)):
            if value is not None:
                raise UsageError(f"{option}: only with a health MODE ({' | '.join(MODES)}), not with deploy")
        _deploy(runtime, stamp, region, instances, sku, lifecycle, generation, color)
        return
    if mode not in MODES:
        raise UsageError(f"MODE: must be one of {', '.join(MODES)} or {DEPLOY}, got '{mode}'")
    given = [option for option, value in deploy_only.items() if value is not None]
    if given:
        raise UsageError(f"{given[0]}: only with deploy (mcctl sim stamp deploy NAME --region R)")
    _health(runtime, mode, stamp, latency, check)


def _health(runtime: Runtime, mode: str, stamp: str, latency: float | None, check: str | None) -> None:
    from mcctl.cli import render
    from mcctl.cli.commands.sim import _check_latency
    from mcctl.domain.estate import TAG_STAMP
    from mcctl.sim.providers.health import set_fault
    from mcctl.sim.stamps import deployed_health_url

    sim = runtime.sim
    assert sim is not None
    found = runtime.estate.stamp(stamp)
    if found is not None:
        name, url = found.name, found.health_url
    else:
        # A stamp a pipeline deployed (`sim stamp deploy`) that the estate file does not list:
        # its web app's mcctl-stamp tag says which one it is.
        discover = runtime.estate.discover
        deployed = deployed_health_url(sim, stamp, discover.stamp_tag if discover else TAG_STAMP)
        if deployed is None:
            known = ", ".join(s.name for s in runtime.estate.stamps)
            raise UsageError(f"STAMP: unknown stamp '{stamp}' (stamps: {known})")
        name, url = stamp, deployed
    _check_latency(mode, latency)
    set_fault(sim, url, mode, target=f"stamp {name}", latency=latency, check=check)
    render.note(f"health endpoint of stamp {name}: {mode}" + (f" ({latency:g}s)" if latency else ""))


def _deploy(
    runtime: Runtime,
    name: str,
    region: str | None,
    instances: int | None,
    sku: str | None,
    lifecycle: str | None,
    generation: str | None,
    color: str | None,
) -> None:
    from mcctl.cli import render
    from mcctl.domain.estate import TAG_COLOR, TAG_GENERATION, TAG_LIFECYCLE
    from mcctl.sim.stamps import DeployRefused, deploy_stamp

    if region is None:
        raise UsageError("--region: required with deploy (one of the estate's regions)")
    sim = runtime.sim
    assert sim is not None
    tags = {
        key: value
        for key, value in ((TAG_LIFECYCLE, lifecycle), (TAG_GENERATION, generation), (TAG_COLOR, color))
        if value is not None
    }
    try:
        created = deploy_stamp(sim, runtime.estate, name, region, instances=instances, sku=sku, tags=tags)
    except DeployRefused as exc:
        raise UsageError(str(exc), hint=exc.hint) from None
    render.note(_summary(created))
    if runtime.options.output in DOCUMENT_OUTPUTS:
        emit(runtime, created)


def _summary(created: dict[str, Any]) -> str:
    tags = ", ".join(f"{k}={v}" for k, v in created["tags"].items())
    return (
        f"stamp {created['stamp']} deployed in {created['region']}: App Service plan {created['app_service_plan']} "
        f"({created['sku']} x{created['instances']}) and web app {created['web_app']} in {created['resource_group']}, "
        f"tagged {tags}; no Front Door origin yet (mcctl stamps add {created['stamp']})"
    )
