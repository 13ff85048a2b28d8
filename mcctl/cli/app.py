"""The mcctl CLI: global options, command groups, and the one place errors become exit codes.

`mcctl.cli.main` is the entry point; it imports this module (typer, Rich) only for a run that needs it."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mcctl.cli import examples, signals
from mcctl.cli.lazy import LazyCommands, Pending, build
from mcctl.cli.runtime import OUTPUT_FORMATS, GlobalOptions, Runtime, env_flag
from mcctl.cli.typer_compat import ClickException, TyperGroup, load_rich_help, polish_options
from mcctl.errors import EstateFileError, ExitCode, McctlError, Terminated

if TYPE_CHECKING:
    from mcctl.ops.registry import Command

HELP_OPTIONS = ("-h", "--help")


class McctlGroup(TyperGroup):
    """Turns every mcctl error into a one-line message and its documented exit code.

    Its commands are the registry's (`entries`, set by `create_app`), each built on first use
    (`mcctl.cli.lazy`): a run builds the one group it runs, `--help` none."""

    entries: tuple[Command, ...] = ()  # the registry's commands, in registration order

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ready = dict(self.commands)
        self.commands: LazyCommands = LazyCommands(self._build)
        self.commands.update(ready)
        for entry in self.entries:
            self.commands[entry.name] = Pending(entry)
        examples.apply(self, recursive=False)
        polish_options(self, recursive=False)
        # Every command, plugins' too, gets its Examples and mcctl's option display when built.
        self.commands.visit(lambda name, command: _finish(command, f"mcctl {name}"))

    def _build(self, name: str) -> Any:
        entry = next(e for e in self.entries if e.name == name)
        return build(entry, self.rich_markup_mode)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # (typer's reads every value: each would be built)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command or its stand-in: listing the root's commands builds none of them."""
        return self.commands.peek(cmd_name)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """The command a command line (or a TAB) runs: built now."""
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, Pending):
            command = self.commands[name]
        return name, command, rest

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Usage errors found while parsing (a bad option value, an unknown option) are one line too."""
        if not standalone_mode:
            return super().main(
                args, prog_name, complete_var, standalone_mode=False, windows_expand_args=windows_expand_args, **extra
            )
        signals.forget()
        try:
            result = super().main(
                args, prog_name, complete_var, standalone_mode=False, windows_expand_args=windows_expand_args, **extra
            )
        except ClickException as exc:
            message = " ".join(exc.format_message().split())
            if message:  # (no arguments at all: the help was shown, nothing to add)
                ctx = getattr(exc, "ctx", None)  # UsageError and its kind carry one; other ClickExceptions not
                command = ctx.command_path if ctx is not None else "mcctl"
                sys.stderr.write(f"mcctl: error: {message}\n  hint: {command} --help\n")
            sys.exit(exc.exit_code)
        except typer.Abort:
            sys.stderr.write("mcctl: aborted\n")
            sys.exit(int(ExitCode.INTERRUPTED))
        code = result if isinstance(result, int) else 0
        signum = signals.last_raised()
        if code == ExitCode.INTERRUPTED and signum is not None:
            # Terminated outside a command (while parsing or closing): typer reported it as Ctrl-C.
            code = _report_terminated(Terminated(signum))
        sys.exit(code)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta["mcctl.argv"] = list(args)  # before parsing consumes them: the journal records it
        if self._shows_help(args):
            load_rich_help()  # before typer imports it its own (heavier) way
        return super().parse_args(ctx, args)

    def _shows_help(self, args: list[str]) -> bool:
        """`--help` anywhere, no arguments, or a group's name alone (its help is shown)."""
        if not args or any(arg in HELP_OPTIONS for arg in args):
            return True
        return len(args) == 1 and any(entry.name == args[0] and entry.group for entry in self.entries)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except McctlError as exc:
            from mcctl.cli import render

            if _debug(ctx):
                traceback.print_exc()
            # an estate file's or a drill plan's problems, one line each (each names its field)
            details = exc.problems if isinstance(exc, EstateFileError) else getattr(exc, "problems", ())
            if not isinstance(exc, EstateFileError) and len(details) == 1:
                details = ()  # (a drill plan's one problem is the message itself)
            render.error(exc.message, details, exc.hint)
            raise typer.Exit(int(exc.exit_code)) from None
        except Terminated as exc:
            raise typer.Exit(_report_terminated(exc)) from None
        except KeyboardInterrupt:
            sys.stderr.write("mcctl: interrupted\n")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except BrokenPipeError:
            # The reader went away (`mcctl ... | head`): stop quietly, as a process killed by SIGPIPE.
            _silence_stdout()
            raise typer.Exit(BROKEN_PIPE) from None
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


