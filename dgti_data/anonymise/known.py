"""A row's own personal values (its dropped name, phone, ID) and where they appear in a text.

Known values close the detectors' main gap: a respondent who writes their own name without a
title ("สมชาย ใจดี แจ้งว่า…") is still found, because the same row's dropped name column says
who they are. Only that row's values are used: looking for every person's name in every cell
would be quadratic and would redact common words that happen to be someone's surname.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from dgti_data.anonymise.detectors import (
    Span,
    digits_only,
    strip_title,
)

MIN_NAME_CHARS = 4  # shorter forms ("นก") are too likely to be ordinary words
WHITESPACE = re.compile(r"\s+")


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
    text = WHITESPACE.sub(" ", value).strip()
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
    return WHITESPACE.sub(" ", text).casefold()


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

