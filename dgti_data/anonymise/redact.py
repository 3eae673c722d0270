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
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dgti_data.anonymise.columns import Column, object_array
from dgti_data.anonymise.detectors import (
    PLACEHOLDERS,
    Span,
    detect,
    detect_each,
    digits_only,
    resolve,
    strip_title,
)

MIN_NAME_CHARS = 4  # shorter forms ("นก") are too likely to be ordinary words


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
    text = re.sub(r"\s+", " ", value).strip()
    forms_t = {text}
    if kind == "name":
        forms_t.add(strip_title(text))
    forms_t = {f for f in forms_t if len(f) >= MIN_NAME_CHARS}
    return KnownValue(kind, tuple(sorted(forms_t, key=len, reverse=True)), ()) if forms_t else None


def known_digits(known: Iterable[KnownValue]) -> dict[str, str]:
    return {d: kv.kind for kv in known for d in kv.digits}


_WS = re.compile(r"\s+")


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
    """Each row's known personal values: one column of ``KnownValue | None`` per personal field."""

    def __init__(self, columns: Sequence[Column], probes: Sequence[_ProbeColumn] | None = None) -> None:
        self.columns = list(columns)
        self._probes = list(probes) if probes is not None else [_ProbeColumn.of(c.values) for c in columns]

    def take(self, rows: np.ndarray) -> KnownTable:
        return KnownTable([c.take(rows) for c in self.columns], self._probes)

    def row(self, i: int) -> list[KnownValue]:
        """Row ``i``'s values, in field order (as ``anonymise`` collected them cell by cell)."""
        out = []
        for col in self.columns:
            kv = col.values[col.codes[i]]
            if kv is not None:
                out.append(kv)
        return out

    def hits(self, target: Column) -> np.ndarray:
        """Rows whose ``target`` cell contains one of the row's known values: a text form, folded as
        ``find_known`` folds it, or a digit form in the cell's digits. Elsewhere ``find_known`` and
        the known digits find nothing, so the row's result is that of its value alone."""
        hit = np.zeros(len(target), dtype=bool)
        if not self.columns:
            return hit
        cells = [_CellForms.of(v) for v in target.values]
        cell_mask = np.array([c.mask for c in cells], dtype=np.int64)
        cell_digits = np.array([len(c.digits) for c in cells], dtype=np.int64)
        present = np.array([c.folded is not None for c in cells], dtype=bool)
        cell_arr = object_array(cells)
        t_codes = target.codes
        for col, probes in zip(self.columns, self._probes, strict=True):
            k_codes = col.codes
            text_mask = probes.text_mask[k_codes]
            maybe = present[t_codes] & (
                ((text_mask >= 0) & (text_mask & ~cell_mask[t_codes] == 0))
                | (cell_digits[t_codes] >= probes.min_digits[k_codes])
            )
            rows = np.flatnonzero(maybe & ~hit)
            if not len(rows):
                continue
            found = [p.found_in(c) for p, c in zip(probes.probes[k_codes[rows]].tolist(),
                                                    cell_arr[t_codes[rows]].tolist(), strict=True)]
            hit[rows[np.array(found, dtype=bool)]] = True
        return hit


@dataclass(frozen=True)
class _ProbeColumn:
    """``_Probes`` of each distinct known value of a column, and their filters as arrays."""

    probes: np.ndarray
    text_mask: np.ndarray  # character classes every text form has; -1: no text form
    min_digits: np.ndarray  # length of the shortest digit form; _NO_DIGITS: none

    @classmethod
    def of(cls, values: Sequence[KnownValue | None]) -> _ProbeColumn:
        probes = [_Probes.of(kv) for kv in values]
        return cls(object_array(probes),
                   np.array([p.mask if p.texts else -1 for p in probes], dtype=np.int64),
                   np.array([p.min_digits for p in probes], dtype=np.int64))


_THAI = re.compile("[\u0e00-\u0e7f]")
_ASCII_ALNUM = re.compile("[a-z0-9]")
_NO_DIGITS = 1 << 40  # more digits than any cell has: the row has no digit form


def _char_classes(folded: str) -> int:
    """Bits for classes of characters in a folded string: a form contains a class only if every
    cell containing the form does, so a cell missing one of the form's bits cannot contain it."""
    return ((" " in folded) | ("@" in folded) << 1 | ("." in folded) << 2
            | (_THAI.search(folded) is not None) << 3 | (_ASCII_ALNUM.search(folded) is not None) << 4)


@dataclass(frozen=True)
class _CellForms:
    folded: str | None
    digits: str
    mask: int

    @classmethod
    def of(cls, value: str | None) -> _CellForms:
        if value is None:
            return cls(None, "", 0)
        text = str(value)
        folded = fold_text(text)
        return cls(folded, digits_only(text), _char_classes(folded))


@dataclass(frozen=True)
class _Probes:
    """A known value's forms as searched: folded text forms (minus those containing a shorter one,
    which cannot be found without it) and digit forms."""

    texts: tuple[str, ...]
    digits: tuple[str, ...]
    mask: int
    min_digits: int

    @classmethod
    def of(cls, kv: KnownValue | None) -> _Probes:
        if kv is None:
            return cls((), (), 0, _NO_DIGITS)
        forms = sorted({f.casefold() for f in kv.texts}, key=len)
        minimal: list[str] = []
        for f in forms:
            if not any(m in f for m in minimal):
                minimal.append(f)
        mask = -1
        for f in minimal:
            mask &= _char_classes(f)
        return cls(tuple(minimal), kv.digits, mask if minimal else 0,
                   min((len(d) for d in kv.digits), default=_NO_DIGITS))

    def found_in(self, cell: _CellForms) -> bool:
        assert cell.folded is not None
        return any(t in cell.folded for t in self.texts) or any(d in cell.digits for d in self.digits)


def redact_column(values: Column, known: KnownTable, detected: dict[str, list[Span]]
                  ) -> tuple[Column, Counter[str]]:
    """``redact_text`` of every cell with its row's known values, and the kinds' totals.

    Each distinct value is redacted once; only rows whose cell holds one of their own known values
    (``KnownTable.hits``) are redacted row by row. ``detected`` caches ``detect`` per text."""
    texts = [v for v in values.values if v is not None]
    spans = iter(detect_each(texts, detected))
    per_value = [None if v is None else _replace(v, next(spans)) for v in values.values]
    hit = known.hits(values)
    codes = values.codes.copy()
    out = [r[0] if r is not None else None for r in per_value]
    counts: Counter[str] = Counter()
    plain = np.bincount(values.codes[~hit], minlength=len(values.values))
    for r, times in zip(per_value, plain.tolist(), strict=True):
        if r is not None and times:
            for kind, m in r[1].items():
                counts[kind] += m * times
    for i in np.flatnonzero(hit).tolist():
        text, found = redact_text(values.values[codes[i]], known.row(i))
        codes[i] = len(out)
        out.append(text)
        counts.update(found)
    return Column(codes, out), counts


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
