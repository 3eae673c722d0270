"""Run a field's normalisers over one column: vectorised selection, Python only where needed.

Each step is a pure cell function plus a pyarrow test that selects the values it might change
(a superset). Steps run on a column's distinct values (most columns repeat a few hundred codes,
dates or names), so clean values cost one RE2 scan per step and the function runs once per
distinct selected value; each change is then counted once per cell holding the value.
``normalise_column_per_cell`` is the same run over every cell, the definition tests compare with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dgti_data.datasets import FieldSpec
from dgti_data.normalise import dates, digits, hostile, text
from dgti_data.normalise.cells import cell_text
from dgti_data.normalise.changes import ChangeLog

STRING = pa.large_string()

CellFn = Callable[[str], tuple[str, str | None]]
Selector = Callable[[pa.Array], pa.Array]


@dataclass(frozen=True)
class Step:
    name: str
    apply: CellFn
    select: Selector


def _simple(kind: str, fn: Callable[[str], str]) -> CellFn:
    def apply(value: str) -> tuple[str, str | None]:
        new = fn(value)
        return new, (kind if new != value else None)

    return apply


def _matching(pattern: str) -> Selector:
    return lambda arr: pc.match_substring_regex(arr, pattern)


def _not_nfc(arr: pa.Array) -> pa.Array:
    return pc.not_equal(pc.utf8_normalize(arr, "NFC"), arr)


def _not_iso_ce(arr: pa.Array) -> pa.Array:
    return pc.invert(pc.match_substring_regex(arr, dates.ISO_CE_PATTERN))


NFC_STEP = Step(text.UNICODE_NFC, _simple(text.UNICODE_NFC, text.unicode_nfc), _not_nfc)
ZERO_WIDTH_STEP = Step(
    text.ZERO_WIDTH, _simple(text.ZERO_WIDTH, text.zero_width), _matching(text.ZERO_WIDTH_MAYBE)
)
WHITESPACE_STEP = Step(
    text.WHITESPACE, _simple(text.WHITESPACE, text.whitespace), _matching(text.WHITESPACE_MAYBE)
)
MULTILINE_STEP = Step(
    text.WHITESPACE,
    _simple(text.WHITESPACE, text.whitespace_multiline),
    _matching(text.WHITESPACE_MAYBE),
)
THAI_DIGITS_STEP = Step(
    digits.THAI_DIGITS, _simple(digits.THAI_DIGITS, digits.thai_digits), _matching(digits.THAI_DIGITS_MAYBE)
)
THOUSANDS_STEP = Step(
    digits.THOUSANDS_SEPARATOR,
    _simple(digits.THOUSANDS_SEPARATOR, digits.thousands_separator),
    _matching(digits.THOUSANDS_MAYBE),
)
DATE_STEP = Step("date", dates.date_text, _not_iso_ce)
CONTROL_STEP = Step(
    hostile.CONTROL_CHARACTERS,
    _simple(hostile.CONTROL_CHARACTERS, hostile.control_characters),
    _matching(hostile.CONTROL_MAYBE),
)
EXCEL_ERROR_STEP = Step(
    hostile.EXCEL_ERROR,
    _simple(hostile.EXCEL_ERROR, hostile.excel_error),
    _matching(hostile.EXCEL_ERROR_MAYBE),
)
SNAN_STEP = Step(
    hostile.SIGNALLING_NAN,
    _simple(hostile.SIGNALLING_NAN, hostile.signalling_nan),
    _matching(hostile.SNAN_MAYBE),
)


def steps_for(spec: FieldSpec) -> list[Step]:
    """Which normalisers a field gets, in order: what is never data first (control characters,
    Excel's error values), then text, then digits, then its type's own."""
    steps = [CONTROL_STEP, EXCEL_ERROR_STEP, NFC_STEP, ZERO_WIDTH_STEP]
    if spec.is_free_text:
        return [*steps, MULTILINE_STEP]
    steps += [WHITESPACE_STEP, THAI_DIGITS_STEP]
    if spec.type in ("integer", "number"):
        steps += [THOUSANDS_STEP, SNAN_STEP]
    elif spec.type == "date":
        steps.append(DATE_STEP)
    return steps


def _apply(step: Step, arr: pa.Array) -> tuple[pa.Array, dict[str, list[int]]] | None:
    """``arr`` after ``step`` and the positions it changed by kind; None when nothing changed."""
    mask = pc.fill_null(step.select(arr), False)
    if not pc.any(mask).as_py():
        return None
    positions = pc.indices_nonzero(mask).to_numpy()
    results: dict[str, tuple[str, str | None]] = {}
    out = []
    changed: dict[str, list[int]] = {}
    for position, value in zip(positions, arr.filter(mask).to_pylist(), strict=True):
        result = results.get(value)
        if result is None:
            result = results[value] = step.apply(value)
        new, kind = result
        out.append(new)
        if kind is not None:
            changed.setdefault(kind, []).append(int(position))
    if not changed:
        return None
    return pc.replace_with_mask(arr, mask, pa.array(out, STRING)), changed


def _run_step(
    arr: pa.Array, step: Step, spec: FieldSpec, log: ChangeLog, row_numbers: Sequence[int]
) -> pa.Array:
    """One step over every cell: the definition the distinct-value run must match."""
    applied = _apply(step, arr)
    if applied is None:
        return arr
    for kind, where in applied[1].items():
        log.add(kind, spec.name, len(where), (row_numbers[p] for p in where[: log.max_examples]))
    return applied[0]


@dataclass
class _Distinct:
    """A column as its distinct values and, per cell, which one it holds (``len(values)``: empty).

    Steps are pure functions of a cell's value, so running them on the distinct values and
    counting each change once per cell holding the value gives exactly the per-cell result.
    Dictionary indices follow first appearance, but examples need cell order: they are found
    by scanning the cells, in chunks, only for steps that changed something.
    """

    values: pa.Array
    cells: np.ndarray
    occurrences: np.ndarray

    @classmethod
    def of(cls, arr: pa.Array | pa.ChunkedArray) -> _Distinct:
        encoded = arr.dictionary_encode()
        if isinstance(encoded, pa.ChunkedArray):
            # Arrow gives every chunk the whole column's dictionary; if not, join the chunks first.
            chunks = encoded.chunks
            if not chunks or not all(c.dictionary.equals(chunks[-1].dictionary) for c in chunks):
                return cls.of(arr.combine_chunks())
            values = chunks[-1].dictionary
            indices = pa.chunked_array([c.indices for c in chunks], encoded.type.index_type)
        else:
            values, indices = encoded.dictionary, encoded.indices
        cells = np.asarray(indices.fill_null(len(values)))
        occurrences = np.bincount(cells, minlength=len(values) + 1)[: len(values)]
        return cls(values, cells, occurrences)

    def first_cells(self, entries: list[int], limit: int) -> list[int]:
        flag = np.zeros(len(self.values) + 1, dtype=bool)
        flag[entries] = True
        found: list[int] = []
        chunk = 1 << 16
        for start in range(0, len(self.cells), chunk):
            hits = np.flatnonzero(flag[self.cells[start : start + chunk]])
            found.extend(int(start + h) for h in hits[: limit - len(found)])
            if len(found) >= limit:
                break
        return found

    def run(self, step: Step, spec: FieldSpec, log: ChangeLog, row_numbers: Sequence[int]) -> None:
        applied = _apply(step, self.values)
        if applied is None:
            return
        self.values, changed = applied
        # Kinds in the order their first cell comes, as the per-cell run adds them.
        found = {kind: self.first_cells(entries, log.max_examples) for kind, entries in changed.items()}
        for kind in sorted(changed, key=lambda k: found[k][0]):
            count = int(self.occurrences[changed[kind]].sum())
            log.add(kind, spec.name, count, (row_numbers[p] for p in found[kind]))

    def to_objects(self) -> np.ndarray:
        """Python strings per cell, ``""`` and empty cells as None; equal cells share one object."""
        texts = self.values.to_pylist()
        uniques = np.empty(len(texts) + 1, dtype=object)
        uniques[: len(texts)] = [t if t else None for t in texts]
        return uniques[self.cells]


def _workbook_text(
    values: pd.Series, spec: FieldSpec, log: ChangeLog, row_numbers: Sequence[int]
) -> pa.Array:
    """Typed workbook cells to text, counting conversions that change how a value reads."""
    if all(v is None or isinstance(v, str) for v in values):
        return pa.array(values.tolist(), STRING)
    out: list[str | None] = []
    changed: dict[str, list[int]] = {}
    for position, value in enumerate(values.tolist()):
        new, kind = cell_text(value, spec.type)
        out.append(new)
        if kind is not None:
            changed.setdefault(kind, []).append(position)
    for kind, where in changed.items():
        log.add(kind, spec.name, len(where), (row_numbers[p] for p in where[: log.max_examples]))
    return pa.array(out, STRING)


def _as_text(
    values: pd.Series, spec: FieldSpec, log: ChangeLog, row_numbers: Sequence[int]
) -> pa.Array | pa.ChunkedArray:
    """Workbook cells as text; CSV columns as they are (chunked as read, not copied)."""
    if values.dtype == object:
        return _workbook_text(values, spec, log, row_numbers)
    return pa.array(values, STRING)


def normalise_column(
    values: pd.Series, spec: FieldSpec, log: ChangeLog, row_numbers: Sequence[int]
) -> np.ndarray:
    """One raw column → object array of ``str`` (None where empty after cleanup)."""
    arr = _as_text(values, spec, log, row_numbers)
    if not len(arr):
        return np.empty(0, dtype=object)
    distinct = _Distinct.of(arr)
    for step in steps_for(spec):
        distinct.run(step, spec, log, row_numbers)
    return distinct.to_objects()


def normalise_column_per_cell(
    values: pd.Series, spec: FieldSpec, log: ChangeLog, row_numbers: Sequence[int]
) -> np.ndarray:
    """``normalise_column`` cell by cell: its definition, which tests compare it with."""
    arr = _as_text(values, spec, log, row_numbers)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if len(arr):
        for step in steps_for(spec):
            arr = _run_step(arr, step, spec, log, row_numbers)
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, STRING), arr)
    return _to_objects(arr)


def _to_objects(arr: pa.Array) -> np.ndarray:
    """Python strings for the frame; repeated values share one object (codes, types, years)."""
    encoded = arr.dictionary_encode()
    if len(encoded.dictionary) > len(arr) // 2:
        return arr.to_numpy(zero_copy_only=False)
    uniques = np.append(encoded.dictionary.to_numpy(zero_copy_only=False), None)
    indices = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy()
    return uniques[indices]
