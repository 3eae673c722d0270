"""Free-text redaction: detected spans and the row's own known personal values → typed placeholders.

Known values close the detectors' main gap: a respondent who writes their own name without a
title ("สมชาย ใจดี แจ้งว่า…") is still found, because the same row's dropped name column says
who they are. Only that row's values are used: looking for every person's name in every cell
would be quadratic and would redact common words that happen to be someone's surname.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dgti_data.anonymise.detectors import PLACEHOLDERS, Span, detect, digits_only, resolve, strip_title

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
                folded = _WS.sub(" ", text).casefold()
            if form.casefold() not in folded:  # the usual case: no regex to build
                continue
            pattern = r"\s+".join(re.escape(part) for part in form.split(" "))
            spans.extend(Span(m.start(), m.end(), kv.kind) for m in re.finditer(pattern, text, re.IGNORECASE))
    return spans


def redact_text(text: str, known: Sequence[KnownValue] = ()) -> tuple[str, Counter[str]]:
    """``text`` with personal data replaced by placeholders, and how many of each kind."""
    spans = detect(text, known_digits(known))
    if known:
        spans = resolve([*find_known(text, known), *spans])
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
