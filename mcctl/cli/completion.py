"""Shell completion: the scripts in completions/ and the values a TAB offers.

`mcctl completion generate --shell bash|zsh|fish|powershell` prints the script (`make completions`
writes all four into completions/). The script calls mcctl back with `_MCCTL_COMPLETE=complete_<shell>`;
typer's completion classes (PowerShell included, which click lacks) answer it, through the subclasses
below, which first give every stamp, region and operation-id parameter its candidates (`attach`).

A TAB must answer at once and work offline: the candidates come from the estate file (parsed by the
config loader, not validated: no pydantic) and the journal (read only), never from ARM or the simulator.
Nothing here prints an error: a broken estate file or journal completes nothing (the command itself,
once run, says what is wrong).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

import typer

# typer's completion module (public, unlike its internals): its classes for the four shells, their
# script templates and click's completion machinery (typer 0.29).
from typer.completion import completion_init, get_completion_script, shell_completion

from mcctl.cli.lazy import LazyCommands

CompletionItem = shell_completion.CompletionItem

PROG = "mcctl"
COMPLETE_VAR = "_MCCTL_COMPLETE"  # what typer derives from the program name; the scripts set it
HELP_WIDTH = 60  # zsh, fish and PowerShell show a candidate's help next to it: one short line


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


# The file each shell's script is kept in (completions/): zsh autoloads `_mcctl` from its fpath.
SCRIPT_FILES: dict[Shell, str] = {
    Shell.bash: "mcctl.bash",
    Shell.zsh: "_mcctl",
    Shell.fish: "mcctl.fish",
    Shell.powershell: "mcctl.ps1",
}


def script(shell: Shell | str) -> str:
    """The completion script of `shell`, as committed in completions/ (ends with a newline)."""
    return get_completion_script(prog_name=PROG, complete_var=COMPLETE_VAR, shell=Shell(shell).value) + "\n"


# -- what the estate file and the journal name -----------------------------------------------------


@dataclass(frozen=True)
class EstateNames:
    """The names an estate file declares, for completion only (the file is not validated)."""

    name: str | None = None
    stamps: dict[str, str] = field(default_factory=dict)  # stamp -> its region
    regions: dict[str, list[str]] = field(default_factory=dict)  # region -> its stamps
    dependencies: list[str] = field(default_factory=list)


def names_of(raw: Mapping[str, Any]) -> EstateNames:
    """The names in a parsed estate file; anything malformed is left out, never an error."""
    from mcctl.domain.regions import normalize_region

    stamps: dict[str, str] = {}
    regions: dict[str, list[str]] = {}

    def region(name: object) -> str | None:
        if not isinstance(name, str) or not name.strip():
            return None
        short = normalize_region(name.strip())
        regions.setdefault(short, [])
        return short

    for entry in _list(raw.get("stamps")):
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            where = region(entry.get("region"))
            stamps[entry["name"].strip()] = where or ""
            if where:
                regions[where].append(entry["name"].strip())
    # The regions that hold no stamp but something a command takes a region for (sql --to, redis).
    for section, key in (("sql", "servers"), ("redis", "members")):
        members = raw.get(section)
        if isinstance(members, Mapping) and isinstance(members.get(key), Mapping):
            for name in members[key]:
                region(name)
    for name in _list(raw.get("regions")):
        region(name)
    health = raw.get("health")
    deps = health.get("dependencies") if isinstance(health, Mapping) else None
    if deps is None and raw.get("sql") is not None:
        deps = {"sql": None}  # the loader's default: every stamp writes to the SQL primary
    dependencies = [d for d in deps if isinstance(d, str)] if isinstance(deps, Mapping) else []
    name = raw.get("name")
    return EstateNames(name if isinstance(name, str) else None, stamps, regions, dependencies)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _located(ctx: Any) -> tuple[Any, bool] | None:
    """The estate source the command being completed would use, and whether it runs on the simulator."""
    from mcctl.cli.runtime import env_flag
    from mcctl.config.loader import locate_estate
    from mcctl.errors import McctlError

    root = ctx.find_root() if ctx is not None else None
    params = root.params if root is not None else {}
    try:
        sim = bool(params.get("sim")) or env_flag("MCCTL_SIM")
        return locate_estate(params.get("estate"), sim=sim), sim
    except McctlError:
        return None


def estate_names(ctx: Any) -> EstateNames:
    """The names of the estate file `--estate`/MCCTL_ESTATE/--sim point at (found as mcctl finds it)."""
    from mcctl.config.yamlparse import parse_estate_yaml
    from mcctl.errors import McctlError

    located = _located(ctx)
    if located is None:
        return EstateNames()
    try:
        return names_of(parse_estate_yaml(located[0].text, located[0].location))
    except McctlError:
        return EstateNames()


DESCRIBED = 200  # operations a TAB describes (command · status); older ones are offered by id alone


def operations(ctx: Any) -> list[tuple[str, str]]:
    """(id, "command · status") of the estate's journaled operations, newest first, then `latest`."""
    from mcctl.ops.journal import Journal

    located = _located(ctx)
    name = estate_names(ctx).name
    if located is None or name is None:
        return []
    try:  # unreadable lines are skipped silently (on_warning=None): a TAB prints nothing but candidates
        journal = Journal.for_estate(name, located[1])
        # Every id from the journal's index; only the newest operations are read to describe them.
        described = {
            op.id: _short(f"{op.header.get('command') or op.kind or ''} · {op.status}")
            for op in journal.latest(DESCRIBED)
        }
        found = [(op_id, described.get(op_id, "")) for op_id in journal.ids()]
    except Exception:  # (a journal damaged in a way reading did not foresee: complete nothing)
        return []
    return [*reversed(found), ("latest", "the newest operation")] if found else []


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= HELP_WIDTH else text[: HELP_WIDTH - 1] + "…"


