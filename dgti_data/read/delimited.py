"""Delimited text (CSV, TSV, semicolon or pipe separated) read into string columns, in batches.

The stdlib csv module defines how a file reads: it keeps ragged rows and multi-line cells, and
tells the record number frictionless will use for each row. A regular file (no ragged or blank
rows, no stray quotes: ``fastcsv``) is parsed by Arrow instead, with the same result.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from dgti_data.errors import UnusableInputError
from dgti_data.read.fastcsv import read_regular
from dgti_data.read.table import MAX_COLUMNS, EncodingInfo, RawTable, too_wide

# A longer cell is almost always an unclosed quote swallowing the rest of the file. The csv module's
# limit is process-wide and frictionless raises it to 2 GiB when imported, so it is set on every read.
MAX_CELL_CHARS = 131_072

DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 64 * 1024
SNIFF_RECORDS = 50
MAX_LISTED_ROWS = 5


def sniff_delimiter(sample: str) -> str:
    """The candidate giving a wide header that most sampled rows agree with (``,`` if none)."""
    if len(sample) >= SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rfind("\n")]  # drop the record cut by the sample's end
    best, best_score = ",", (False, 0.0, 0)
    for delimiter in DELIMITERS:
        try:
            reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
            records = list(itertools.islice(reader, SNIFF_RECORDS))
        except csv.Error:
            continue
        records = [r for r in records if any(c.strip() for c in r)]
        if not records:
            continue
        width = len(records[0])
        agree = sum(len(r) == width for r in records) / len(records)
        score = (width > 1, agree, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_sample(path: Path, encoding: str) -> str:
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        return fh.read(SNIFF_CHARS)


def _rows_text(rows: list[int]) -> str:
    listed = ", ".join(str(r) for r in rows[:MAX_LISTED_ROWS])
    return listed + (", ..." if len(rows) > MAX_LISTED_ROWS else "")


def _frame(rows: list[list[str]], width: int) -> pd.DataFrame:
    """String columns (pandas' Arrow-backed ``str``): a fraction of the memory of Python objects."""
    if not rows:
        return pd.DataFrame({i: pd.Series([], dtype="str") for i in range(width)})
    for row in rows:
        if len(row) < width:
            row.extend([""] * (width - len(row)))
    columns = zip(*rows, strict=True)
    return pd.DataFrame({i: _str_series(col) for i, col in enumerate(columns)})


def _str_series(values: tuple[str, ...]) -> pd.Series:
    # Building the Arrow array first is several times faster than pandas' own conversion.
    return pa.array(values, pa.large_string()).to_pandas().astype("str")


def _slices(table: RawTable, batch_rows: int) -> Iterator[RawTable]:
    """A whole table cut into batches of at most ``batch_rows`` rows, as ``iter_csv`` yields them."""
    if table.rows <= batch_rows:
        yield table
        return
    for start in range(0, table.rows, batch_rows):
        end = start + batch_rows
        yield dataclasses.replace(
            table,
            frame=table.frame.iloc[start:end].reset_index(drop=True),
            row_numbers=table.row_numbers[start:end],
            warnings=list(table.warnings) if start == 0 else [],
        )


WIDTH_BLOCK = 1 << 20


def _check_first_line_width(path: Path, encoding: str, delimiter: str) -> None:
    """Refuse a file whose first non-blank line has more than ``MAX_COLUMNS`` delimiters, reading
    it by blocks and stopping at the limit: such a line is never held whole (a 10 MB single line)."""
    count = 0
    text = False
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        while block := fh.read(WIDTH_BLOCK):
            pos = 0
            while pos < len(block):
                ends = [i for i in (block.find("\n", pos), block.find("\r", pos)) if i != -1]
                end = min(ends) if ends else len(block)
                part = block[pos:end]
                count += part.count(delimiter)
                text = text or bool(part.strip(" \t\ufeff" + delimiter))
                if count >= MAX_COLUMNS:
                    raise UnusableInputError(path, too_wide(count + 1, "the header row"))
                if not ends:
                    break
                if text:
                    return
                count, pos = 0, end + 1  # a blank line: the header is further down


def iter_csv(path: Path, info: EncodingInfo, batch_rows: int) -> Iterator[RawTable]:
    """Yield the file as RawTables of at most ``batch_rows`` data rows (at least one, maybe empty)."""
    csv.field_size_limit(MAX_CELL_CHARS)
    delimiter = sniff_delimiter(_read_sample(path, info.encoding))
    _check_first_line_width(path, info.encoding, delimiter)
    fast = read_regular(path, info, delimiter, MAX_CELL_CHARS)
    if fast is not None:
        yield from _slices(fast, batch_rows)
        return
    record = 0
    headers: list[str] | None = None
    header_row = 0
    width = named = 0
    rows: list[list[str]] = []
    numbers: list[int] = []
    blank = 0
    short: list[int] = []
    long: list[int] = []
    yielded = False

    def batch() -> RawTable:
        assert headers is not None
        warnings = []
        if long:
            warnings.append(
                f"{len(long)} row(s) have more cells than the header ({_rows_text(long)}): "
                "the extra cells are kept in unnamed columns"
            )
        if short:
            warnings.append(
                f"{len(short)} row(s) have fewer cells than the header ({_rows_text(short)}): "
                "the missing cells are read as empty"
            )
        table = RawTable(
            path=path,
            format="csv",
            encoding=info,
            headers=headers + [""] * (width - len(headers)),
            frame=_frame(rows, width),
            row_numbers=list(numbers),
            warnings=warnings,
            delimiter=delimiter,
            header_row=header_row,
            blank_rows=blank,
        )
        return table

    try:
        with path.open("r", encoding=info.encoding, errors="strict", newline="") as fh:
            for cells in csv.reader(fh, delimiter=delimiter):
                record += 1
                if not (cells and cells[0].strip()) and not any(c.strip() for c in cells):
                    if headers is not None:
                        blank += 1
                    continue
                if len(cells) > MAX_COLUMNS:
                    raise UnusableInputError(path, too_wide(len(cells), f"row {record}"))
                if headers is None:
                    headers, header_row, width = cells, record, len(cells)
                    named = max((i + 1 for i, h in enumerate(cells) if h.strip()), default=0)
                    continue
                if len(cells) > len(headers):
                    while len(cells) > len(headers) and not cells[-1].strip():
                        cells.pop()  # a trailing delimiter is not an extra cell
                    if len(cells) > len(headers):
                        long.append(record)
                        width = max(width, len(cells))
                elif len(cells) < named:
                    short.append(record)
                rows.append(cells)
                numbers.append(record)
                if len(rows) >= batch_rows:
                    yield batch()
                    yielded = True
                    rows, numbers, short, long, blank = [], [], [], [], 0
    except csv.Error as exc:
        raise UnusableInputError(path, _csv_error(exc, record + 1)) from None
    except UnicodeDecodeError as exc:
        raise UnusableInputError(
            path, f"row {record + 1}: does not decode as {info.encoding}: {exc.reason}"
        ) from None
    if headers is None:
        raise UnusableInputError(path, "no header row: the file has no non-blank line")
    if rows or not yielded or blank:
        yield batch()


def _csv_error(exc: csv.Error, record: int) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"row {record}: a cell longer than {csv.field_size_limit()} characters; "
            'probably an unclosed quote (") at or before this row'
        )
    return f"row {record}: cannot parse as delimited text: {text}"
