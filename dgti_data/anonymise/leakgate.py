"""The leak gate: after anonymisation, every published cell is scanned again; any hit blocks publishing.

It uses the same detectors as redaction, on every column (a phone number typed into a kept
column is as much a leak as one left in free text), plus the row's own known personal values in
the free-text columns. A leak names field, raw row and kind, never the value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from dgti_data.anonymise.columns import Column
from dgti_data.anonymise.detectors import Span, detect, detect_values, digits_only
from dgti_data.anonymise.known import KnownValue, find_known
from dgti_data.anonymise.knowntable import KnownTable
from dgti_data.anonymise.redact import redact_text


@dataclass(frozen=True)
class Leak:
    field: str
    row: int
    kind: str
    how: str = "detector"  # or "known-value": the row's own dropped value found in the cell

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def scan(
    frame: pd.DataFrame,
    row_numbers: Sequence[int],
    known: Sequence[Sequence[KnownValue]] | None = None,
    known_columns: Iterable[str] = (),
) -> list[Leak]:
    """Leaks in ``frame`` (published columns); ``known[i]`` are row i's personal values."""
    leaks: list[Leak] = []
    for column in frame.columns:
        values = frame[column]
        # Distinct values only: enumerations and codes repeat a lot.
        kinds: dict[Any, list[str]] = {}
        for value in pd.unique(values.dropna()):
            spans = detect(str(value))
            if spans:
                kinds[value] = sorted({s.kind for s in spans})
        if not kinds:
            continue
        for i, value in enumerate(values.tolist()):
            for kind in kinds.get(value, ()) if value is not None and value == value else ():
                leaks.append(Leak(str(column), int(row_numbers[i]), kind))
    if known:
        found = {(leak.field, leak.row) for leak in leaks}
        for column in known_columns:
            if column not in frame.columns:
                continue
            for i, cell in enumerate(frame[column].tolist()):
                if not known[i] or cell is None or cell != cell:
                    continue
                for kind in _known_in(str(cell), known[i]):
                    if (column, int(row_numbers[i])) not in found:
                        leaks.append(Leak(str(column), int(row_numbers[i]), kind, "known-value"))
    return leaks


def _known_in(cell: str, known: Sequence[KnownValue]) -> list[str]:
    kinds = {span.kind for span in find_known(cell, known)}
    digits = digits_only(cell) if any(kv.digits for kv in known) else ""
    for kv in known:
        if any(d in digits for d in kv.digits):
            kinds.add(kv.kind)
    return sorted(kinds)


def scan_columns(
    columns: dict[str, Column],
    row_numbers: Sequence[int],
    known: KnownTable,
    known_columns: Iterable[str],
    detected: dict[str, list[Span]],
    recheck: dict[str, np.ndarray] | None = None,
) -> list[Leak]:
    """``scan`` of the published columns, in the same order: detectors once per distinct value
    (``detected`` caches ``detect`` per text), known values only in the rows that hold one.

    ``recheck[column]`` may limit the known-value search to rows whose cell is not one already
    searched with the same known values and found clean (a redacted column: the rows that
    redaction changed or that held a known value)."""
    leaks: list[Leak] = []
    for column, col in columns.items():
        kinds = [sorted({s.kind for s in spans}) if spans else []
                 for spans in detect_values(col.values, detected, col.arrow)]
        flagged = np.array([bool(k) for k in kinds], dtype=bool)
        if not flagged.any():
            continue
        for i in np.flatnonzero(flagged[col.codes]).tolist():
            for kind in kinds[col.codes[i]]:
                leaks.append(Leak(column, int(row_numbers[i]), kind))
    found = {(leak.field, leak.row) for leak in leaks}
    for column in known_columns:
        if column not in columns:
            continue
        col = columns[column]
        for i in np.flatnonzero(known.hits(col, (recheck or {}).get(column))).tolist():
            for kind in _known_in(str(col.values[col.codes[i]]), known.row(i)):
                if (column, int(row_numbers[i])) not in found:
                    leaks.append(Leak(column, int(row_numbers[i]), kind, "known-value"))
    return leaks


def gate_document(doc: Any) -> tuple[Any, Counter[str]]:
    """A copy of a JSON-like document (report, summary) fit for publication, and what was removed.

    Reports quote what the file held: headers, cells of invalid rows, reading warnings. Every
    string in ``doc``, dict keys included, passes the same detectors as free text, and what they
    find is replaced by its placeholder: a phone typed into a header or a name in a quarantined
    cell never leaves in a report. Values of fields that are not ``keep`` are already masked by the
    validate stage; this is the gate for everything else."""
    counts: Counter[str] = Counter()
    seen: dict[str, str] = {}

    def text(value: str) -> str:
        if value not in seen:
            redacted, found = redact_text(value)
            seen[value] = redacted
            counts.update(found)
        return seen[value]

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return text(value)
        if isinstance(value, dict):
            return {text(k) if isinstance(k, str) else k: walk(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [walk(v) for v in value]
        return value

    return walk(doc), counts
