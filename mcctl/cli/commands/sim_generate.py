"""`mcctl sim generate --regions N --stamps-per-region M`: an estate file of any size, for practice
and benchmarks at scale (the demo's shape; mcctl/sim/generate.py makes it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mcctl.cli.runtime import Runtime, emit
from mcctl.errors import UsageError

HELP = (
    "Write a generated estate file: the demo's shape (Front Door, SQL failover group, Managed Redis, "
    "lock) with REGIONS x STAMPS-PER-REGION stamps in real Azure regions. Deterministic: the same "
    "options give the same file. Without --output the file goes to stdout. "
    "Use it with: mcctl --sim --estate FILE stamps list"
)
# GenerateError names the function's argument: say the option instead.
OPTION_OF = {"name": "--name", "regions": "--regions", "stamps_per_region": "--stamps-per-region"}


def generate_command(
    ctx: typer.Context,
    regions: Annotated[int, typer.Option("--regions", help="How many regions (1-40).")],
    stamps_per_region: Annotated[int, typer.Option("--stamps-per-region", help="Stamps in each region (1-500).")],
    name: Annotated[str, typer.Option("--name", help="The estate's name (also in its resource names).")] = "generated",
    output: Annotated[
        Path | None, typer.Option("--output", metavar="FILE", help="Write the estate file here (default: stdout).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace FILE if it exists.")] = False,
) -> None:
    import sys

    from mcctl.cli import render
    from mcctl.sim.generate import GenerateError, estate_yaml

    try:
        text = estate_yaml(name, regions, stamps_per_region)
    except GenerateError as exc:
        argument, _, problem = str(exc).partition(": ")
        raise UsageError(f"{OPTION_OF.get(argument, argument)}: {problem}") from None
    if output is None:
        sys.stdout.write(text)
        return
    if output.is_dir():
        raise UsageError(f"--output: {output} is a directory")
    if output.exists() and not force:
        raise UsageError(f"--output: {output} exists", hint="choose another file, or add --force to replace it")
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--output: cannot write {output}: {exc.strerror or exc}") from None
    stamps = regions * stamps_per_region
    runtime: Runtime = ctx.obj
    render.note(f"wrote estate '{name}' ({stamps} stamps in {regions} regions) to {output}")
    emit(runtime, {"estate_file": str(output), "name": name, "regions": regions, "stamps": stamps})
