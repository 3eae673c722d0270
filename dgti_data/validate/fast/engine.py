"""The fast validation loop: batches in, frictionless-shaped errors out, in frictionless's order.

Per batch: columnar checks mark the cells that certainly pass; frictionless's own cell reader decides
the rest (memoised per field: wrong cells repeat); key texts feed the unique/primary-key indexes and
the foreign-key lookups; errors are ordered as frictionless emits them (row, then cell errors in field
order, then unique, primary-key and foreign-key errors) and turned into dicts.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dgti_data.validate.fast.columns import ColumnCheck, ColumnChecker, missing_mask
from dgti_data.validate.fast.keys import KeyIndex, composite, key_text
from dgti_data.validate.fast.plan import Plan, ReferenceTable, Unsupported, compile_plan
from dgti_data.validate.fast.reference import lookup_keys
from dgti_data.validate.fast.report import (
    CellErrors,
    cell_error,
    foreign_key_error,
    row_error,
    task_report,
)
from dgti_data.validate.fast.source import FileDigests, average_row_bytes, batches, read_labels

DEFAULT_BATCH_ROWS = 32_768  # small enough to pipeline even 100k-row files, and to bound memory
READER_CACHE_LIMIT = 50_000  # distinct failing cells remembered per field

# Phases of a row's errors, in frictionless's order.
CELL, UNIQUE, PRIMARY, FOREIGN = 0, 1, 2, 3


@dataclass
class _Verdict:
    codes: tuple[int, ...]
    key: str | None


@dataclass
class _State:
    plan: Plan
    checkers: list[ColumnChecker]
    verdicts: list[dict[str, _Verdict]]
    unique: dict[str, KeyIndex]
    primary: KeyIndex | None
    foreign: list[tuple[int, pa.Array]]
    any_required: bool
    makers: list[CellErrors]
    required_codes: frozenset[int]
    sink: Callable[[list[dict[str, Any]]], None] | None = None
    rows: int = 0
    error_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def _verdict(state: _State, index: int, cell: str) -> _Verdict:
    """frictionless's reader on one cell, memoised: error codes and the parsed key text."""
    memo = state.verdicts[index]
    found = memo.get(cell)
    if found is not None:
        return found
    plan = state.plan.fields[index]
    value, notes = plan.reader(cell)
    codes = tuple(plan.codes[name] for name in notes) if notes else ()
    verdict = _Verdict(codes, key_text(value) if plan.key else None)
    if len(memo) >= READER_CACHE_LIMIT:
        memo.clear()
    memo[cell] = verdict
    return verdict


@dataclass
class _Checked:
    """A batch after the columnar checks (made in the producer thread)."""

    batch: pa.RecordBatch
    checks: list[ColumnCheck]
    bad: list[np.ndarray | None]  # per field: rows the exact reader must see


def _columnar(checkers: list[ColumnChecker], any_required: bool, batch: pa.RecordBatch) -> _Checked:
    checks = []
    bad: list[np.ndarray | None] = []
    for checker, col in zip(checkers, batch.columns, strict=True):
        check = checker.check(col, need_missing=not any_required)
        checks.append(check)
        if check.ok is None:
            bad.append(None)
        else:
            rows = pc.indices_nonzero(pc.invert(check.ok)).to_numpy()
            bad.append(rows if rows.size else None)
    return _Checked(batch, checks, bad)


