"""The column-wise CSV writer against the csv module: the same bytes for every frame, or the csv module.

The reference is what ``AnonymisedTable.write`` and ``NormalisedTable.to_csv`` did: a
``csv.writer(fh, lineterminator="\\n")`` on a UTF-8 file opened with ``newline=""``.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dgti_data import csvout
from dgti_data.anonymise.core import AnonymisedTable, neutralise_formula
from dgti_data.anonymise.report import AnonymisationReport
from dgti_data.csvout import write_frame_csv

CELLS = [
    None, "", " ", "a", "ก", "ข้อความ", ",", '"', '""', "a,b", 'say "hi"', "\n", "\r", "\r\n", "a\rb",
    "line\nline", " lead", "trail ", "=HYPERLINK(\"x\")", "'=1+1", "+1", "-1", "@x", "\t", "\u2028", "\u0085",
    "\x1b",
    "\ufeff", "๑๒๓", "2021-07-15", "x" * 300,
]
OTHER = [1, 0, -5, 1.5, 0.1 + 0.2, float("nan"), float("inf"), np.float64(2.5), np.int64(3), True, False,
         Decimal("1.10"), b"bytes", dt.date(2021, 7, 15), pd.NA]


def reference(path: Path, frame: pd.DataFrame) -> bytes:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(frame.columns)
        writer.writerows(frame.itertuples(index=False, name=None))
    return path.read_bytes()


def written(path: Path, frame: pd.DataFrame) -> bytes:
    assert write_frame_csv(path, frame) == {}
    return path.read_bytes()


def random_frame(rng: random.Random, rows: int, width: int, pool: list[object]) -> pd.DataFrame:
    columns = {f"c{i}": [rng.choice(pool) for _ in range(rows)] for i in range(width)}
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()})


def test_quote_triggers_are_the_csv_modules():
    assert {",", '"', "\n"} <= set(csvout._TRIGGERS)
    for c in csvout._CANDIDATES:
        out = csvout._csv_line([f"a{c}b", "x"])
        assert out.startswith('"') == (c in csvout._TRIGGERS)


@pytest.mark.parametrize("seed", range(8))
def test_text_frames_byte_identical_and_written_by_arrow(tmp_path, monkeypatch, seed):
    monkeypatch.setattr(csvout, "CHUNK_ROWS", 7)  # many chunks, a short last one
    rng = random.Random(seed)
    frame = random_frame(rng, rng.randrange(0, 40), rng.randrange(2, 6), CELLS)
    fast = tmp_path / "fast.csv"
    csvout._write_with_arrow(fast, list(frame.columns), frame, {}, {})  # raises instead of falling back
    assert fast.read_bytes() == reference(tmp_path / "ref.csv", frame)
    assert written(tmp_path / "w.csv", frame) == fast.read_bytes()


@pytest.mark.parametrize("seed", range(4))
def test_frames_with_other_cell_types(tmp_path, seed):
    rng = random.Random(seed)
    frame = random_frame(rng, 30, 3, [*CELLS, *OTHER])
    assert written(tmp_path / "w.csv", frame) == reference(tmp_path / "ref.csv", frame)


def test_typed_and_string_dtype_columns(tmp_path):
    frame = pd.DataFrame({
        "n": [1, 2, 3],
        "f": [1.5, float("nan"), 3.0],
        "s": pd.Series(["a", None, "b,c"], dtype="str"),
        "o": pd.Series(["x", None, '"'], dtype=object),
    })
    assert written(tmp_path / "w.csv", frame) == reference(tmp_path / "ref.csv", frame)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"only": pd.Series(["", None, "a", ","], dtype=object)}),  # a lone empty cell is ""
        pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype=object)}),
        pd.DataFrame({"a,b": ["1"], 'say "x"': ["2"], "ชื่อ": ["3"]}),
        # a lone surrogate: the csv module's own error
        pd.DataFrame({"a": pd.Series(["\ud800"], dtype=object), "b": pd.Series(["x"], dtype=object)}),
    ],
    ids=["one-column", "no-rows", "header-quoting", "surrogate"],
)
def test_edge_frames(tmp_path, frame):
    try:
        expected: object = reference(tmp_path / "ref.csv", frame)
    except UnicodeEncodeError as exc:
        expected = type(exc)
    try:
        got: object = written(tmp_path / "w.csv", frame)
    except UnicodeEncodeError as exc:
        got = type(exc)
    assert got == expected


def test_self_check_agrees_here_and_turns_the_fast_writer_off_when_not(tmp_path, monkeypatch):
    assert csvout._agrees_with_csv_module()
    monkeypatch.setattr(csvout, "_agrees_with_csv_module", lambda: False)
    monkeypatch.setattr(csvout, "_write_with_arrow", lambda *args: pytest.fail("Arrow writer used"))
    frame = pd.DataFrame({"a": ["1", "x,y"], "b": ["2", None]})
    assert written(tmp_path / "w.csv", frame) == reference(tmp_path / "r.csv", frame)


# --- rewrites (formula neutralisation while writing) --------------------------------------------


def anonymise_loop(path: Path, frame: pd.DataFrame, text: list[bool]) -> dict[str, int]:
    """The semantics of ``AnonymisedTable.write``, cell by cell: the reference for ``rewrites``."""
    columns = list(frame.columns)
    counts: Counter[str] = Counter()
    rows = []
    for row in frame.itertuples(index=False, name=None):
        out = []
        for name, is_text, value in zip(columns, text, row, strict=True):
            new = neutralise_formula(value) if is_text and isinstance(value, str) else value
            if new is not value:
                counts[name] += 1  # a column is counted from its first change on, as the loop does
            out.append("" if new is None else new)
        rows.append(out)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    return dict(counts)


FORMULAS = ["=1+1", "+SUM(A1)", "-x", "@a", "\tz", "\rz", "-1", "+2.5", "=", "'=x", "=\"a,b\""]


@pytest.mark.parametrize("seed", range(10))
def test_rewrites_match_the_anonymise_loop_bytes_and_counts(tmp_path, monkeypatch, seed):
    monkeypatch.setattr(csvout, "CHUNK_ROWS", 5)
    rng = random.Random(seed)
    pool = [*CELLS, *FORMULAS] if seed % 3 else [*CELLS, *FORMULAS, *OTHER]
    width = rng.randrange(1, 5)
    frame = random_frame(rng, rng.randrange(0, 30), width, pool)
    text = [rng.random() < 0.7 for _ in range(width)]
    expected = anonymise_loop(tmp_path / "ref.csv", frame, text)
    columns = list(frame.columns)
    changed = write_frame_csv(
        tmp_path / "w.csv", frame, rewrites={i: neutralise_formula for i, t in enumerate(text) if t}
    )
    assert (tmp_path / "w.csv").read_bytes() == (tmp_path / "ref.csv").read_bytes()
    assert list({columns[i]: n for i, n in changed.items()}.items()) == list(expected.items())


def test_same_file_and_counts_as_anonymised_table_write(tmp_path):
    """How ``AnonymisedTable.write`` should call the writer: text fields rewritten by
    ``neutralise_formula``; counts by field name in the same order."""
    rng = random.Random(11)
    frame = random_frame(rng, 50, 4, [*CELLS, *FORMULAS, 7, 2.5])
    types = ["string", "integer", "string", "date"]
    schema = {"fields": [{"name": c, "type": t} for c, t in zip(frame.columns, types, strict=True)]}
    table = AnonymisedTable(frame, list(range(2, 52)), schema, AnonymisationReport("d", "d", 50))
    table.write(tmp_path / "ref", "d")
    columns = list(frame.columns)
    rewrites = {i: neutralise_formula for i, t in enumerate(types) if t == "string"}
    changed = write_frame_csv(tmp_path / "d.csv", frame, rewrites=rewrites)
    assert (tmp_path / "d.csv").read_bytes() == (tmp_path / "ref" / "d.csv").read_bytes()
    assert list({columns[i]: n for i, n in changed.items()}.items()) == list(table.neutralised.items())
    assert table.neutralised
