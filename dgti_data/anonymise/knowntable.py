"""Known values for a whole column at once: which rows' cells may hold one of their own values.

The per-row search of ``known`` run on every cell would be slow; these classes probe all cells of a
column together (Arrow, by distinct value) and leave the row-by-row search to the few rows that hit.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow.compute as pc

from dgti_data.anonymise.columns import Column, arrow_strings, object_array
from dgti_data.anonymise.detectors import (
    digits_only,
    python_spaces,
    re2_spaces,
)
from dgti_data.anonymise.known import MIN_NAME_CHARS, WHITESPACE, KnownValue, fold_text, known_value


class KnownTable:
    """Each row's known personal values: the raw cells of the personal fields, in policy order.

    A ``KnownValue`` is made only for the rows whose cells need it (``known_value`` costs a title
    parse per name, and contact values are mostly distinct per row)."""

    def __init__(self, kinds: Sequence[str], columns: Sequence[Column],
                 known: Sequence[_KnownColumn] | None = None) -> None:
        self.columns = list(columns)
        self._known = list(known) if known is not None else [
            _KnownColumn.of(kind, col.values) for kind, col in zip(kinds, columns, strict=True)]

    def take(self, rows: np.ndarray) -> KnownTable:
        return KnownTable((), [c.take(rows) for c in self.columns], self._known)

    def row(self, i: int) -> list[KnownValue]:
        """Row ``i``'s values, in field order (as ``anonymise`` collected them cell by cell)."""
        out = []
        for col, known in zip(self.columns, self._known, strict=True):
            kv = known.value(int(col.codes[i]))
            if kv is not None:
                out.append(kv)
        return out

    def hits(self, target: Column, rows: np.ndarray | None = None) -> np.ndarray:
        """Rows whose ``target`` cell contains one of the row's known values: a text form, folded as
        ``find_known`` folds it, or a digit form in the cell's digits. Elsewhere ``find_known`` and
        the known digits find nothing, so the row's result is that of its value alone. ``rows``
        (a mask) limits the search; other rows are False.

        Cheap necessary tests first: the cell has enough digits for the value's probe, or an "@"
        if the probe has one; then the cell holds the probe; then the value's forms are checked."""
        hit = np.zeros(len(target), dtype=bool)
        if not self.columns or not len(target):
            return hit
        where = np.ones(len(target), dtype=bool) if rows is None else rows.copy()
        cells = _CellColumn.of(target, None if rows is None else np.unique(target.codes[where]))
        t_codes = target.codes
        where &= cells.present[t_codes]
        for col, known in zip(self.columns, self._known, strict=True):
            k_codes = col.codes
            maybe = where & (known.length[k_codes] > 0) & ~hit
            if known.digits:
                maybe &= cells.digit_count[t_codes] >= known.length[k_codes]
            else:
                maybe &= ~(known.needs_at[k_codes] & ~cells.has_at[t_codes])
            held = np.zeros(len(target), dtype=bool)
            for plain in (True, False):
                part = np.flatnonzero(maybe & (known.plain[k_codes] == plain))
                if not len(part):
                    continue
                tc = t_codes[part].tolist()
                if known.digits:
                    haystacks = [cells.digits(c) for c in tc]
                elif plain:  # Thai probe: folding changes no Thai character and joins none
                    haystacks = cells.texts[t_codes[part]].tolist()
                else:
                    haystacks = [cells.folded(c) for c in tc]
                found = [p in h for p, h in zip(known.probe[k_codes[part]].tolist(), haystacks, strict=True)]
                held[part[np.array(found, dtype=bool)]] = True
            rows_held = np.flatnonzero(held)
            found = [known.probes(k).found_in(cells.forms(t))
                     for k, t in zip(k_codes[rows_held].tolist(), t_codes[rows_held].tolist(), strict=True)]
            hit[rows_held[np.array(found, dtype=bool)]] = True
        return hit


_THAI_ONLY = re.compile("[\u0e00-\u0e7f]+")
_DIGITS = "[0-9๐-๙]"
_NO_DIGITS = 1 << 40  # more digits than any cell has: the value has no digit form


def _squeezed(values: Sequence[str | None]) -> list[str | None]:
    """``WHITESPACE.sub(" ", v).strip()`` of each value (``known_value``'s text), in C where it can be."""
    arr = arrow_strings(values)
    if arr is None:
        return [None if v is None else WHITESPACE.sub(" ", v).strip() for v in values]
    arr = pc.replace_substring_regex(arr, f"[{re2_spaces()}]+", " ")
    return pc.utf8_trim(arr, python_spaces()).to_pylist()


