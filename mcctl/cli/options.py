"""Options shared by several commands (Annotated, so signatures stay readable).

`-o/--output` and `--query` exist both on the root and on every data command, so they work
wherever an operator types them (`mcctl -o json stamps list` and `mcctl stamps list -o json`), as in az.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mcctl.cli import completion

MAX_DURATION_SECONDS = 24 * 3600  # no wait mcctl does is longer: a longer value is a typo


def _checked_query(value: str | None) -> str | None:
    """Refuse a bad --query while the command's options are parsed, before any Azure call or change
    (a command's own options are parsed inside the root's invoke, where mcctl errors are reported)."""
    from mcctl.cli.render import check_query

    check_query(value)
    return value


RegionFilter = Annotated[
    str | None,
    typer.Option("--region", "-r", autocompletion=completion.complete_region, help="Only stamps in this region."),
]
Output = Annotated[
    str | None,
    typer.Option(
        "--output", "-o", autocompletion=completion.complete_output, help="table | wide | json | yaml | tsv | none."
    ),
]
Query = Annotated[
    str | None,
    typer.Option("--query", callback=_checked_query, help="JMESPath query applied to the output (as az)."),
]


def duration_text(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


def parse_duration(text: str | float, maximum: float = MAX_DURATION_SECONDS) -> float:
    """Seconds from '600', '90s', '10m', '1h' or '1h30m': finite, greater than 0, at most `maximum`."""
    import math
    import re

    if isinstance(text, int | float):
        seconds = float(text)
    else:
        value = text.strip().lower()
        parts = re.fullmatch(r"(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?", value)
        if len(value) > 32:  # (also keeps int() away from thousands of digits)
            parts = None
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", value) and len(value) <= 32:
            seconds = float(value)
        elif value and parts and any(parts.groups()):
            hours, minutes, secs = (int(g or 0) for g in parts.groups())
            seconds = float(hours * 3600 + minutes * 60 + secs)
        else:
            raise typer.BadParameter(f"'{text}' is not a duration (e.g. 600, 90s, 10m, 1h30m)")
    if not math.isfinite(seconds) or seconds <= 0:
        raise typer.BadParameter(f"must be greater than 0, got '{text}'")
    if seconds > maximum:
        raise typer.BadParameter(f"must be at most {duration_text(maximum)}, got '{text}'")
    return seconds


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