def _process(state: _State, checked: _Checked, first_row: int) -> None:
    plan = state.plan
    batch = checked.batch
    n = batch.num_rows
    columns = batch.columns
    found: list[tuple[int, int, int, int, Any]] = []  # (row index, phase, a, b, payload)
    required_rows: set[int] = set()
    required_codes = state.required_codes
    values: dict[int, pa.Array] = {}
    missing_all = [c.missing for c in checked.checks]

    for index, (check, bad) in enumerate(zip(checked.checks, checked.bad, strict=True)):
        key_field = plan.fields[index].key
        patch_rows: list[int] = []
        patch_keys: list[str | None] = []
        if bad is not None:
            cells = columns[index].take(pa.array(bad)).to_pylist()
            for row, cell in zip(bad.tolist(), cells, strict=True):
                verdict = _verdict(state, index, cell)
                for code in verdict.codes:
                    found.append((row, CELL, index, plan.codes[code].order, code))
                    if code in required_codes:
                        required_rows.add(row)
                if key_field:
                    patch_rows.append(row)
                    patch_keys.append(verdict.key)
        if key_field:
            keys = check.values
            assert keys is not None
            if patch_rows:
                mask = np.zeros(n, dtype=bool)
                mask[patch_rows] = True
                keys = pc.replace_with_mask(keys, pa.array(mask), pa.array(patch_keys, pa.string()))
            values[index] = keys

    blank = _blank_rows(state, columns, missing_all, required_rows, n)
    if blank:
        _refuse_empty_lines(columns, blank)
        found = [f for f in found if f[0] not in blank]
        found.extend((row, CELL, -1, 0, None) for row in blank)

    names = plan.field_names
    for name in plan.unique:
        index = names.index(name)
        prev = state.unique[name].previous(values[index], first_row)
        for row in np.nonzero(prev)[0].tolist():
            found.append((row, UNIQUE, index, 0, int(prev[row])))
    if state.primary is not None:
        parts = [values[names.index(n)] for n in plan.primary_key]
        keys = composite(parts)
        prev = state.primary.previous(keys, first_row)
        for row in np.nonzero(prev)[0].tolist():
            found.append((row, PRIMARY, 0, 0, int(prev[row])))
        if keys.null_count:
            for row in pc.indices_nonzero(pc.is_null(keys)).to_numpy().tolist():
                found.append((row, PRIMARY, 0, 0, None))
    for number, (fk_index, lookup) in enumerate(state.foreign):
        fk = plan.foreign_keys[fk_index]
        parts = [values[names.index(n)] for n in fk.fields]
        keys = composite(parts)
        miss = pc.and_(pc.is_valid(keys), pc.invert(pc.is_in(keys, value_set=lookup)))
        for row in pc.indices_nonzero(miss).to_numpy().tolist():
            found.append((row, FOREIGN, number, 0, [p[row].as_py() for p in parts]))

    if found:
        found.sort(key=lambda f: f[:4])
        dicts = _dicts(state, batch, first_row, found)
        state.error_count += len(dicts)
        if state.sink is not None:
            state.sink(dicts)
        else:
            state.errors.extend(dicts)


def _blank_rows(state: _State, columns: list[pa.Array], missing: list[pa.BooleanArray | None],
                candidates: set[int], n: int) -> set[int]:
    """Rows whose every cell is a missing value: frictionless reports only "blank-row" for them."""
    plan = state.plan
    if state.any_required:
        if not candidates:
            return set()
        rows = np.array(sorted(candidates), dtype=np.int64)
        blank = np.ones(len(rows), dtype=bool)
        for f, col in zip(plan.fields, columns, strict=True):
            blank &= missing_mask(f, col.take(pa.array(rows))).to_numpy(zero_copy_only=False)
            if not blank.any():
                return set()
        return set(rows[blank].tolist())
    combined = np.ones(n, dtype=bool)
    for f, col, m in zip(plan.fields, columns, missing, strict=True):
        mask = m if m is not None else missing_mask(f, col)
        combined &= mask.to_numpy(zero_copy_only=False)
        if not combined.any():
            return set()
    return set(np.nonzero(combined)[0].tolist())


def _refuse_empty_lines(columns: list[pa.Array], blank: set[int]) -> None:
    """An empty line and a line of empty cells both reach us as all-"" rows, but frictionless
    (Python's csv) reports the first with no cells at all; we cannot tell them apart here."""
    rows = pa.array(sorted(blank), pa.int64())
    size = np.zeros(len(rows), dtype=np.int64)
    for col in columns:
        size += pc.binary_length(col.take(rows)).to_numpy(zero_copy_only=False)
    if not size.all():
        raise Unsupported("a row with every cell empty (an empty line, or only delimiters)")


def _shared_texts(col: pa.Array) -> list[str]:
    """A column as Python strings, one object per distinct value: error rows repeat most of their
    cells (regions, types, years), and a report of 120,000 errors keeps about a third of the
    memory this way."""
    encoded = col.dictionary_encode()
    distinct = encoded.dictionary.to_pylist()
    return list(map(distinct.__getitem__, encoded.indices.to_numpy().tolist()))


