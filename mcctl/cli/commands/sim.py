"""`mcctl sim ...`: drive the embedded simulated Azure (reset, outages, faults, time)."""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer

from mcctl.cli.commands import sim_generate, sim_stamp
from mcctl.cli.runtime import Runtime, emit
from mcctl.errors import Terminated, UsageError

app = typer.Typer(no_args_is_help=True, help="The embedded simulated Azure: reset it, inject outages and faults.")
outage_app = typer.Typer(no_args_is_help=True, help="Simulate a regional outage.")
fault_app = typer.Typer(
    no_args_is_help=True, help="Arm or clear request faults (throttling, 5xx, LRO failure, crash, signal)."
)
app.add_typer(outage_app, name="outage")
app.add_typer(fault_app, name="fault")

FAULT_KINDS = ("throttle", "error", "lro_failure", "crash", "signal")
# Bounds for the numeric options: beyond them a value is a typo, and some would wedge the simulator.
MAX_COUNT = 1_000_000
MAX_RETRY_AFTER = 3600
MAX_LATENCY = 3600.0
HTTP_METHODS = ("*", "GET", "PUT", "POST", "PATCH", "DELETE", "HEAD", "OPTIONS")


@app.callback()
def _sim_mode(ctx: typer.Context) -> None:
    """Every `sim` command works on the simulator, with or without --sim."""
    runtime: Runtime = ctx.obj
    runtime.options.sim = True


def _sim(ctx: typer.Context):
    runtime: Runtime = ctx.obj
    assert runtime.sim is not None
    return runtime.sim


def _status(runtime: Runtime) -> dict:
    from mcctl.sim.clock import iso

    sim = runtime.sim
    assert sim is not None
    # The clock as the state has it now (a server may be running it faster): the offset shown is
    # the effective one, what a speed gained since its last renewal included, so it agrees with
    # `simulated_time` (the state's raw clock_offset leaves that gain out).
    with sim.clock_transaction() as clock:
        data = sim.store.data
        now, offset, factor = clock.now(), clock.effective_offset(), clock.factor()
        ops = list(data["operations"].values())
        return {
            "estate": runtime.estate.name,
            "state_file": str(sim.store.path),
            "simulated_time": iso(now),
            "clock_offset_seconds": round(offset, 3),
            "speed": factor,  # simulated seconds per wall second (1: the wall's pace)
            "resources": len(data["resources"]),
            "operations_running": sum(1 for op in ops if op["status"] == "InProgress"),
            "operations_total": len(ops),
            "outages": list(data["outages"]),
            "faults": list(data["faults"]),
            # forced SQL failovers: the writes that were not replicated yet (for RPO estimates)
            "sql_lost_writes": list(data.get("sql", {}).get("lost_writes", [])),
            "health_faults": dict(data.get("health", {}).get("faults", {})),
        }


@app.command("status")
def status(ctx: typer.Context) -> None:
    """Simulated time, running operations, outages and armed faults."""
    emit(ctx.obj, _status(ctx.obj), table=_status_table)


def _status_table(data: dict[str, Any]) -> Any:
    """The simulator's state in words: a key/value header, then a table per kind of armed fault
    (the JSON keeps the raw lists and dicts)."""
    from rich.console import Group
    from rich.text import Text

    from mcctl.cli.fittable import Col, FitTable
    from mcctl.cli.render import one_line
    from mcctl.cli.tables import detail_table, human_value

    def cell(value: Any) -> Text:
        return Text(one_line(human_value(value)))

    offset = data["clock_offset_seconds"]
    header = {
        "estate": data["estate"],
        "state file": data["state_file"],
        "simulated time": f"{data['simulated_time']} (clock {offset:+g}s)",
        **({"speed": f"{data['speed']:g}x the wall clock (sim serve --speed)"} if data.get("speed", 1) > 1 else {}),
        "resources": data["resources"],
        "operations": f"{data['operations_running']} running, {data['operations_total']} in all",
        "outages": ", ".join(str(o) for o in data["outages"]) or "none",
    }
    parts: list[Any] = [detail_table(header)]
    if data["faults"]:
        faults = FitTable(
            Col("ID", justify="right"),
            Col("KIND"),
            Col("METHOD", drop=1),
            Col("PATH", prose=True),
            Col("LEFT", justify="right"),
            Col("DETAIL", prose=True),
        )
        for f in data["faults"]:
            rest = {k: v for k, v in f.items() if k not in ("id", "kind", "method", "path", "count")}
            faults.add_row(
                cell(f.get("id")),
                cell(f.get("kind")),
                cell(f.get("method")),
                cell(f.get("path") or "*"),
                cell(f.get("count")),
                cell(rest),
            )
        parts += [Text(""), Text("request faults", style="bold"), faults]
    if data["health_faults"]:
        health = FitTable(Col("TARGET"), Col("MODE"), Col("DETAIL", prose=True), Col("ENDPOINT", drop=1))
        for endpoint, fault in data["health_faults"].items():
            rest = {k: v for k, v in fault.items() if k not in ("target", "mode")}
            health.add_row(cell(fault.get("target")), cell(fault.get("mode")), cell(rest), cell(endpoint))
        parts += [Text(""), Text("health endpoint faults", style="bold"), health]
    if data["sql_lost_writes"]:
        lost = FitTable(Col("AT"), Col("GROUP"), Col("FROM"), Col("TO"), Col("LAG", justify="right"))
        for w in data["sql_lost_writes"]:
            lag = w.get("seconds_of_lag")
            lost.add_row(
                cell(w.get("at")),
                cell(w.get("group")),
                cell(w.get("from_server")),
                cell(w.get("to_server")),
                cell(None if lag is None else f"{lag}s"),
            )
        parts += [Text(""), Text("writes lost to forced SQL failovers", style="bold"), lost]
    return Group(*parts)


