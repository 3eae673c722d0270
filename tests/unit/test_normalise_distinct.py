"""Normalising a column's distinct values must equal normalising every cell: values and change log.

``normalise_column`` runs each step once per distinct value and counts changes per cell;
``normalise_column_per_cell`` is the plain definition. Every field of both datasets is run on
columns of tricky values repeated in random order, CSV text and typed workbook cells alike.
"""

from __future__ import annotations

import datetime as dt
import random

import pandas as pd
import pyarrow as pa
import pytest

from dgti_data.datasets import load_catalog
from dgti_data.normalise import ChangeLog
from dgti_data.normalise.pipeline import normalise_column, normalise_column_per_cell
from dgti_data.settings import PROJECT_ROOT

CATALOG = load_catalog(PROJECT_ROOT / "schemas")
FIELDS = [
    (dataset, spec)
    for dataset in ("local-digital-submissions", "lao-digital-readiness-survey")
    for spec in CATALOG.get(dataset).fields
]

TRICKY = [
    "", " ", "ก", "3200408", " 3200408", "๓๒๐๐๔๐๘", "32\u200b00408", "\ufeff3200408",
    "1,250,000", "1,250,000.50", "12,34", "-1,000", "sNaN", " snan12 ", "NaN", "Infinity", "#N/A", " #REF! ",
    "#DIV/0!", "=1+1", "cafe\u0301", "ป\u0e48\u0e39", "ข้อความ ๑\r\n  ๒  ", "x\u2028y", "a\u00a0b",
    "\x1b[31mred",
    "\x07bell", "\x85", "15/07/2564", "31/12/2400", "01/01/2401", "29/02/2567", "29/02/2566", "31/02/2564",
    "15 ก.ค. 64", "๑๕ ก.ค. ๖๔", "15 กรกฎาคม พ.ศ. 2564", "2021-07-15", "2564-07-15", "2021-7-5", "1-1-2024",
    "44391", "44391.0", "44391.5", "19999", "80001", "2024-02-30", "2021-07-15 00:00:00", "2021-07-15T10:30",
    "ใช่", "ไม่ใช่", "yes", "มีนา 2564", "  หลาย   ช่องว่าง  ", "\t\tแท็บ", "บรรทัด\n\n\nใหม่\n",
]
TYPED = [None, 44391, 44391.0, 44391.5, 1.5, 0.1 + 0.2, 1e20, 123.0, True, False,
         dt.datetime(2564, 7, 15), dt.datetime(2021, 7, 15, 10, 30), dt.date(2021, 7, 15), dt.time(10, 30)]


def _column(rng: random.Random, pool: list[object], rows: int) -> list[object]:
    common = rng.sample(pool, k=min(8, len(pool)))
    return [rng.choice(common) if rng.random() < 0.7 else rng.choice(pool) for _ in range(rows)]


def _both(values: pd.Series, spec, rows: int) -> tuple[tuple, tuple]:
    numbers = list(range(2, 2 + rows))
    fast_log, slow_log = ChangeLog(), ChangeLog()
    fast = normalise_column(values, spec, fast_log, numbers)
    slow = normalise_column_per_cell(values, spec, slow_log, numbers)
    return (
        (list(fast), fast.dtype, fast_log.to_dict(), list(fast_log._counts)),
        (list(slow), slow.dtype, slow_log.to_dict(), list(slow_log._counts)),
    )


@pytest.mark.parametrize(("dataset", "spec"), FIELDS, ids=[f"{d}:{s.name}" for d, s in FIELDS])
def test_distinct_values_run_equals_the_per_cell_run(dataset, spec):
    rng = random.Random(f"{dataset}:{spec.name}")
    for rows in (1, 7, 300):
        text = pd.Series(_column(rng, TRICKY, rows), dtype="str")
        fast, slow = _both(text, spec, rows)
        assert fast == slow
        typed = pd.Series(_column(rng, [*TRICKY, *TYPED], rows), dtype=object)
        fast, slow = _both(typed, spec, rows)
        assert fast == slow


def test_examples_are_the_first_cells_in_row_order_across_scan_chunks():
    spec = CATALOG.get("local-digital-submissions").field("budget_thb")
    rows = 200_000
    values = ["1"] * rows
    for position in (5, 70_000, 70_001, 199_999):
        values[position] = "1,000"
    values[3] = "๑"
    fast, slow = _both(pd.Series(values, dtype="str"), spec, rows)
    assert fast == slow
    assert fast[2]["examples"]["thousands_separator"]["budget_thb"] == [7, 70_002, 70_003]
    assert fast[2]["counts"]["thousands_separator"]["budget_thb"] == 4


def test_empty_column():
    spec = CATALOG.get("local-digital-submissions").field("budget_thb")
    fast, slow = _both(pd.Series([], dtype="str"), spec, 0)
    assert fast == slow


def test_chunked_columns_as_the_fast_reader_gives_them():
    """Columns read in batches are chunked Arrow arrays; their distinct values span the chunks."""
    rng = random.Random(3)
    spec = CATALOG.get("lao-digital-readiness-survey").field("survey_date")
    parts = [pd.Series(_column(rng, TRICKY, size), dtype="str") for size in (5, 0, 40, 1, 200)]
    values = pd.concat(parts, ignore_index=True)
    assert pa.array(values).num_chunks > 1
    fast, slow = _both(values, spec, len(values))
    assert fast == slow
