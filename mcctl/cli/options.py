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