@app.command("reset")
def reset(ctx: typer.Context) -> None:
    """Restore the simulated estate to its initial state (from the estate file); its simulated
    journal and lock start afresh (the old ones are moved aside, not deleted)."""
    from mcctl.cli import render
    from mcctl.ops.journal import Journal, move_aside
    from mcctl.ops.lease_hold import local_lock_path
    from mcctl.plugins import registry
    from mcctl.sim.runtime import reset_state_file

    runtime: Runtime = ctx.obj
    name = runtime.estate.name
    # Written without reading the old state: reset is the remedy for a damaged state file.
    reset_state_file(runtime.estate, runtime.sim_fingerprint, providers=registry().sim_providers)
    render.note(f"simulated estate '{name}' reset to its initial state")
    # The old operations acted on the estate just reset: left in the journal, `status` would offer
    # to resume or roll them back, and `reinstate` would restore capacity they recorded.
    journal = Journal.for_estate(name, simulated=True).archive()
    if journal is not None:
        render.note(f"simulated journal moved aside to {journal} (a new one starts empty)")
    lock = local_lock_path(name, simulated=True)  # the local lock file and a manual hold's record
    for path in (lock, lock.with_suffix(".held.json")):
        if (moved := move_aside(path, "reset")) is not None:
            render.note(f"simulated lock file moved aside to {moved}")


@app.command("advance")
def advance(
    ctx: typer.Context,
    seconds: Annotated[float, typer.Argument(metavar="SECONDS", help="Simulated seconds to pass.")],
) -> None:
    """Let simulated time pass (running operations complete when their time is up)."""
    from mcctl.sim.clock import MAX_ADVANCE

    if not math.isfinite(seconds) or not 0 < seconds <= MAX_ADVANCE:
        raise UsageError(f"SECONDS: must be a number greater than 0 and at most {MAX_ADVANCE:.0f} (ten years)")
    try:
        _sim(ctx).advance(seconds)
    except ValueError as exc:
        raise UsageError(f"SECONDS: {exc}", hint="mcctl --sim sim reset starts the clock over") from None
    emit(ctx.obj, _status(ctx.obj), table=_none_table)


def _none_table(data: dict):
    from mcctl.cli.tables import detail_table

    return detail_table({k: data[k] for k in ("simulated_time", "operations_running")})


def _region(ctx: typer.Context, region: str) -> str:
    from mcctl.domain.regions import normalize_region

    runtime: Runtime = ctx.obj
    name = normalize_region(region)
    if name not in runtime.estate.regions:
        raise UsageError(f"REGION: '{region}' is not a region of this estate ({', '.join(runtime.estate.regions)})")
    return name


@outage_app.command("start")
def outage_start(ctx: typer.Context, region: Annotated[str, typer.Argument(help="Region to take down.")]) -> None:
    """Take a region down: its health endpoints fail, its Redis links break, its SQL primary is unreachable."""
    from mcctl.cli import render

    name = _region(ctx, region)
    _sim(ctx).set_outage(name, True)
    render.note(f"simulated outage started in {name}")


@outage_app.command("end")
def outage_end(ctx: typer.Context, region: Annotated[str, typer.Argument(help="Region to bring back.")]) -> None:
    """End a simulated regional outage."""
    from mcctl.cli import render

    name = _region(ctx, region)
    _sim(ctx).set_outage(name, False)
    render.note(f"simulated outage ended in {name}")