def _all_digits(values: Sequence[str | None]) -> list[str | None]:
    """``digits_only`` of each value, in C where it can be."""
    arr = arrow_strings(values)
    if arr is None:
        return [None if v is None else digits_only(v) for v in values]
    arr = pc.replace_substring_regex(arr, "[^0-9๐-๙]+", "")
    for thai, ascii_digit in zip("๐๑๒๓๔๕๖๗๘๙", "0123456789", strict=True):
        arr = pc.replace_substring(arr, thai, ascii_digit)
    return arr.to_pylist()


@dataclass
class _KnownColumn:
    """The distinct raw values of one personal field, each with a probe: a folded string that every
    form of its ``KnownValue`` contains (the whole e-mail; a name's last 4 characters, which its
    title-less form ends with too; a phone's digits after 0 or 66), so a cell without the probe
    cannot hold the value. ``KnownValue`` and ``_Probes`` are made on demand."""

    kind: str
    raw: list[str | None]
    probe: np.ndarray
    length: np.ndarray  # len(probe); 0: no known value
    plain: np.ndarray  # the probe is Thai letters and marks only
    needs_at: np.ndarray  # the probe has an "@"
    digits: bool
    _values: dict[int, KnownValue | None] = field(default_factory=dict)
    _probes: dict[int, _Probes] = field(default_factory=dict)

    @classmethod
    def of(cls, kind: str, raw: list[str | None]) -> _KnownColumn:
        probes: list[str | None]
        digits = kind in ("phone", "national_id")
        if digits:
            probes = [None if d is None or len(d) < 9 else _digit_core(kind, d) for d in _all_digits(raw)]
        else:
            probes = [None if t is None or len(t) < MIN_NAME_CHARS else (t[-MIN_NAME_CHARS:] if kind == "name"
                                                                         else t).casefold()
                      for t in _squeezed(raw)]
        length = np.array([len(p) if p else 0 for p in probes], dtype=np.int64)
        plain = np.array([not digits and p is not None and _THAI_ONLY.fullmatch(p) is not None
                          for p in probes], dtype=bool)
        needs_at = np.array([p is not None and "@" in p for p in probes], dtype=bool)
        return cls(kind, raw, object_array(probes), length, plain, needs_at, digits)

    def value(self, code: int) -> KnownValue | None:
        if code not in self._values:
            self._values[code] = known_value(self.kind, self.raw[code])
        return self._values[code]

    def probes(self, code: int) -> _Probes:
        if code not in self._probes:
            self._probes[code] = _Probes.of(self.value(code))
        return self._probes[code]


def _digit_core(kind: str, digits: str) -> str:
    """The digits every digit form of ``known_value(kind, …)`` contains."""
    if kind == "phone" and digits.startswith("66") and len(digits) in (10, 11):
        return digits[2:]
    if kind == "phone" and digits.startswith("0"):
        return digits[1:]
    return digits


@dataclass
class _CellColumn:
    """The distinct cells of a column (or some of them) as the known-value check needs them."""

    texts: np.ndarray  # str, or None where absent or not asked for
    present: np.ndarray
    has_at: np.ndarray
    digit_count: np.ndarray
    _folded: dict[int, str] = field(default_factory=dict)
    _digits: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, column: Column, codes: np.ndarray | None = None) -> _CellColumn:
        """``codes``: the values asked for (default all)."""
        if codes is None:
            texts = [None if v is None else str(v) for v in column.values]
            arr = column.arrow()
        else:
            texts = [None] * len(column.values)
            for c in codes.tolist():
                v = column.values[c]
                texts[c] = None if v is None else str(v)
            arr = arrow_strings(texts)
        if arr is None:
            count: Any = [0 if t is None else len(digits_only(t)) for t in texts]
        else:
            count = pc.count_substring_regex(arr, _DIGITS).fill_null(0).to_numpy(zero_copy_only=False)
        return cls(object_array(texts), np.array([t is not None for t in texts], dtype=bool),
                   np.array([t is not None and "@" in t for t in texts], dtype=bool),
                   np.asarray(count, dtype=np.int64))

    def folded(self, code: int) -> str:
        if code not in self._folded:
            self._folded[code] = fold_text(self.texts[code])
        return self._folded[code]

    def digits(self, code: int) -> str:
        if code not in self._digits:
            self._digits[code] = digits_only(self.texts[code])
        return self._digits[code]

    def forms(self, code: int) -> _CellForms:
        return _CellForms(self.folded(code), self.digits(code))


@dataclass(frozen=True)
class _CellForms:
    folded: str | None
    digits: str


@dataclass(frozen=True)
class _Probes:
    """A known value's forms as searched: folded text forms and digit forms."""

    texts: tuple[str, ...]
    digits: tuple[str, ...]

    @classmethod
    def of(cls, kv: KnownValue | None) -> _Probes:
        if kv is None:
            return cls((), ())
        return cls(tuple(f.casefold() for f in kv.texts), kv.digits)

    def found_in(self, cell: _CellForms) -> bool:
        assert cell.folded is not None
        return any(t in cell.folded for t in self.texts) or any(d in cell.digits for d in self.digits)

