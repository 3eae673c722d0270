"""Putting a row together from its parts, in schema field order, as CSV text or xlsx cells.

For CSV the pooled parts are joined into text once (each run of adjacent fields one fragment),
and so are their manifest entries; a row is then its few own cells and two fragments put in order
and joined: that is what makes millions of rows per minute possible in plain Python.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

from dgti_data.sample.forms import Cell
from dgti_data.sample.makers import Part, Row
from dgti_data.sample.manifest import personal_entries


def quote(cell: str) -> str:
    """Minimal CSV quoting, as Excel and the csv module write it (cells never hold line breaks)."""
    if "," in cell or '"' in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


@dataclass(frozen=True, slots=True)
class PooledText:
    """A pooled part ready for CSV: its text fragments and its manifest entries."""

    fragments: tuple[str, ...]
    manifest: str  # its personal values' manifest entries, row number still to fill in
    count: int  # how many personal values
    offset: int


class Layout:
    """Which cells come from the row, the entry or the person, in schema order."""

    def __init__(self, names: Sequence[str], row_fields: Sequence[str], person_fields: Sequence[str],
                 empty: Cell) -> None:
        self.names = list(names)
        self.row_fields = tuple(row_fields)
        self.empty = empty
        self._pick = operator.itemgetter(*self.names)
        runs: dict[str, list[list[str]]] = {"e": [], "p": []}
        pieces: list[tuple[str, int]] = []  # (source, index into that source's cells or runs)
        last = ""
        for name in self.names:
            src = "r" if name in row_fields else "p" if name in person_fields else "e"
            if src == "r":
                pieces.append(("r", self.row_fields.index(name)))
            elif src == last:
                runs[src][-1].append(name)
            else:
                pieces.append((src, len(runs[src])))
                runs[src].append([name])
            last = src
        self.entry_runs = runs["e"]
        self.person_runs = runs["p"]
        # A line is row cells + entry fragments + person fragments, reordered and comma-joined.
        base = {"r": 0, "e": len(self.row_fields), "p": len(self.row_fields) + len(self.entry_runs)}
        order = [base[src] + i for src, i in pieces]
        getter = operator.itemgetter(*order)
        self._order = getter if len(order) > 1 else lambda cells: (getter(cells),)

    def pooled(self, part: Part, runs: list[list[str]]) -> PooledText:
        cells = part.cells
        fragments = tuple(",".join([quote(_text(cells.get(n, ""))) for n in run]) for run in runs)
        return PooledText(fragments, personal_entries(part.personal), len(part.personal), part.offset)

    def line(self, row_cells: tuple[str, ...], entry: PooledText, person: PooledText) -> str:
        """The CSV line. Row cells (keys, years, dates) never hold a comma or quote, so they go in
        unquoted; the tests read every line back with the csv module."""
        return ",".join(self._order(row_cells + entry.fragments + person.fragments))

    def merge(self, row_cells: Sequence[Cell], entry: Part, person: Part) -> Row:
        row = dict(entry.cells)
        row.update(person.cells)
        row.update(zip(self.row_fields, row_cells, strict=True))
        return row

    def cells(self, row: Row) -> Sequence[Cell]:
        try:
            return self._pick(row)
        except KeyError:  # a schema field no part fills: left empty
            return [row.get(n, self.empty) for n in self.names]

    @staticmethod
    def csv_line(cells: Sequence[Cell]) -> str:
        return ",".join(quote(_text(c)) for c in cells)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    assert isinstance(cell, str), f"CSV cells are text, got {cell!r}"
    return cell
