"""The free-text treatment on its own, for stewards who must check a text before sharing it.

``redact_texts`` is exactly what the pipeline applies to a free-text (``redact``) field under the
default policy: the field's normalisers (control characters, Excel errors, NFC, zero-width
characters, whitespace; its digits are left alone), then the detectors and their placeholders. What
the pipeline adds from the row itself (the respondent's own dropped name and phone, found in any
spelling) has no row here, and the formula guard is applied only when a CSV is written.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

import pandas as pd

from dgti_data.anonymise.redact import redact_text
from dgti_data.datasets import FieldSpec
from dgti_data.errors import UnusableInputError
from dgti_data.normalise.changes import ChangeLog
from dgti_data.normalise.pipeline import normalise_column

FREE_TEXT = FieldSpec(name="text", type="string", title="Text", title_th="ข้อความ", description="",
                      description_th="", source_headers=(), treatment="redact", descriptor={})
BATCH = 1000  # lines normalised together, as a column is


def redact_texts(texts: Sequence[str], missing: Collection[str] = ("",)) -> list[str | None]:
    """Each text as the pipeline publishes it in a free-text field (None: an empty cell).

    ``missing``: the dataset schema's missing values (``-``, ``N/A``, …), published empty."""
    if not texts:
        return []
    cleaned = normalise_column(pd.Series(list(texts), dtype="string"), FREE_TEXT, ChangeLog(),
                               range(1, len(texts) + 1))
    return [None if v is None or v in missing else redact_text(v)[0] for v in cleaned.tolist()]


def redact_jsonl(lines: Iterable[str], missing: Collection[str] = ("",)) -> Iterator[str]:
    """``{"id": …, "text": …}`` per line → ``{"id": …, "redacted": …}`` per line, in order.

    Blank lines are skipped. A line that is not such an object raises ``UnusableInputError``
    naming its line number, after the lines before it were written."""
    batch: list[tuple[Any, str]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            batch.append(_record(number, line))
        except UnusableInputError:
            yield from _redacted(batch, missing)
            raise
        if len(batch) >= BATCH:
            yield from _redacted(batch, missing)
            batch = []
    yield from _redacted(batch, missing)


def _record(number: int, line: str) -> tuple[Any, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise UnusableInputError(f"standard input, line {number}", f"not JSON ({exc.msg})") from None
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise UnusableInputError(f"standard input, line {number}",
                                 'expected an object {"id": …, "text": "…"} with a text string')
    return record.get("id"), record["text"]


def _redacted(batch: list[tuple[Any, str]], missing: Collection[str]) -> Iterator[str]:
    out = redact_texts([text for _, text in batch], missing)
    for (id_, _), redacted in zip(batch, out, strict=True):
        yield json.dumps({"id": id_, "redacted": redacted}, ensure_ascii=False)
