"""Run a field's normalisers over one column: vectorised selection, Python only where needed.

Each step is a pure cell function plus a pyarrow test that selects the cells it might change
(a superset). Clean cells therefore cost one RE2 scan per step instead of a Python call; the
function runs once per distinct selected value. A change is counted when the output differs.
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


def _run_step(
    arr: pa.Array, step: Step, spec: FieldSpec, log: ChangeLog, row_numbers: Sequence[int]
) -> pa.Array:
    mask = pc.fill_null(step.select(arr), False)
    if not pc.any(mask).as_py():
        return arr
    positions = pc.indices_nonzero(mask).to_numpy()
    selected = arr.filter(mask).to_pylist()
    results: dict[str, tuple[str, str | None]] = {}
    out = []
    changed: dict[str, list[int]] = {}
    for position, value in zip(positions, selected, strict=True):
        result = results.get(value)
        if result is None:
            result = results[value] = step.apply(value)
        new, kind = result
        out.append(new)
        if kind is not None:
            changed.setdefault(kind, []).append(int(position))
    if not changed:
        return arr
    for kind, where in changed.items():
        log.add(kind, spec.name, len(where), (row_numbers[p] for p in where[: log.max_examples]))
    return pc.replace_with_mask(arr, mask, pa.array(out, STRING))


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


def normalise_column(
    values: pd.Series, spec: FieldSpec, log: ChangeLog, row_numbers: Sequence[int]
) -> np.ndarray:
    """One raw column → object array of ``str`` (None where empty after cleanup)."""
    if values.dtype == object:
        arr = _workbook_text(values, spec, log, row_numbers)
    else:
        arr = pa.array(values, STRING)
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