def _dicts(state: _State, batch: pa.RecordBatch, first_row: int,
           found: list[tuple[int, int, int, int, Any]]) -> list[dict[str, Any]]:
    plan = state.plan
    names = plan.field_names
    rows = sorted({f[0] for f in found})
    taken = batch.take(pa.array(rows, pa.int64()))
    cells_of = dict(zip(rows, zip(*map(_shared_texts, taken.columns), strict=True), strict=True))
    makers = state.makers
    out = []
    append = out.append
    for row, phase, a, _b, payload in found:
        cells = cells_of[row]
        number = first_row + row
        if phase == CELL:
            if payload is None:
                append(row_error("blank-row", "", list(cells), number))
            else:
                append(makers[payload].make(list(cells), number, cells[a]))
        elif phase == UNIQUE:
            note = f"the same as in the row at position {payload}"
            key = cells[a]  # string/integer cells: str(parsed value) is the key text
            parsed = plan.fields[a]
            if parsed.type != "string":
                key = str(parsed.reader(cells[a])[0])
            append(cell_error("unique-error", note, list(cells), number, key, names[a], a + 1))
        elif phase == PRIMARY:
            note = (f"the same as in the row at position {payload}" if payload is not None
                    else 'cells composing the primary keys are all "None"')
            append(row_error("primary-key", note, list(cells), number))
        else:
            fk = plan.foreign_keys[state.foreign[a][0]]
            note = 'for "{}": values "{}" not found in the lookup table "{}" as "{}"'.format(
                ", ".join(fk.fields), ", ".join(str(v) for v in payload), fk.resource,
                ", ".join(fk.reference_fields),
            )
            append(foreign_key_error(
                note, list(cells), number, list(fk.fields),
                ["" if v is None else str(v) for v in payload], fk.resource, list(fk.reference_fields),
            ))
    return out


def validate_csv(
    csv_path: Path,
    schema: Mapping[str, Any],
    *,
    name: str | None = None,
    references: Mapping[str, ReferenceTable] | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    file_hashes: bool = True,
    place: str | None = None,
    error_sink: Callable[[list[dict[str, Any]]], None] | None = None,
) -> dict[str, Any]:
    """Validate a normalised CSV against ``schema``; the report frictionless would give, as a dict.

    ``references`` maps resource names to the tables foreign keys point at. Raises ``Unsupported``
    (before or during reading) when frictionless's report could differ: the schema uses something
    without a fast check, or the file is not plain one-cell-per-field UTF-8 CSV with the schema's
    header. ``file_hashes=False`` skips md5/sha256 in the stats (the errors are the same).

    ``error_sink``, for files with millions of errors: each batch's error dicts are handed to it
    (in order) instead of being kept, so memory stays bounded; the report then has an empty errors
    list but the true ``stats.errors`` and ``valid``.
    """
    started = time.perf_counter()
    csv_path = Path(csv_path)
    plan = compile_plan(schema, references)
    if len(plan.fields) < 2:
        raise Unsupported("one-column tables: a blank line is a row to frictionless")
    labels = read_labels(csv_path)
    if labels != plan.field_names:
        raise Unsupported("the header differs from the schema's field names")
    foreign = []
    for i, fk in enumerate(plan.foreign_keys):
        assert references is not None
        foreign.append((i, lookup_keys(references[fk.resource], fk.reference_fields)))
    expected_rows = int(csv_path.stat().st_size / average_row_bytes(csv_path) * 1.05) + 16
    unique = {n: KeyIndex(expected_rows) for n in plan.unique}
    state = _State(
        plan=plan,
        checkers=[ColumnChecker(f) for f in plan.fields],
        verdicts=[{} for _ in plan.fields],
        unique=unique,
        primary=KeyIndex(expected_rows) if plan.primary_key else None,
        foreign=foreign,
        any_required=any(f.required for f in plan.fields),
        makers=[CellErrors(c.type, c.note, plan.fields[c.field_index].name, c.field_index + 1)
                for c in plan.codes],
        required_codes=frozenset(c for f in plan.fields for name, c in f.codes.items() if name == "required"),
        sink=error_sink,
    )
    digests = FileDigests(csv_path, enabled=file_hashes)
    first_row = 2  # the header is row 1
    # Error dicts are many small containers that never form cycles: without this, the cyclic
    # collector re-walks every error made so far, again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        prepare = partial(_columnar, state.checkers, state.any_required)
        for checked in batches(csv_path, plan.field_names, batch_rows, prepare):
            _process(state, checked, first_row)
            first_row += checked.batch.num_rows
            state.rows += checked.batch.num_rows
    finally:
        if collecting:
            gc.enable()
        digests.wait()
    return task_report(
        name=name,
        place=place if place is not None else str(csv_path),
        labels=labels,
        errors=state.errors,
        error_count=state.error_count,
        seconds=time.perf_counter() - started,
        md5=digests.md5,
        sha256=digests.sha256,
        size=digests.size,
        fields=len(plan.fields),
        rows=state.rows,
    )
