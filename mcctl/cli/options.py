"""Options shared by several commands (Annotated, so signatures stay readable).

`-o/--output` and `--query` exist both on the root and on every data command, so they work
wherever an operator types them (`mcctl -o json stamps list` and `mcctl stamps list -o json`), as in az.
"""

from __future__ import annotations

from typing import Annotated

import typer

RegionFilter = Annotated[str | None, typer.Option("--region", "-r", help="Only stamps in this region.")]
Output = Annotated[str | None, typer.Option("--output", "-o", help="table | json | yaml | tsv.")]
Query = Annotated[str | None, typer.Option("--query", help="JMESPath query applied to the output (as az).")]


def parse_duration(text: str | float) -> float:
    """Seconds from '600', '90s', '10m', '1h' or '1h30m'."""
    import re

    if isinstance(text, int | float):
        return float(text)
    value = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    parts = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", value)
    if not value or not parts or not any(parts.groups()):
        raise typer.BadParameter(f"'{text}' is not a duration (e.g. 600, 90s, 10m, 1h30m)")
    hours, minutes, seconds = (int(g or 0) for g in parts.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


Yes = Annotated[bool, typer.Option("--yes", "-y", help="Do not prompt (the same as the global --yes).")]
AllowDataLoss = Annotated[
    bool, typer.Option("--allow-data-loss", help="Acknowledge that this can lose data (with --yes: no prompt).")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Print the plan and the safety-rule results; change nothing.")]
Timeout = Annotated[
    float,
    typer.Option(
        "--timeout",
        parser=parse_duration,
        metavar="DURATION",
        show_default="10m",
        help="Give up waiting after this long (exit 6).",
    ),
]
NoWait = Annotated[bool, typer.Option("--no-wait", help="Return once every step is submitted.")]
Override = Annotated[
    list[str] | None,
    typer.Option("--override", metavar="RULE", help="Break-glass: bypass this safety rule (repeatable; journaled)."),
]
Reason = Annotated[str | None, typer.Option("--reason", help="Why the override is needed (required with --override).")]
