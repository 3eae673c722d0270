"""Free-text redaction: detected spans and the row's own known personal values → typed placeholders.

Known values close the detectors' main gap: a respondent who writes their own name without a
title ("สมชาย ใจดี แจ้งว่า…") is still found, because the same row's dropped name column says
who they are. Only that row's values are used: looking for every person's name in every cell
would be quadratic and would redact common words that happen to be someone's surname.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow.compute as pc

from dgti_data.anonymise.columns import Column, arrow_strings, object_array
from dgti_data.anonymise.detectors import (
    PLACEHOLDERS,
    Span,
    detect,
    detect_values,
    digits_only,
    python_spaces,
    re2_spaces,
    resolve,
    strip_title,
)

MIN_NAME_CHARS = 4  # shorter forms ("นก") are too likely to be ordinary words
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class KnownValue:
    """A personal value from a dropped or pseudonymised column of the same row, in searchable forms."""

    kind: str
    texts: tuple[str, ...] = ()
    digits: tuple[str, ...] = ()


def known_value(kind: str, value: str | None) -> KnownValue | None:
    if value is None or not value.strip():
        return None
    if kind in ("phone", "national_id"):
        digits = digits_only(value)
        if len(digits) < 9:
            return None
        forms = {digits}
        if kind == "phone" and digits.startswith("66") and len(digits) in (10, 11):
            forms.add("0" + digits[2:])
        elif kind == "phone" and digits.startswith("0"):
            forms.add("66" + digits[1:])
        return KnownValue(kind, (), tuple(sorted(forms)))
    text = _WS.sub(" ", value).strip()
    forms_t = {text}
    if kind == "name":
        forms_t.add(strip_title(text))
    forms_t = {f for f in forms_t if len(f) >= MIN_NAME_CHARS}
    return KnownValue(kind, tuple(sorted(forms_t, key=len, reverse=True)), ()) if forms_t else None


def known_digits(known: Iterable[KnownValue]) -> dict[str, str]:
    return {d: kv.kind for kv in known for d in kv.digits}



def find_known(text: str, known: Iterable[KnownValue]) -> list[Span]:
    """Occurrences of the row's known text values (case-insensitive, any run of spaces)."""
    folded: str | None = None
    spans = []
    for kv in known:
        for form in kv.texts:
            if folded is None:
                folded = fold_text(text)
            if form.casefold() not in folded:  # the usual case: nothing to search
                continue
            spans.extend(Span(start, end, kv.kind) for start, end in _form_spans(form, text))
    return spans


def fold_text(text: str) -> str:
    """What known values are compared with: spaces collapsed, case folded."""
    return _WS.sub(" ", text).casefold()


@lru_cache(maxsize=1024)
def _form_regex(form: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(re.escape(part) for part in form.split(" ")), re.IGNORECASE)


@lru_cache(maxsize=65536)
def _same_char(c: str, ch: str) -> bool:
    """Does pattern character ``c`` match ``ch`` under ``re.IGNORECASE``? Asked of ``re`` itself."""
    return c == ch or re.fullmatch(re.escape(c), ch, re.IGNORECASE) is not None


def _form_spans(form: str, text: str) -> Iterator[tuple[int, int]]:
    """The matches of ``form``'s regex (its words joined by ``\\s+``, ignoring case) in ``text``.

    Compiling a regex per value costs ~100 µs, and contact values are mostly distinct per row: for
    forms as ``known_value`` makes them (single spaces, no other whitespace) the same leftmost,
    non-overlapping matches are found character by character, each character compared as
    ``re.IGNORECASE`` compares it. Other forms use the regex."""
    parts = form.split(" ")
    if not all(parts) or any(ch.isspace() for part in parts for ch in part):
        yield from ((m.start(), m.end()) for m in _form_regex(form).finditer(text))
        return
    first = parts[0][0]
    starts = [ch for ch in set(text) if _same_char(first, ch)]
    pos = 0
    while starts:
        found = [k for k in (text.find(ch, pos) for ch in starts) if k >= 0]
        if not found:
            return
        start = min(found)
        end = _match_at(parts, text, start)
        if end is None:
            pos = start + 1
        else:
            yield start, end
            pos = end


def _match_at(parts: list[str], text: str, pos: int) -> int | None:
    """End of ``part\\s+part…`` matched at ``pos`` (greedy spaces cannot backtrack: no part starts
    with a space), or None."""
    n = len(text)
    for k, part in enumerate(parts):
        if k:
            if pos >= n or not text[pos].isspace():
                return None
            while pos < n and text[pos].isspace():
                pos += 1
        if pos + len(part) > n:
            return None
        for c in part:
            ch = text[pos]
            if ch != c and not _same_char(c, ch):
                return None
            pos += 1
    return pos


def redact_text(text: str, known: Sequence[KnownValue] = ()) -> tuple[str, Counter[str]]:
    """``text`` with personal data replaced by placeholders, and how many of each kind."""
    spans = detect(text, known_digits(known))
    if known:
        spans = resolve([*find_known(text, known), *spans])
    return _replace(text, spans)


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
    """``_WS.sub(" ", v).strip()`` of each value (``known_value``'s text), in C where it can be."""
    arr = arrow_strings(values)
    if arr is None:
        return [None if v is None else _WS.sub(" ", v).strip() for v in values]
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


def redact_column(values: Column, known: KnownTable, detected: dict[str, list[Span]]
                  ) -> tuple[Column, Counter[str], np.ndarray]:
    """``redact_text`` of every cell with its row's known values, the kinds' totals, and the rows
    redacted with their known values.

    Each distinct value is redacted once; only rows whose cell holds one of their own known values
    (``KnownTable.hits``) are redacted row by row. ``detected`` caches ``detect`` per text."""
    found_spans = detect_values(values.values, detected, values.arrow)
    hit = known.hits(values)
    codes = values.codes.copy()
    out: list[str | None] = []
    counts: Counter[str] = Counter()
    plain = np.bincount(values.codes[~hit], minlength=len(values.values)).tolist()
    for v, spans, times in zip(values.values, found_spans, plain, strict=True):
        if v is None or not spans:
            out.append(v)
            continue
        text, kinds = _replace(v, spans)
        out.append(text)
        for kind, m in kinds.items() if times else ():
            counts[kind] += m * times
    for i in np.flatnonzero(hit).tolist():
        text, found = redact_text(values.values[codes[i]], known.row(i))
        codes[i] = len(out)
        out.append(text)
        counts.update(found)
    return Column(codes, out), counts, hit


def _replace(text: str, spans: Sequence[Span]) -> tuple[str, Counter[str]]:
    if not spans:
        return text, Counter()
    parts = []
    last = 0
    for span in spans:
        parts.append(text[last:span.start])
        parts.append(PLACEHOLDERS[span.kind])
        last = span.end
    parts.append(text[last:])
    return "".join(parts), Counter(span.kind for span in spans)
