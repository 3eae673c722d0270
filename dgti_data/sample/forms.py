"""How one output file writes each kind of value: clean, or in the messy forms people type.

A ``Forms`` object owns its own random stream, separate from the one that draws the values, so the
same seed gives the same logical rows whether the file is clean or messy, CSV or xlsx: a
normaliser's output on the messy file can be compared with the clean file.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from typing import Literal

from dgti_data.sample.thai import BE_OFFSET, MONTHS_ABBR, MONTHS_FULL, NBSP, ZERO_WIDTH, thai_digits

Format = Literal["csv-utf8-bom", "csv-cp874", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv-utf8-bom", "csv-cp874", "xlsx")

# What a cell may hold: text for CSV; xlsx also takes numbers and real dates.
Cell = str | int | float | date | None

EXCEL_EPOCH_ORDINAL = date(1899, 12, 30).toordinal()

# Shares of cells written in a messy form (only when messy=True).
TEXT_NOISE = 0.08
PAD_NOISE = 0.04


def excel_serial(d: date) -> int:
    """The day number Excel stores for ``d`` (1900 date system, as Thai exports use)."""
    return d.toordinal() - EXCEL_EPOCH_ORDINAL


def _dmy_pad(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year + BE_OFFSET}"


def _dmy(d: date) -> str:
    return f"{d.day}/{d.month}/{d.year + BE_OFFSET}"


def _abbr(d: date) -> str:
    return f"{d.day} {MONTHS_ABBR[d.month - 1]} {d.year + BE_OFFSET}"


def _full(d: date) -> str:
    return f"{d.day} {MONTHS_FULL[d.month - 1]} {d.year + BE_OFFSET}"


def _thai(d: date) -> str:
    return thai_digits(_dmy_pad(d))


def _iso(d: date) -> str:
    return d.isoformat()


def _serial_text(d: date) -> str:
    return str(excel_serial(d))


def _date_cell(d: date) -> date:
    return d


def _serial_cell(d: date) -> int:
    return excel_serial(d)


def _weighted(forms: list[tuple[Callable[[date], Cell], int]]) -> tuple[tuple, tuple[int, ...]]:
    """The distinct forms, and a 100-slot table of indexes into them by weight."""
    funcs = tuple(f for f, _ in forms)
    table = tuple(i for i, (_, w) in enumerate(forms) for _ in range(w))
    assert len(table) == 100
    return funcs, table


# Date forms by weight (out of 100): Buddhist-Era day/month/year dominates, as in real exports.
_CSV_DATE_FORMS = _weighted([
    (_dmy_pad, 40), (_dmy, 15), (_abbr, 12), (_full, 8), (_thai, 7), (_iso, 10), (_serial_text, 8),
])
_XLSX_DATE_FORMS = _weighted([
    (_date_cell, 35), (_serial_cell, 10), (_dmy_pad, 25), (_dmy, 8), (_abbr, 8), (_full, 5),
    (_thai, 4), (_iso, 3), (_serial_text, 2),
])


class Forms:
    """Renders values for one file format; ``messy`` switches on the forms a normaliser must fix."""

    def __init__(self, rng: random.Random, fmt: Format, messy: bool) -> None:
        self.rng = rng
        self.fmt = fmt
        self.messy = messy
        self.typed = fmt == "xlsx"
        # cp874/TIS-620 cannot encode zero-width characters or NBSP: plain spaces only there.
        self.unicode = fmt != "csv-cp874"
        self.empty: Cell = None if self.typed else ""
        self._date_funcs, self._date_table = _XLSX_DATE_FORMS if self.typed else _CSV_DATE_FORMS
        self._dates: dict[int, tuple[Cell, ...]] = {}  # every form of each day met so far
        self._text_ops = (
            (self._lead, self._trail, self._double, self._zero_width, self._nbsp, self._feff_inside)
            if self.unicode
            else (self._lead, self._trail, self._double)
        )

    # -- text ---------------------------------------------------------------------------------

    def _lead(self, s: str) -> str:
        return " " + s

    def _trail(self, s: str) -> str:
        return s + ("  " if self.rng.random() < 0.3 else " ")

    def _double(self, s: str) -> str:
        return s.replace(" ", "  ", 1) if " " in s else " " + s + " "

    def _zero_width(self, s: str) -> str:
        i = int(self.rng.random() * (len(s) + 1))
        return s[:i] + ZERO_WIDTH[int(self.rng.random() * 3)] + s[i:]

    def _nbsp(self, s: str) -> str:
        return s.replace(" ", NBSP, 1) if " " in s else s + NBSP

    def _feff_inside(self, s: str) -> str:
        i = 1 + int(self.rng.random() * max(1, len(s) - 1))
        return s[:i] + "\ufeff" + s[i:]

    def text(self, s: str) -> str:
        """Text with, now and then, stray spaces or invisible characters a normaliser removes."""
        if not self.messy:
            return s
        r = self.rng.random()
        if r >= TEXT_NOISE:
            return s
        ops = self._text_ops
        return ops[int(r / TEXT_NOISE * len(ops))](s)

    def pad(self, s: str) -> str:
        """Only stray spaces around the value: for IDs and personal data that must stay findable."""
        if not self.messy:
            return s
        r = self.rng.random()
        if r >= PAD_NOISE:
            return s
        return " " + s if r < PAD_NOISE / 2 else s + " "

    def header(self, s: str) -> str:
        if not self.messy:
            return s
        r = self.rng.random()
        if r < 0.05:
            return s + " "
        if r < 0.08:
            return " " + s
        return s

    # -- digits -------------------------------------------------------------------------------

    def code(self, s: str) -> Cell:
        """A digit code (LAO, province): sometimes Thai digits, spaces, or a number cell in xlsx."""
        if not self.messy:
            return s
        r = self.rng.random()
        if r < 0.06:
            return thai_digits(s)
        if r < 0.09:
            return " " + s if r < 0.075 else s + " "
        if r < 0.10 and self.unicode:
            return s + ZERO_WIDTH[int(self.rng.random() * 3)]
        if self.typed and r < 0.14:
            return int(s)
        return s

    def year(self, y: int) -> Cell:
        if not self.messy:
            return y if self.typed else str(y)
        r = self.rng.random()
        if r < 0.05:
            return thai_digits(str(y))
        if r < 0.07:
            return f" {y}"
        if self.typed:
            return str(y) if r < 0.15 else y
        return str(y)

    def integer(self, n: int) -> Cell:
        if not self.messy:
            return n if self.typed else str(n)
        r = self.rng.random()
        if r < 0.04:
            return thai_digits(f"{n:,}" if r < 0.02 else str(n))
        if r < 0.06:
            return f" {n} "
        if self.typed:
            return f"{n:,}" if r < 0.12 else n
        return f"{n:,}" if r < 0.40 else str(n)

    def number(self, x: float) -> Cell:
        """An amount with at most two decimals."""
        plain = str(int(x)) if x == int(x) else f"{x:.2f}"
        if not self.messy:
            return x if self.typed else plain
        r = self.rng.random()
        if r < 0.04:
            return thai_digits(f"{x:,.2f}")
        if r < 0.06:
            return f" {plain}"
        if self.typed:
            return f"{x:,.2f}" if r < 0.14 else x
        if r < 0.40:
            return f"{x:,.2f}"
        if r < 0.55:
            return f"{x:.2f}"
        return plain

    # -- other --------------------------------------------------------------------------------

    def date(self, day: int) -> Cell:
        """A date given as its ordinal (``date.toordinal``), in one of the typed forms."""
        if not self.messy:
            d = date.fromordinal(day)
            return d if self.typed else d.isoformat()
        forms = self._dates.get(day)
        if forms is None:
            d = date.fromordinal(day)
            forms = self._dates[day] = tuple(f(d) for f in self._date_funcs)
        return forms[self._date_table[int(self.rng.random() * 100)]]

    def boolean(self, b: bool) -> str:
        if not self.messy:
            return "มี" if b else "ไม่มี"
        r = self.rng.random()
        if r < 0.25:
            return "ใช่" if b else "ไม่ใช่"
        return self.text("มี" if b else "ไม่มี")

    def missing(self) -> Cell:
        """An optional value left out: empty, or a dash in messy files."""
        if self.messy and self.rng.random() < 0.3:
            return "-"
        return self.empty
