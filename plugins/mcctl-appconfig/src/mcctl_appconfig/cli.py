"""`mcctl appconfig status`: the configuration store, its replicas, the verdict and who depends on it.

The JSON document (`-o json`) is the contract:

    {"store": {"name", "resource_group", "subscription", "found", "location", "sku",
               "provisioning_state", "endpoint"},
     "replicas": [{"name", "location", "provisioning_state", "endpoint"}],
     "verdict": "healthy|degraded|unhealthy|unknown", "reason": str, "impact": "degraded|unhealthy",
     "dependent_stamps": [str], "error": str | null}

`--check` exits as `mcctl health --check` does: 0 healthy, 10 degraded or unknown, 11 unhealthy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcctl.cli.options import Output, Query
from mcctl.cli.runtime import Runtime, emit, output_overrides
from mcctl.errors import ExitCode

if TYPE_CHECKING:
    from mcctl.domain.estate import Estate
    from mcctl_appconfig.settings import AppConfigSettings

app = typer.Typer(no_args_is_help=True, help="Azure App Configuration, a shared dependency of the stamps.")

CHECK_EXIT = {
    "healthy": ExitCode.OK,
    "degraded": ExitCode.DEGRADED,
    "unknown": ExitCode.DEGRADED,
    "unhealthy": ExitCode.UNHEALTHY,
}


# `\b` keeps the lines as they are; in the epilog, after the options, as every mcctl command has them
EXAMPLES = "\b\nExamples:\n  mcctl --sim appconfig status\n  mcctl appconfig status --check -o json"


@app.command("status", epilog=EXAMPLES)
def status(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Exit 0 when healthy (the store and every replica Succeeded); 10 when degraded (a replica "
            "not Succeeded, or the store with impact degraded) or unreadable; 11 when unhealthy (the store "
            "failed or missing with impact unhealthy).",
        ),
    ] = False,
    output: Output = None,
    query: Query = None,
) -> None:
    """The store (location, SKU, provisioning state, endpoint), its replicas, the verdict and the stamps
    that depend on it."""
    from mcctl.cli import render

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    settings = _settings(runtime.estate)
    data = observe(runtime, settings)
    emit(runtime, data, table=status_table)
    for name in settings.unknown_stamps(runtime.estate):
        render.warn(f"plugins.appconfig.stamps: '{name}' is not a stamp of this estate")
    if data["error"]:
        render.warn(data["error"])
    if check:
        raise typer.Exit(int(CHECK_EXIT[data["verdict"]]))


def _settings(estate: Estate) -> AppConfigSettings:
    from mcctl.errors import UsageError
    from mcctl_appconfig.settings import settings_of

    settings = settings_of(estate)
    if settings is None:
        raise UsageError(
            "plugins.appconfig: the estate file names no App Configuration store",
            hint="add plugins: {appconfig: {store: NAME, resource_group: RG}} to the estate file",
        )
    return settings


def observe(runtime: Runtime, settings: AppConfigSettings) -> dict[str, Any]:
    """The status document; an unreadable store is a verdict (unknown) with its error, not a failure."""
    from mcctl.errors import McctlError, SignInError
    from mcctl_appconfig.reading import read_store
    from mcctl_appconfig.verdict import StoreReading, judge

    estate = runtime.estate
    reading: StoreReading | None = None
    error = None
    try:
        reading = read_store(runtime.session, estate, settings)
    except SignInError:
        raise  # no verdict can be made of reads that could not sign in
    except McctlError as exc:
        error = exc.message
    verdict, reason = judge(reading, settings)
    if reading is not None:
        document = reading.to_dict()
    else:
        unread = StoreReading(settings.store, settings.resource_group, settings.subscription_in(estate), found=False)
        document = {"store": {**unread.to_dict()["store"], "found": None}, "replicas": []}
    return {
        **document,
        "verdict": verdict.value,
        "reason": reason,
        "impact": settings.impact.value,
        "dependent_stamps": list(settings.dependents(estate)),
        "error": error,
    }


# -- the table for people (80 columns) --------------------------------------------------------------
VERDICT_STYLE = {"healthy": "green", "degraded": "yellow", "unhealthy": "red", "unknown": "dim"}


def status_table(data: dict[str, Any]) -> Any:
    from rich.console import Group
    from rich.markup import escape
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable
    from mcctl.cli.tables import detail_table

    store = data["store"]
    found = {True: "", False: " (not found)", None: " (unreadable)"}[store["found"]]
    style = VERDICT_STYLE.get(data["verdict"], "")
    header = detail_table(
        {
            "store": f"{store['name']} ({store['resource_group']}){found}",
            "location": store["location"] or "?",
            "sku": store["sku"] or "?",
            "provisioning state": store["provisioning_state"] or "?",
            "endpoint": store["endpoint"] or "?",
            "dependent stamps": ", ".join(data["dependent_stamps"]) or "none",
            "impact if down": data["impact"],
        }
    )
    verdict = Text.from_markup(f"verdict: [{style}]{escape(data['verdict'])}[/{style}] — {escape(data['reason'])}")
    parts: list[Any] = [header, Text(""), verdict]
    if data["replicas"]:
        replicas = FitTable(Col("REPLICA"), Col("LOCATION"), Col("STATE"), Col("ENDPOINT", drop=1))
        for r in data["replicas"]:
            state = escape(r["provisioning_state"] or "?")
            if state != "Succeeded":
                state = f"[yellow]{state}[/yellow]"
            replicas.add_row(escape(r["name"]), escape(r["location"] or "?"), state, escape(r["endpoint"] or "-"))
        parts += [Text(""), replicas]
    elif store["found"]:
        parts += [Text("no replicas")]
    return Group(*parts)