@fault_app.command("add")
def fault_add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Argument(help="throttle | error | lro_failure | crash | signal")],
    method: Annotated[str, typer.Option(help="HTTP method to match, or *.")] = "*",
    path: Annotated[
        str,
        typer.Option(help="Substring of the request path to match, or a glob with * ? [ ] (case-insensitive)."),
    ] = "",
    count: Annotated[int, typer.Option(help="How many times it fires.")] = 1,
    status: Annotated[int, typer.Option(help="HTTP status for 'error' (5xx) or 'lro_failure'.")] = 503,
    retry_after: Annotated[int, typer.Option(help="Retry-After seconds for 'throttle'.")] = 1,
    operation: Annotated[str, typer.Option(help="Operation kind glob for 'lro_failure', e.g. 'sql.*'.")] = "*",
    signal: Annotated[
        str | None, typer.Option("--signal", help="For 'signal': TERM | HUP | INT, sent to mcctl itself.")
    ] = None,
) -> None:
    """Arm a fault the next matching requests will hit.

    'crash' kills mcctl (SIGKILL) right after the matching request was accepted; 'signal' sends --signal instead.
    """
    fault = _fault(kind, method, path, count, status, retry_after, operation, signal)
    emit(ctx.obj, _sim(ctx).add_fault(fault))


def _fault(
    kind: str,
    method: str,
    path: str,
    count: int,
    status: int,
    retry_after: int,
    operation: str,
    signal: str | None,
) -> dict:
    from mcctl.sim.app import FAULT_SIGNALS

    if kind not in FAULT_KINDS:
        raise UsageError(f"KIND: must be one of {', '.join(FAULT_KINDS)}, got '{kind}'")
    if not 1 <= count <= MAX_COUNT:
        raise UsageError(f"--count: must be between 1 and {MAX_COUNT}, got {count}")
    if (signal is not None) != (kind == "signal"):
        raise UsageError("--signal: required with 'signal' (TERM, HUP or INT), and only with it")
    if method.upper() not in HTTP_METHODS:
        raise UsageError(f"--method: must be * or one of {', '.join(HTTP_METHODS[1:])}, got '{method}'")
    fault: dict = {"kind": kind, "method": method.upper(), "path": path, "count": count}
    if kind == "throttle":
        if not 0 <= retry_after <= MAX_RETRY_AFTER:
            raise UsageError(f"--retry-after: must be between 0 and {MAX_RETRY_AFTER} seconds, got {retry_after}")
        fault["retry_after"] = retry_after
    elif kind == "error":
        if not 500 <= status <= 599:
            raise UsageError("--status: an 'error' fault needs a 5xx status")
        fault["status"] = status
    elif kind == "lro_failure":
        status = status if status != 503 else 409
        if not 400 <= status <= 599:
            raise UsageError(f"--status: an 'lro_failure' fault needs a 4xx or 5xx status, got {status}")
        fault.update({"operation": operation, "status": status})
    elif kind == "signal":
        assert signal is not None
        name = signal.strip().upper().removeprefix("SIG")
        if name not in FAULT_SIGNALS:
            raise UsageError(f"--signal: must be one of {', '.join(FAULT_SIGNALS)}, got '{signal}'")
        fault["signal"] = name
    return fault


@fault_app.command("clear")
def fault_clear(ctx: typer.Context) -> None:
    """Disarm every fault."""
    from mcctl.cli import render

    _sim(ctx).clear_faults()
    render.note("all simulated faults cleared")


HEALTH_MODES = ("ok", "slow", "degraded", "fail", "down")
SlowLatency = Annotated[
    float | None, typer.Option(metavar="SECONDS", help="Seconds a 'slow' endpoint takes to answer (default 2).")
]


# `sim stamp MODE STAMP` and `sim stamp deploy NAME --region R`: one command (mcctl/cli/commands/sim_stamp.py)
app.command("stamp", help=sim_stamp.HELP)(sim_stamp.stamp_command)
# `sim generate`: an estate file of any size (mcctl/cli/commands/sim_generate.py)
app.command("generate", help=sim_generate.HELP)(sim_generate.generate_command)


def _check_latency(mode: str, latency: float | None) -> None:
    if latency is not None and (mode != "slow" or not math.isfinite(latency) or not 0 < latency <= MAX_LATENCY):
        raise UsageError(f"--latency: only with 'slow', greater than 0 and at most {MAX_LATENCY:g} seconds")


