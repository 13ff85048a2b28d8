"""The mcctl entry point: global options, command groups, and the one place errors become exit codes."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from mcctl.cli.runtime import OUTPUT_FORMATS, GlobalOptions, Runtime, env_flag
from mcctl.errors import EstateFileError, ExitCode, McctlError


class McctlGroup(TyperGroup):
    """Turns every mcctl error into a one-line message and its documented exit code."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        """Usage errors found while parsing (a bad option value, an unknown option) are one line too."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        from typer._click.exceptions import ClickException

        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except ClickException as exc:
            message = " ".join(exc.format_message().split())
            if message:  # (no arguments at all: the help was shown, nothing to add)
                command = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else "mcctl"
                sys.stderr.write(f"mcctl: error: {message}\n  hint: {command} --help\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("mcctl: aborted\n")
            sys.exit(int(ExitCode.INTERRUPTED))
        sys.exit(result if isinstance(result, int) else 0)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["mcctl.argv"] = list(args)  # before parsing consumes them: the journal records it
        return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except McctlError as exc:
            from mcctl.cli import render

            if _debug(ctx):
                traceback.print_exc()
            details = exc.problems if isinstance(exc, EstateFileError) else ()
            render.error(exc.message, details, exc.hint)
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt:
            sys.stderr.write("mcctl: interrupted\n")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if type(exc).__module__.startswith("typer"):
                raise
            if _debug(ctx):
                traceback.print_exc()
            sys.stderr.write(f"mcctl: internal error: {type(exc).__name__}: {exc} (run with --debug for the trace)\n")
            raise typer.Exit(int(ExitCode.INTERNAL)) from None
        finally:
            runtime = ctx.obj
            if isinstance(runtime, Runtime):
                runtime.close()


def _debug(ctx: Any) -> bool:
    return isinstance(ctx.obj, Runtime) and ctx.obj.options.debug


def _root(
    ctx: typer.Context,
    estate: Annotated[
        str | None,
        typer.Option(
            "--estate", envvar="MCCTL_ESTATE", help="Estate file (else ./mcctl.yaml, then the user config dir)."
        ),
    ] = None,
    sim: Annotated[
        bool,
        typer.Option(
            "--sim", help="Use the embedded simulated Azure (the demo estate unless --estate). Env MCCTL_SIM=1."
        ),
    ] = False,
    subscription: Annotated[
        str | None, typer.Option("--subscription", help="Override the estate's default subscription id.")
    ] = None,
    output: Annotated[
        str, typer.Option("--output", "-o", envvar="MCCTL_OUTPUT", help="table | json | yaml | tsv.")
    ] = "table",
    query: Annotated[str | None, typer.Option("--query", help="JMESPath query applied to the output (as az).")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not prompt for confirmation.")] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Tracebacks and an HTTP log (Authorization redacted).")
    ] = False,
    credential: Annotated[
        str | None,
        typer.Option("--credential", help="default | cli | managed-identity | environment (MCCTL_ACCESS_TOKEN wins)."),
    ] = None,
) -> None:
    """Operate a mission-critical Azure estate: stamps, Front Door, SQL failover, Redis geo-replication."""
    if output not in OUTPUT_FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(OUTPUT_FORMATS)}", param_hint="'--output'")
    if debug:
        ctx.call_on_close(_enable_http_log())
    ctx.obj = Runtime(
        argv=ctx.meta.get("mcctl.argv", []),
        options=GlobalOptions(
            estate=estate,
            sim=sim or env_flag("MCCTL_SIM"),
            subscription=subscription,
            output=output,
            query=query,
            yes=yes,
            debug=debug,
            credential=credential,
        ),
    )


HTTP_LOGGER = "azure.core.pipeline.policies.http_logging_policy"


def _enable_http_log() -> Any:
    """azure-core's HttpLoggingPolicy logs requests and responses with Authorization redacted.
    Returns a function that undoes it (the logger is global; one run must not leak into the next)."""
    import logging

    class CurrentStderr(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            sys.stderr.write(self.format(record) + "\n")

    handler = CurrentStderr()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    logger = logging.getLogger(HTTP_LOGGER)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(level)

    return undo


def create_app() -> typer.Typer:
    from mcctl.cli.commands import frontdoor, health, journal, lock, recovery, redis, scale, sim, sql, stamps

    app = typer.Typer(
        cls=McctlGroup,
        name="mcctl",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    app.add_typer(stamps.app, name="stamps")
    app.add_typer(frontdoor.app, name="frontdoor")
    app.command("health")(health.health)
    app.add_typer(sql.app, name="sql")
    app.command("scale")(scale.scale)
    app.add_typer(journal.app, name="journal")
    app.command("resume")(recovery.resume)
    app.command("rollback")(recovery.rollback)
    app.add_typer(lock.app, name="lock")
    app.add_typer(redis.app, name="redis")
    app.add_typer(sim.app, name="sim")
    return app


def main() -> None:
    create_app()(prog_name="mcctl")
