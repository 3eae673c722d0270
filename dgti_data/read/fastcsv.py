"""A fast path for delimited text: Arrow's C++ parser, used only when it gives the csv module's rows.

The csv module (``delimited.iter_csv``) stays the definition of how a file reads. Arrow parses a
regular file some ten times faster, and the two agree on it cell for cell; this module takes
Arrow's table only when the file is provably regular, and returns None otherwise so the caller
reads it the exact way. Regular means:

- UTF-8 or Windows-874 text (the latter transcoded to UTF-8 first);
- every quote either opens a field, closes one, or is doubled inside one: no quote has a byte on
  each side that is neither a delimiter, a line break nor a quote (checked on the raw bytes, where
  these ASCII bytes never occur inside a multi-byte character);
- the header is the first record, at least two wide, and Arrow reads it exactly as the csv module;
- every record has exactly the header's width (Arrow refuses others: ragged rows fall back);
- no record is blank (Arrow reads an empty line as a row of empty cells; the csv module's reader
  skips blank records and counts them, so a file with one falls back);
- no cell is near the csv module's cell limit (there it refuses the file with a clear message).

Then record ``i`` (1-based, the header being record 1) is data row ``i - 1`` and every row number is
known without the csv module's record count.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from dgti_data.read.table import EncodingInfo, RawTable

FAST_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "cp874"})
MIN_WIDTH = 2  # a one-column file's empty line is an empty cell to Arrow, a blank record to csv
ARROW_BLOCK = 16 << 20
SCAN_BLOCK = 16 << 20
# The same whitespace as Python's str.isspace(), in RE2: a cell of these only is blank to strip().
_SPACE_ONLY = (
    "^[\\t\\n\\x{0B}\\f\\r\\x{1C}-\\x{1F} \\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
    "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}]*$"
)


def _quotes_regular(data: bytes | pa.Buffer, delimiter: str) -> bool:
    """No quote with an ordinary byte on both sides (``ab"cd``, ``"x"y``): the forms where parsers
    may part ways. Vectorised over the raw bytes."""
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == ord('"'))
    if quotes.size == 0:
        return True
    boundary = np.zeros(256, dtype=bool)
    boundary[[ord(delimiter), ord("\r"), ord("\n"), ord('"')]] = True
    inner = quotes[(quotes > 0) & (quotes < arr.size - 1)]
    odd = ~boundary[arr[inner - 1]] & ~boundary[arr[inner + 1]]
    return not bool(odd.any())


def _file_quotes_regular(path: Path, delimiter: str) -> bool:
    with path.open("rb") as fh:
        tail = b""
        while True:
            block = fh.read(SCAN_BLOCK)
            if not block:
                return True
            data = tail + block  # two bytes of overlap: a quote at a block edge keeps its neighbours
            if not _quotes_regular(data, delimiter):
                return False
            tail = data[-2:]


def _header(text: io.TextIOBase, delimiter: str) -> list[str] | None:
    """The first record as the csv module reads it, if it is not blank."""
    try:
        first = next(csv.reader(text, delimiter=delimiter), None)
    except csv.Error:
        return None
    if not first or not any(c.strip() for c in first):
        return None
    return first


def _utf8_copy(path: Path, encoding: str) -> pa.Buffer:
    """The file transcoded to UTF-8 in memory, block by block (a single-byte code page: any block
    boundary is a character boundary)."""
    data = bytearray()
    with path.open("rb") as fh:
        while block := fh.read(SCAN_BLOCK):
            data += block.decode(encoding).encode("utf-8")
    return pa.py_buffer(data)


def _source(path: Path, info: EncodingInfo, delimiter: str) -> tuple[pa.NativeFile | Path, list[str]] | None:
    """What Arrow should parse (the file, or its UTF-8 transcoding) and the csv module's header."""
    with path.open("r", encoding=info.encoding, errors="strict", newline="") as fh:
        header = _header(fh, delimiter)
    if header is None:
        return None
    if info.encoding == "cp874":
        data = _utf8_copy(path, info.encoding)
        return (pa.BufferReader(data), header) if _quotes_regular(data, delimiter) else None
    return (path, header) if _file_quotes_regular(path, delimiter) else None


def _no_blank_rows(table: pa.Table) -> bool:
    """True when no row is all whitespace; only rows whose first cell is blank are looked at."""
    maybe = pc.match_substring_regex(table.column(0), _SPACE_ONLY)
    if not pc.any(maybe).as_py():
        return True
    return all(any(c.strip() for c in row.values()) for row in table.filter(maybe).to_pylist())


def _has_cell_of(table: pa.Table, chars: int) -> bool:
    """Whether a cell has at least ``chars`` characters. A character takes at least one byte, so
    the longest cell in bytes (from the offsets, without a scan) usually settles it."""
    most_bytes = 0
    for column in table.columns:
        for chunk in column.chunks:
            start = chunk.offset
            offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64)[start : start + len(chunk) + 1]
            if len(offsets) > 1:
                most_bytes = max(most_bytes, int(np.diff(offsets).max()))
    if most_bytes < chars:
        return False
    return any((pc.max(pc.utf8_length(col)).as_py() or 0) >= chars for col in table.columns)


def read_regular(path: Path, info: EncodingInfo, delimiter: str, max_cell_chars: int) -> RawTable | None:
    """The whole file as one RawTable, exactly as ``iter_csv`` reads it; None when not provably so."""
    if info.encoding not in FAST_ENCODINGS or len(delimiter) != 1 or not delimiter.isascii():
        return None
    try:
        source = _source(path, info, delimiter)
    except (UnicodeError, OSError):
        return None
    if source is None:
        return None
    parse_from, header = source
    width = len(header)
    if width < MIN_WIDTH:
        return None
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            parse_from,
            read_options=pacsv.ReadOptions(column_names=names, block_size=ARROW_BLOCK),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, OSError):
        return None  # ragged rows, an unclosed quote at the end, a cell over the block size...
    if table.num_rows < 2 or table.slice(0, 1).to_pylist()[0] != dict(zip(names, header, strict=True)):
        return None
    if _has_cell_of(table, max_cell_chars - 1) or not _no_blank_rows(table):
        return None
    data = table.slice(1)
    frame = pd.DataFrame({i: data.column(i).to_pandas() for i in range(width)})
    return RawTable(
        path=path,
        format="csv",
        encoding=info,
        headers=list(header),
        frame=frame,
        row_numbers=list(range(2, data.num_rows + 2)),
        warnings=[],
        delimiter=delimiter,
        header_row=1,
        blank_rows=0,
    )