@app.command("dependency")
def dependency_health(
    ctx: typer.Context,
    mode: Annotated[str, typer.Argument(help="ok | slow | degraded | fail | down")],
    name: Annotated[
        str,
        typer.Argument(help="Shared dependency (estate file health.dependencies, or one a simulated provider plays)."),
    ],
    latency: SlowLatency = None,
) -> None:
    """Take a shared dependency's health endpoint down (or make it slow or failing), or bring it back.

    A dependency with no endpoint that a simulated provider plays (a plugin's, e.g. appconfig) is put
    in MODE by that provider, as it models it (App Configuration: the store's provisioning state).
    """
    from mcctl.cli import render
    from mcctl.sim.providers.health import set_fault

    runtime: Runtime = ctx.obj
    if mode not in HEALTH_MODES:
        raise UsageError(f"MODE: must be one of {', '.join(HEALTH_MODES)}, got '{mode}'")
    deps = {d.name: d for d in runtime.estate.health.dependencies}
    dep = deps.get(name)
    if dep is None:
        _played_dependency(_sim(ctx), name, mode, latency, known=list(deps))
        return
    if dep.health_url is None:
        raise UsageError(
            f"NAME: '{name}' is a built-in check, not an endpoint",
            hint="take its primary region down instead: mcctl sim outage start REGION",
        )
    _check_latency(mode, latency)
    set_fault(_sim(ctx), dep.health_url, mode, target=f"dependency {name}", latency=latency, check="Service")
    render.note(f"shared dependency {name}: {mode}")


def _played_dependency(sim: Any, name: str, mode: str, latency: float | None, known: list[str]) -> None:
    """`sim dependency` for a dependency a simulated provider plays (mcctl.sim.app.DependencyProvider)."""
    from mcctl.cli import render

    provider = sim.dependency_provider(name)
    if provider is None:
        played = [n for n in sim.played_dependencies() if n not in known]
        raise UsageError(
            f"NAME: unknown shared dependency '{name}' ({', '.join(known) or 'none declared'})",
            hint=f"simulated providers also play: {', '.join(played)}" if played else None,
        )
    if latency is not None:
        raise UsageError(f"--latency: only for a dependency with a health endpoint, and '{name}' has none")
    try:
        done = provider.set_dependency(sim, name, mode)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    render.note(f"shared dependency {name}: {mode} ({done})")


@app.command("serve")
def serve(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Loopback port (0 = any free port).")] = 8443,
    speed: Annotated[float, typer.Option(help="Simulated seconds per wall-clock second while serving.")] = 60.0,
) -> None:
    """Serve the simulated Azure over loopback HTTPS until Ctrl-C, for mcctl and the Azure CLI: writes
    a served estate file (everything on 127.0.0.1) and prints the `az` sign-in recipe. With
    `-o json`, one JSON line on stdout first (url, ca_bundle, estate_file, speed, az commands)."""
    import json
    import sys

    from mcctl.cli import render
    from mcctl.config.paths import state_dir
    from mcctl.sim import serve_estate
    from mcctl.sim.clock import speed_problem
    from mcctl.sim.server import LoopbackServer, served_elsewhere
    from mcctl.sim.tls import ensure_self_signed

    if not 0 <= port <= 65535:
        raise UsageError("--port: must be between 0 and 65535")
    problem = speed_problem(speed)
    if problem:
        raise UsageError(f"--speed: {problem}")
    runtime: Runtime = ctx.obj
    sim = _sim(ctx)
    held = served_elsewhere(sim)
    if held:
        raise UsageError(held)
    cert, key = ensure_self_signed(state_dir() / "tls")
    try:
        server = LoopbackServer(sim, cert, key, port=port, speed=speed)
    except OSError as exc:
        raise UsageError(f"--port: cannot listen on 127.0.0.1:{port} ({exc.strerror or exc})") from None
    try:
        server.claim_speed()  # before announcing anything a script would take as "ready"
    except ValueError as exc:  # the clock is held at another speed by another server
        raise UsageError(str(exc)) from None
    data = serve_estate.served_estate(
        runtime.source.text, runtime.source.location, server.url, cert, runtime.options.subscription
    )
    path = serve_estate.served_estate_path(state_dir(), runtime.estate.name)
    recipe = serve_estate.ServeRecipe(
        server.url, cert, serve_estate.write_served_estate(path, data), speed, path.parent / "az"
    )
    if runtime.options.output == "json":  # one line, flushed: a script reads it, then uses the server
        sys.stdout.write(json.dumps(recipe.document()) + "\n")
        sys.stdout.flush()
    render.note(f"simulated Azure listening on {server.url} (speed {recipe.speed:g}x the wall clock)")
    render.note(f"CA bundle: {cert}")
    render.note(f"served estate (ARM, sign-in, probes and the lock all on loopback): {path}")
    render.note("the Azure CLI, in a shell of its own:")
    for line in recipe.lines():
        render.note(f"  {line}")
    try:
        server.serve_forever()
    except KeyboardInterrupt as exc:
        render.note("stopped")
        if isinstance(exc, Terminated):
            raise  # SIGTERM/SIGHUP: exit 143/129, as for every command