# -- candidates, as typer's `autocompletion=` callbacks ------------------------------------------


def complete_stamp(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _matching(((s, r) for s, r in estate_names(ctx).stamps.items()), incomplete)


def complete_region(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    regions = estate_names(ctx).regions
    return _matching(((r, _short(", ".join(s)) or "no stamps") for r, s in regions.items()), incomplete)


def complete_operation(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _matching(operations(ctx), incomplete)


def complete_dependency(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    return _matching(((d, "shared dependency") for d in estate_names(ctx).dependencies), incomplete)


def complete_output(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    from mcctl.cli.runtime import OUTPUT_FORMATS

    return _matching(((f, "output format") for f in OUTPUT_FORMATS), incomplete)


def _matching(candidates: Iterable[tuple[str, str]], incomplete: str) -> list[tuple[str, str]]:
    return [(value, help) for value, help in candidates if value.startswith(incomplete)]


Completer = Callable[[typer.Context, str], list[tuple[str, str]]]


# Parameters whose name says nothing of what they take: (command path, parameter name).
BY_PATH: dict[tuple[str, ...], Completer] = {
    ("sim", "dependency", "name"): complete_dependency,
}


def completer_for(param: Any, path: tuple[str, ...] = ()) -> Completer | None:
    """The candidates of a parameter by what it names: the built-in commands' and plugins' alike
    (`--stamp`, a REGION argument, `--to REGION`, `resume OP`), unless it declares its own."""
    name = getattr(param, "name", None)
    if (*path, str(name)) in BY_PATH:
        return BY_PATH[(*path, str(name))]
    if name == "stamp":
        return complete_stamp
    if name in ("region", "primary") or getattr(param, "metavar", None) == "REGION":
        return complete_region
    if name == "op":
        return complete_operation
    if name == "output":
        return complete_output
    return None


class _AsTyped:
    """Value conversion while a shell asks: none. Typer 0.29 converts every parameter through a
    pydantic TypeAdapter (importing pydantic costs more than the rest of a TAB); a completer needs
    only the root's --estate text and --sim flag, and a partly typed command line is never run."""

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        return value


def _as_typed(param: Any) -> Any:
    if hasattr(param, "_runtime_param"):  # (typer's converter, built on first use)
        param._runtime_param = _AsTyped()
    return param


def attach(command: Any, path: tuple[str, ...] = ()) -> None:
    """Give every parameter of `command` and the commands under it its candidates (`completer_for`),
    and no value conversion (`_AsTyped`). Run only when a shell asks: other runs are not touched."""
    for param in getattr(command, "params", ()):
        _as_typed(param)
        completer = completer_for(param, path)
        if completer is not None and getattr(param, "_custom_shell_complete", None) is None:
            param._custom_shell_complete = _items(completer)
    if hasattr(command, "get_help_option"):  # --help is made per context, as parsing starts
        made = command.get_help_option
        command.get_help_option = lambda ctx: _as_typed(made(ctx))
    subcommands = getattr(command, "commands", None) or {}
    if isinstance(subcommands, LazyCommands):  # the root's: each group attached as it is built
        subcommands.visit(lambda name, sub: attach(sub, (*path, name)))
        return
    for name, sub in subcommands.items():
        attach(sub, (*path, name))


def _items(completer: Completer) -> Callable[[Any, Any, str], list[CompletionItem]]:
    def shell_complete(ctx: Any, param: Any, incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(value, help=help) for value, help in completer(ctx, incomplete)]

    return shell_complete


# -- the shells ------------------------------------------------------------------------------------


class _Attaching:
    """Mixed into typer's class of each shell: candidates attached first; the script is `script()`."""

    cli: Any
    name: str

    def get_completions(self, args: list[str], incomplete: str) -> list[CompletionItem]:
        attach(self.cli)
        return super().get_completions(args, incomplete)  # type: ignore[misc]

    def source(self) -> str:  # (typer's bash class would run bash to check its version first)
        return script(self.name).rstrip("\n")


def install_shell_classes() -> None:
    """Answer `_MCCTL_COMPLETE=complete_<shell>` with mcctl's candidates: typer's class of each shell
    with `_Attaching` mixed in (the app is built with add_completion=False, so typer registers none)."""
    completion_init()
    for name in ("bash", "zsh", "fish", "powershell", "pwsh"):
        base = shell_completion.get_completion_class(name)
        if base is not None and not issubclass(base, _Attaching):
            shell_completion.add_completion_class(type(f"Mcctl{base.__name__}", (_Attaching, base), {}), name)


# -- the command -----------------------------------------------------------------------------------

app = typer.Typer(no_args_is_help=True, help="Shell completion scripts (bash, zsh, fish, PowerShell).")


@app.command("generate")
def generate(
    shell: Annotated[Shell, typer.Option("--shell", help="bash | zsh | fish | powershell.", show_default=False)],
) -> None:
    """Print the completion script of a shell (the ones in completions/ are this output).

    Stamps, regions and operation ids complete from the estate file and the journal, never from Azure."""
    typer.echo(script(shell), nl=False)
