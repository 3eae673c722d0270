"""Free-text redaction: detected spans and the row's own known personal values → typed placeholders.

Which values are a row's own, and where they are found, is in ``known`` and ``knowntable``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from dgti_data.anonymise.columns import Column
from dgti_data.anonymise.detectors import (
    PLACEHOLDERS,
    Span,
    detect,
    detect_values,
    resolve,
)
from dgti_data.anonymise.known import (  # noqa: F401 (re-exported)
    KnownValue,
    find_known,
    fold_text,
    known_digits,
    known_value,
)
from dgti_data.anonymise.knowntable import KnownTable


def redact_text(text: str, known: Sequence[KnownValue] = ()) -> tuple[str, Counter[str]]:
    """``text`` with personal data replaced by placeholders, and how many of each kind."""
    spans = detect(text, known_digits(known))
    if known:
        spans = resolve([*find_known(text, known), *spans])
    return _replace(text, spans)



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