def _finish(command: Any, path: str) -> None:
    examples.apply(command, path)
    polish_options(command)


BROKEN_PIPE = 128 + 13  # what a shell reports for a process killed by SIGPIPE


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail a second time."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # no real file descriptor (captured output): nothing will be flushed to a closed pipe


def _report_terminated(exc: Terminated) -> int:
    sys.stderr.write(f"mcctl: terminated by {exc.signal_name} (handled like Ctrl-C)\n")
    return exc.exit_code


def _debug(ctx: Any) -> bool:
    return isinstance(ctx.obj, Runtime) and ctx.obj.options.debug


def _print_version(value: bool) -> None:
    if value:
        from mcctl import __version__

        sys.stdout.write(f"mcctl {__version__}\n")
        raise typer.Exit(0)


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
        str | None,
        typer.Option(
            "--subscription",
            help="Subscription id (GUID) for every resource whose estate-file entry names none of its own.",
        ),
    ] = None,
    output: Annotated[
        str,
        typer.Option("--output", "-o", envvar="MCCTL_OUTPUT", help="table | wide | json | yaml | tsv | none."),
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
    version: Annotated[
        bool,
        typer.Option("--version", is_eager=True, callback=_print_version, help="Print mcctl's version and exit."),
    ] = False,
) -> None:
    """Operate a mission-critical Azure estate: stamps, Front Door, SQL failover, Redis geo-replication."""
    if output not in OUTPUT_FORMATS:
        raise typer.BadParameter(f"must be one of {', '.join(OUTPUT_FORMATS)}", param_hint="'--output'")
    _check_global_values(subscription, credential, query)
    from mcctl.cli.sdklog import sdk_logging

    ctx.call_on_close(sdk_logging(debug))
    ctx.obj = Runtime(
        argv=ctx.meta.get("mcctl.argv", []),
        options=GlobalOptions(
            estate=estate,
            sim=env_flag("MCCTL_SIM") or sim,  # read even with --sim: a bad value is refused either way
            subscription=subscription,
            output=output,
            query=query,
            yes=yes,
            debug=debug,
            credential=credential,
        ),
    )


def _check_global_values(subscription: str | None, credential: str | None, query: str | None) -> None:
    """Refused here, before any command runs: a value that only some commands would look at must
    not be silently accepted by the others (`--credential bogus` with MCCTL_ACCESS_TOKEN set)."""
    from mcctl.adapters.clients import CREDENTIAL_KINDS

    if credential is not None and credential not in CREDENTIAL_KINDS:
        raise typer.BadParameter(
            f"must be one of {', '.join(CREDENTIAL_KINDS)}, got '{credential}'", param_hint="'--credential'"
        )
    if query is not None:  # a mutating command must not change the estate, then fail to print
        from mcctl.cli.render import query_problem

        problem = query_problem(query)
        if problem:
            raise typer.BadParameter(problem, param_hint="'--query'")
    if subscription is not None:
        from mcctl.config.schema import ZERO_GUID, is_subscription_id

        if not is_subscription_id(subscription):
            raise typer.BadParameter(
                f"not a subscription id (expected a GUID like {ZERO_GUID}), got '{subscription}'",
                param_hint="'--subscription'",
            )


def create_app() -> typer.Typer:
    from mcctl.plugins import commands

    # Every command group comes from a plugin (the built-in ones: mcctl.cli.plugin), in load order;
    # the root group builds each on first use.
    root = type("McctlGroup", (McctlGroup,), {"entries": tuple(commands().commands.values())})
    app = typer.Typer(
        cls=root,
        name="mcctl",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": list(HELP_OPTIONS)},
    )
    app.callback()(_root)
    return app


def main() -> None:
    signals.install()
    create_app()(prog_name="mcctl")
