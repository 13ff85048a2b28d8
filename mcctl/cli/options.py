"""Options shared by several commands (Annotated, so signatures stay readable)."""

from __future__ import annotations

from typing import Annotated

import typer

RegionFilter = Annotated[str | None, typer.Option("--region", "-r", help="Only stamps in this region.")]
