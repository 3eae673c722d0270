"""Write a frame as CSV byte for byte as ``csv.writer(fh, lineterminator="\\n")`` does, column-wise.

Published and normalised CSVs are compared by digest (unchanged re-runs skip the upload), so a
faster writer must not change a byte. The csv module's minimal quoting is simple to state: a cell
is quoted when it holds the delimiter, the quote or a line-ending character, with inner quotes
doubled; None is an empty cell; anything else is written as its ``str``.
Which characters force quotes is asked of the running csv module once (they changed between
Python versions), not assumed. Arrow then quotes and joins whole columns in C++, in chunks.

Anything else (a one-column frame, whose empty row the csv module writes as ``""``; a cell Arrow
cannot hold, such as a lone surrogate) is written by the csv module itself, from the start.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dgti_data.memory import release_arrow_memory

CHUNK_ROWS = 1 << 16
STRING = pa.large_string()
_QUOTE, _COMMA, _NEWLINE, _EMPTY = (pa.scalar(t, STRING) for t in ('"', ",", "\n", ""))
# Characters whose presence might make the csv module quote a cell: probed below, not assumed.
_CANDIDATES = "".join(chr(c) for c in range(0x80)) + "\x85\xa0\u2028\u2029"


def _csv_line(cells: Sequence[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _quote_triggers() -> str:
    """The characters that make this Python's csv module quote a cell (``,``, ``"``, ``\\n``, ...)."""
    return "".join(c for c in _CANDIDATES if _csv_line([f"a{c}b", "x"]).startswith('"'))


_TRIGGERS = _quote_triggers()
_NEEDS_QUOTES = "[" + "".join(f"\\x{{{ord(c):X}}}" for c in _TRIGGERS) + "]"


def _cell_text(value: Any) -> str | None:
    """What the csv module writes for a non-string cell (before quoting): ``str``; None for None."""
    return None if value is None else str(value)


Rewrite = Callable[[str], str]


@dataclass
class _Rewritten:
    """Cells a rewrite changed in one column, and the first row it changed (row-major order)."""

    cells: int = 0
    first_row: int | None = None

    def add(self, cells: int, first_row: int) -> None:
        self.cells += cells
        if self.first_row is None:
            self.first_row = first_row


Rewrites = dict[int, Rewrite]  # column position → rewrite
Seen = dict[int, _Rewritten]


def _only_text(values: np.ndarray) -> bool:
    """Every cell is ``str`` or None (Arrow then takes the column as it is)."""
    missing = pd.isna(values)  # None, but also NaN and pd.NA, which the csv module writes as text
    if not all(v is None for v in values[missing]):
        return False
    return pd.api.types.infer_dtype(values[~missing], skipna=False) in ("string", "empty")


def _rewrite_distinct(arr: pa.Array, rewrite: Rewrite, seen: _Rewritten, start: int) -> pa.Array:
    """``rewrite`` once per distinct value; a cell counts when the result is another object."""
    encoded = arr.dictionary_encode()
    olds = encoded.dictionary.to_pylist()
    news = [rewrite(v) for v in olds]
    changed = np.array([n is not o for n, o in zip(news, olds, strict=True)] + [False])
    if not changed.any():
        return arr
    cells = np.asarray(encoded.indices.fill_null(len(olds)))
    hits = np.flatnonzero(changed[cells])
    seen.add(len(hits), start + int(hits[0]))
    return pa.array(news, STRING).take(encoded.indices)


def _rewrite_cells(values: np.ndarray, rewrite: Rewrite, seen: _Rewritten, start: int) -> list[str | None]:
    out: list[str | None] = []
    for row, value in enumerate(values):
        if isinstance(value, str):
            new = rewrite(value)
            if new is not value:
                seen.add(1, start + row)
            value = new
        out.append(value if type(value) is str else _cell_text(value))
    return out


def _column_text(values: np.ndarray, rewrite: Rewrite | None, seen: _Rewritten, start: int) -> pa.Array:
    """A column chunk as Arrow strings, rewritten if asked; cells that are not ``str`` converted
    as the csv module does (and never rewritten)."""
    if _only_text(values):
        arr = pa.array(values, STRING, from_pandas=False)
        return arr if rewrite is None else _rewrite_distinct(arr, rewrite, seen, start)
    if rewrite is not None:
        return pa.array(_rewrite_cells(values, rewrite, seen, start), STRING)
    return pa.array([v if type(v) is str else _cell_text(v) for v in values], STRING)


