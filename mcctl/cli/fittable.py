"""Tables for people that fit the terminal: ids and verdicts whole, low-value columns dropped first."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

# -- tables that fit the terminal ----------------------------------------------------------------
# At 80 columns an id or a verdict cut to `heal…` (or folded over two lines) is worse than no column
# at all: a FitTable keeps every cell whole, drops the columns its caller marked low-value (highest
# `drop` first) until the rest fit, and lets only prose columns wrap (at spaces; a long word folds,
# nothing is cut). Every other column is shown on one line at its natural width: when even the
# columns that never drop (the ids and verdicts) do not fit side by side, each row is shown as a
# record (its id, then a `HEADER: value` line per column) rather than an id folded inside its cell.
PROSE_MIN = 16  # a prose column is never squeezed narrower than this (or its header)
GAP = 2  # Rich's padding between two columns (pad_edge off: none at the edges)

_WIDE: ContextVar[bool] = ContextVar("mcctl_wide_tables", default=False)


@contextmanager
def wide_tables() -> Iterator[None]:
    """`-o wide`: every FitTable rendered inside shows all its columns, at their natural widths."""
    token = _WIDE.set(True)
    try:
        yield
    finally:
        _WIDE.reset(token)


@dataclass(frozen=True)
class Col:
    header: str
    drop: int = 0  # 0: always shown; else dropped when the console is narrow, the highest first
    justify: Literal["left", "right"] = "left"
    prose: bool = False  # free text (a summary, a detail): wraps into the width the others leave
    least: int = PROSE_MIN  # a prose column's narrowest (columns drop before it gets narrower)


class FitTable:
    """A table for people that fits the console without truncating a value (see above)."""

    def __init__(self, *columns: Col) -> None:
        self.columns = columns
        self.rows: list[list[Any]] = []

    def add_row(self, *cells: Any) -> None:
        """Cells: a markup string (escape data with `_e`) or a `Text`."""
        from rich.text import Text

        self.rows.append([c if isinstance(c, Text) else Text.from_markup(str(c)) for c in cells])

    def _natural(self) -> list[int]:
        return [
            max([len(col.header), *(_cell_width(row[i]) for row in self.rows)]) for i, col in enumerate(self.columns)
        ]

    def _least(self, natural: list[int]) -> list[int]:
        return [
            min(n, max(len(c.header), c.least)) if c.prose else n for c, n in zip(self.columns, natural, strict=True)
        ]

    def shown(self, width: int) -> list[int]:
        """Indexes of the columns kept at `width` (all of them under `-o wide`)."""
        keep = list(range(len(self.columns)))
        if _WIDE.get():
            return keep
        least = self._least(self._natural())
        droppable = sorted((i for i in keep if self.columns[i].drop), key=lambda i: (-self.columns[i].drop, -i))
        for index in droppable:
            if _total([least[i] for i in keep]) <= width:
                break
            keep.remove(index)
        return keep

    def widths(self, keep: list[int], width: int) -> list[int] | None:
        """Each kept column's width, prose sharing what the others leave; None: no fit even so."""
        natural, least = self._natural(), self._least(self._natural())
        if _WIDE.get() or _total([natural[i] for i in keep]) <= width:
            return [natural[i] for i in keep]
        if _total([least[i] for i in keep]) > width:
            return None
        prose = [i for i in keep if self.columns[i].prose]
        spare = width - _total([least[i] for i in keep])
        want = sum(natural[i] - least[i] for i in prose) or 1
        out = {i: least[i] for i in keep}
        for i in prose:  # proportional to how much each would like; the rounding rest goes to the last
            out[i] += min(natural[i] - least[i], spare * (natural[i] - least[i]) // want)
        if prose:
            out[prose[-1]] += max(0, width - _total(list(out.values())))
            out[prose[-1]] = min(out[prose[-1]], natural[prose[-1]])
        return [out[i] for i in keep]

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from rich.table import Table

        keep = self.shown(options.max_width)
        widths = self.widths(keep, options.max_width)
        if widths is None:  # not even the columns that never drop fit side by side
            yield from self._records(keep)
            return
        table = Table(box=None, header_style="bold", pad_edge=False)
        for position, index in enumerate(keep):
            col = self.columns[index]
            # prose wraps at spaces (a long word folds); any other value stays whole on its line
            table.add_column(
                col.header,
                justify=col.justify,
                overflow="fold",
                no_wrap=not col.prose,
                width=widths[position],
            )
        for row in self.rows:
            table.add_row(*(row[i] for i in keep))
        yield table

    def _records(self, keep: list[int]) -> Any:
        """Each row as a record: its first cell (the id) on a line of its own, then one line per other
        column, `HEADER: value`, indented — every value whole on its line (only a single value longer
        than the whole line folds: nothing is ever cut)."""
        from rich.text import Text

        for row in self.rows:
            yield row[keep[0]]
            for index in keep[1:]:
                yield hanging(Text(f"  {self.columns[index].header}: ", style="bold"), row[index])

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        natural = self._natural()
        keep = self.shown(options.max_width)
        return Measurement(
            min(_total([self._least(natural)[i] for i in keep]), options.max_width),
            _total([natural[i] for i in keep]),
        )


def hanging(prefix: Any, body: Any) -> Any:
    """`prefix` (a bullet, a label) then `body` on one line; when `body` wraps, its further lines are
    indented under its first character, never back at column 0. Strings are Rich markup (escape data)."""
    from rich.table import Table
    from rich.text import Text

    def text(value: Any) -> Any:
        return value if isinstance(value, Text) else Text.from_markup(str(value))

    if not (prefix.plain if isinstance(prefix, Text) else str(prefix)):
        return text(body)
    grid = Table.grid()
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")  # wraps between words; only a word longer than the line folds
    grid.add_row(text(prefix), text(body))
    return grid


def _total(widths: list[int]) -> int:
    return sum(widths) + GAP * max(0, len(widths) - 1)


def _cell_width(text: Any) -> int:
    return max((line.cell_len for line in text.split("\n")), default=0)
