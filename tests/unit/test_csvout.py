"""The column-wise CSV writer against the csv module: the same bytes for every frame, or the csv module.

The reference is what ``AnonymisedTable.write`` and ``NormalisedTable.to_csv`` did: a
``csv.writer(fh, lineterminator="\\n")`` on a UTF-8 file opened with ``newline=""``.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dgti_data import csvout
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
    csvout._write_with_arrow(fast, list(frame.columns), frame)  # raises instead of falling back
    assert fast.read_bytes() == reference(tmp_path / "ref.csv", frame)
    assert write_frame_csv(tmp_path / "w.csv", frame).read_bytes() == fast.read_bytes()


@pytest.mark.parametrize("seed", range(4))
def test_frames_with_other_cell_types(tmp_path, seed):
    rng = random.Random(seed)
    frame = random_frame(rng, 30, 3, [*CELLS, *OTHER])
    assert write_frame_csv(tmp_path / "w.csv", frame).read_bytes() == reference(tmp_path / "ref.csv", frame)


def test_typed_and_string_dtype_columns(tmp_path):
    frame = pd.DataFrame({
        "n": [1, 2, 3],
        "f": [1.5, float("nan"), 3.0],
        "s": pd.Series(["a", None, "b,c"], dtype="str"),
        "o": pd.Series(["x", None, '"'], dtype=object),
    })
    assert write_frame_csv(tmp_path / "w.csv", frame).read_bytes() == reference(tmp_path / "ref.csv", frame)


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
        got: object = write_frame_csv(tmp_path / "w.csv", frame).read_bytes()
    except UnicodeEncodeError as exc:
        got = type(exc)
    assert got == expected


def test_self_check_agrees_here_and_turns_the_fast_writer_off_when_not(tmp_path, monkeypatch):
    assert csvout._agrees_with_csv_module()
    monkeypatch.setattr(csvout, "_agrees_with_csv_module", lambda: False)
    monkeypatch.setattr(csvout, "_write_with_arrow", lambda *args: pytest.fail("Arrow writer used"))
    frame = pd.DataFrame({"a": ["1", "x,y"], "b": ["2", None]})
    assert write_frame_csv(tmp_path / "w.csv", frame).read_bytes() == reference(tmp_path / "r.csv", frame)