def _may_need_quotes(arr: pa.Array) -> bool:
    """False when no cell's bytes hold a quoting character: one pass over the data, no regex."""
    if not _TRIGGERS.isascii():
        return True
    offsets, data = arr.buffers()[1], arr.buffers()[2]
    if data is None or offsets is None:
        return False
    bounds = np.frombuffer(offsets, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    raw = np.frombuffer(data, dtype=np.uint8)[int(bounds[0]) : int(bounds[-1])]
    return any(bool((raw == ord(c)).any()) for c in _TRIGGERS)


def _quoted(arr: pa.Array) -> pa.Array:
    if _may_need_quotes(arr):
        needs = pc.match_substring_regex(arr, _NEEDS_QUOTES)
        if pc.any(needs).as_py():
            doubled = pc.replace_substring(arr.filter(needs), '"', '""')
            wrapped = pc.binary_join_element_wise(_QUOTE, doubled, _QUOTE, _EMPTY)
            arr = pc.replace_with_mask(arr, needs, wrapped)
    return pc.fill_null(arr, _EMPTY)


def _chunk_bytes(
    columns: list[np.ndarray], start: int, stop: int,
    rewrites: Rewrites | None = None, seen: Seen | None = None,
) -> memoryview:
    rewrites, seen = rewrites or {}, seen if seen is not None else {}
    texts = [
        _quoted(_column_text(col[start:stop], rewrites.get(i), seen.setdefault(i, _Rewritten()), start))
        for i, col in enumerate(columns)
    ]
    texts[-1] = pc.binary_join_element_wise(texts[-1], _EMPTY, _NEWLINE)  # the line end
    lines = pc.binary_join_element_wise(*texts, _COMMA)
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def _write_with_csv_module(
    path: Path, header: list[Any], frame: pd.DataFrame, rewrites: Rewrites, seen: Seen
) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        if not rewrites:
            writer.writerows(frame.itertuples(index=False, name=None))
            return
        for row, cells in enumerate(frame.itertuples(index=False, name=None)):
            out = list(cells)
            for i, rewrite in rewrites.items():
                value = out[i]
                if isinstance(value, str) and (new := rewrite(value)) is not value:
                    seen.setdefault(i, _Rewritten()).add(1, row)
                    out[i] = new
            writer.writerow(out)


_SAMPLE_CELLS = (None, "", " ", "a b", ",", '"', '""', "\n", "\r", "\r\n", " x ", "ก,ข", "=1", "\t")


@functools.cache
def _agrees_with_csv_module() -> bool:
    """Once per process: the Arrow writer's bytes equal the csv module's on every pair of sample
    cells. A rule the single-character probe cannot see (in some other Python) turns it off."""
    cells = [(a, b) for a in _SAMPLE_CELLS for b in _SAMPLE_CELLS]
    frame = pd.DataFrame({"a": pd.Series([c[0] for c in cells], dtype=object),
                          "b": pd.Series([c[1] for c in cells], dtype=object)})
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(["a", "b"])
    writer.writerows(cells)
    columns = [frame[c].to_numpy(dtype=object) for c in frame.columns]
    try:
        got = bytes(_chunk_bytes(columns, 0, len(frame)))
    except pa.ArrowException:
        return False
    return _csv_line(["a", "b"]).encode() + got == expected.getvalue().encode()


def write_frame_csv(
    path: Path, frame: pd.DataFrame, header: Sequence[Any] | None = None, rewrites: Rewrites | None = None
) -> dict[int, int]:
    """``header`` (default: the frame's columns), then the rows: UTF-8 without BOM, ``\\n`` line ends,
    minimal quoting, None as an empty cell; the same bytes as ``csv.writer`` writing the rows.

    ``rewrites`` maps column positions to a ``str -> str`` function applied to that column's
    ``str`` cells before writing (e.g. formula neutralisation); it must be pure, and return its
    argument itself when it changes nothing. Returns, per rewritten column with a change, how
    many cells changed, in the order a row-by-row scan first meets a change (as a loop over the
    rows counting into a dict would)."""
    path = Path(path)
    header = list(frame.columns if header is None else header)
    rewrites = rewrites or {}
    seen: Seen = {}
    if frame.shape[1] < 2 or not _agrees_with_csv_module():
        _write_with_csv_module(path, header, frame, rewrites, seen)
    else:
        try:
            _write_with_arrow(path, header, frame, rewrites, seen)
        except (pa.ArrowException, UnicodeError):
            seen = {}  # the exact writer decides, errors included
            _write_with_csv_module(path, header, frame, rewrites, seen)
    release_arrow_memory()  # the chunks' pages, kept by Arrow's allocator otherwise
    changed = [(r.first_row, i, r.cells) for i, r in seen.items() if r.cells]
    return {i: cells for _, i, cells in sorted(changed, key=lambda c: (c[0], c[1]))}


def _write_with_arrow(
    path: Path, header: list[Any], frame: pd.DataFrame, rewrites: Rewrites, seen: Seen
) -> None:
    columns = [frame.iloc[:, i].to_numpy(dtype=object) for i in range(frame.shape[1])]
    with path.open("wb") as fh:
        fh.write(_csv_line(header).encode("utf-8"))
        for start in range(0, len(frame), CHUNK_ROWS):
            fh.write(_chunk_bytes(columns, start, start + CHUNK_ROWS, rewrites, seen))
