"""`mcctl lock status|acquire|release|break`: the estate-wide operator lease."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcctl.cli.options import Output, Query, Yes
from mcctl.cli.runtime import Runtime, emit, output_overrides
from mcctl.errors import ExitCode, UsageError

if TYPE_CHECKING:
    from mcctl.ops.lease import LockStatus, OperatorLease

app = typer.Typer(
    no_args_is_help=True, help="The operator lease: who is changing the estate, and breaking a stale lock."
)

ReasonRequired = Annotated[str, typer.Option("--reason", help="Why (required; journaled).")]


def _open(runtime: Runtime) -> OperatorLease:
    from mcctl.cli import render
    from mcctl.ops.lease import LOCAL_LOCK_WARNING, open_lease

    lease = open_lease(runtime.session, runtime.estate)
    if not lease.shared:
        render.warn(LOCAL_LOCK_WARNING)
    return lease


def _journal_event(runtime: Runtime, kind: str, lease: OperatorLease, **fields: Any) -> None:
    from mcctl.ops.journal import Journal

    journal = Journal.for_estate(runtime.estate.name, runtime.options.sim)
    journal.event(kind, actor=runtime.session.identity(), lock=lease.kind, location=lease.location, **fields)


MAX_REASON_CHARS = 500  # it travels in the lease blob's metadata, which Azure caps at 8 KiB in all


def _reason(reason: str) -> str:
    if not reason.strip():
        raise UsageError("--reason: must not be empty (it is journaled)")
    if len(reason.strip()) > MAX_REASON_CHARS:
        raise UsageError(f"--reason: must be at most {MAX_REASON_CHARS} characters, got {len(reason.strip())}")
    return reason.strip()


def _table(data: dict[str, Any]) -> Any:
    from mcctl.cli.tables import detail_table

    shown = {k: v for k, v in data.items() if v is not None}
    if data.get("actor") and data.get("expires_at") is None:
        shown["expires_at"] = "never (held until released)"
    return detail_table(shown)


def _who(status: LockStatus) -> str:
    holder = status.holder
    if holder is None:
        return "an unknown holder"
    doing = f", operation {holder.operation}" if holder.operation else ""
    return f"{holder.actor} (pid {holder.pid} on {holder.host}{doing}, since {holder.acquired_at})"


@app.command("status")
def status(ctx: typer.Context, output: Output = None, query: Query = None) -> None:
    """Who holds the lease: kind, location, state, holder (actor, host, pid, operation, command), expiry."""
    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    emit(runtime, _open(runtime).status().to_dict(), table=_table)


@app.command("acquire")
def acquire(ctx: typer.Context, reason: ReasonRequired, output: Output = None, query: Query = None) -> None:
    """Hold the lease with no expiry for a manual maintenance window, until `mcctl lock release`."""
    from mcctl.cli import render
    from mcctl.cli.mutate import command_line
    from mcctl.ops.lease import make_holder, remember_hold

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    why = _reason(reason)
    lease = _open(runtime)
    lease.acquire(make_holder(runtime.session, f"maintenance: {why}", command_line(runtime)), indefinite=True)
    remember_hold(lease, why)
    _journal_event(runtime, "lock-acquire", lease, reason=why)
    render.note("lease held until `mcctl lock release`; mcctl operations you run on this machine may proceed")
    emit(runtime, lease.status().to_dict(), table=_table)


@app.command("release")
def release(ctx: typer.Context, output: Output = None, query: Query = None) -> None:
    """Release the lease that `mcctl lock acquire` took on this machine."""
    from mcctl.cli import render
    from mcctl.ops.lease import forget_hold, saved_hold

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query)
    lease = _open(runtime)
    hold = saved_hold(lease)
    if hold is None:
        raise UsageError(
            f"no lease taken with `mcctl lock acquire` on this machine for estate '{runtime.estate.name}'",
            hint="to end someone else's lease: mcctl lock break --reason TEXT",
        )
    lease.attach(str(hold["lease_id"]))
    released = lease.release()
    forget_hold(lease)
    _journal_event(runtime, "lock-release", lease, released=released)
    now = lease.status()
    if released:
        render.note("lease released")
    elif now.held:
        # Broken and taken again, or a damaged hold record: either way it is not ours to release.
        render.warn(
            f"the lease is held by {_who(now)}, not by the hold recorded on this machine; nothing released "
            "(to end it: mcctl lock break --reason TEXT)"
        )
    else:
        render.warn("the lease was no longer yours (broken or released elsewhere); nothing released")
    emit(runtime, now.to_dict(), table=_table)


@app.command("break")
def break_lock(
    ctx: typer.Context, reason: ReasonRequired, yes: Yes = False, output: Output = None, query: Query = None
) -> None:
    """Break whoever holds the lease (their operation may still be running!). Journaled with the reason."""
    from mcctl.cli import mutate, render

    runtime: Runtime = ctx.obj
    output_overrides(runtime, output, query, yes)
    why = _reason(reason)
    lease = _open(runtime)
    current = lease.status()
    if not current.held:
        render.note(f"the lease is not held ({current.state}): nothing to break")
        emit(runtime, current.to_dict(), table=_table)
        return
    _confirm_break(runtime, current, mutate.is_interactive())
    before = lease.break_lock()
    previous_holder = before.holder.actor if before.holder else None
    _journal_event(runtime, "lock-break", lease, reason=why, previous_holder=previous_holder, previous=before.to_dict())
    render.note(f"lease broken (was held by {_who(before)}); journaled")
    emit(runtime, before.to_dict(), table=_table)


def _confirm_break(runtime: Runtime, status: LockStatus, interactive: bool) -> None:
    if runtime.options.yes:
        return
    if not interactive:
        raise UsageError("refusing to break the lock without confirmation: input is not a terminal; pass --yes")
    if not typer.confirm(f"Break the lease held by {_who(status)}?", default=False, err=True):
        typer.echo("mcctl: cancelled; the lease is unchanged", err=True)
        raise typer.Exit(int(ExitCode.INTERRUPTED))
