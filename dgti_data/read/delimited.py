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
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa

from dgti_data.errors import UnusableInputError
from dgti_data.read.fastcsv import read_regular
from dgti_data.read.layout import (
    MAX_FOOTER_ROWS,
    SCAN_ROWS,
    FooterWatch,
    HeaderMatcher,
    choose_header,
    header_note,
    sparse,
)
from dgti_data.read.table import MAX_COLUMNS, EncodingInfo, RawTable, too_wide

# A longer cell is almost always an unclosed quote swallowing the rest of the file. The csv module's
# limit is process-wide and frictionless raises it to 2 GiB when imported, so it is set on every read.
MAX_CELL_CHARS = 131_072

DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 64 * 1024
SNIFF_RECORDS = 50
MAX_LISTED_ROWS = 5


def sniff_delimiter(sample: str) -> str:
    """The candidate giving a width of more than one cell that most sampled rows agree with
    (``,`` if none)."""
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
        # The width most multi-cell records share: title lines above an office's table are one
        # cell wide whatever the delimiter, so the first record alone would not tell.
        widths = Counter(len(r) for r in records if len(r) > 1)
        width = max(widths, key=lambda w: (widths[w], w)) if widths else 1
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


def _scan(path: Path, info: EncodingInfo, delimiter: str) -> list[tuple[int, list[str]]]:
    """The first ``SCAN_ROWS`` non-blank records (and one more) with their record numbers; a file
    that does not parse that far gives what it did (the full read then reports where it broke)."""
    found: list[tuple[int, list[str]]] = []
    try:
        with path.open("r", encoding=info.encoding, errors="strict", newline="") as fh:
            for record, cells in enumerate(csv.reader(fh, delimiter=delimiter), start=1):
                if any(c.strip() for c in cells):
                    found.append((record, cells))
                    if len(found) > SCAN_ROWS:
                        break
    except (csv.Error, UnicodeDecodeError):
        pass
    return found


def _trim_footer(table: RawTable) -> RawTable:
    """The fast path's table without the note and signature lines it ends with (as ``FooterWatch``
    would have held them back)."""
    frame, width = table.frame, len(table.headers)
    start = end = len(frame)
    while start > 0 and end - start < MAX_FOOTER_ROWS:
        cells = [frame.iat[start - 1, c] for c in range(frame.shape[1])]
        if not sparse(cells, width):
            break
        start -= 1
    watch = FooterWatch(width)
    for i in range(start, end):
        if watch.take(table.row_numbers[i], [frame.iat[i, c] for c in range(frame.shape[1])]):
            watch = FooterWatch(width)  # released: rows up to here are data
            start = i + 1
    note = watch.note()
    if note is None:
        return table
    cut = end - len(watch.held)
    return dataclasses.replace(
        table, frame=frame.iloc[:cut].reset_index(drop=True), row_numbers=table.row_numbers[:cut],
        warnings=[*table.warnings, note], layout=[*table.layout, note],
    )


def iter_csv(
    path: Path, info: EncodingInfo, batch_rows: int, matchers: Mapping[str, HeaderMatcher] | None = None
) -> Iterator[RawTable]:
    """Yield the file as RawTables of at most ``batch_rows`` data rows (at least one, maybe empty).

    With ``matchers``, the header is the record among the first ones that best names a schema's
    fields (``layout``): title lines above it are skipped, a two-row header joined."""
    csv.field_size_limit(MAX_CELL_CHARS)
    delimiter = sniff_delimiter(_read_sample(path, info.encoding))
    _check_first_line_width(path, info.encoding, delimiter)
    scanned = _scan(path, info, delimiter) if matchers else []
    choice = choose_header(scanned, matchers or {})
    layout: list[str] = []
    layout_warnings: list[str] = []
    if choice is not None:
        note, unusual = header_note(choice, scanned[0][0])
        layout.append(note)
        layout_warnings += [note] if unusual else []
    if choice is None or (choice.row == scanned[0][0] and choice.rows == 1):
        fast = read_regular(path, info, delimiter, MAX_CELL_CHARS)
        if fast is not None:
            fast.layout = list(layout)
            fast.header_scores = dict(choice.scores) if choice else {}
            yield from _slices(_trim_footer(fast), batch_rows)
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

    def batch(extra: list[str]) -> RawTable:
        assert headers is not None
        warnings = list(layout_warnings) if not yielded else []
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
            header_rows=choice.rows if choice else 1,
            layout=[*(layout if not yielded else []), *extra],
            header_scores=dict(choice.scores) if choice else {},
        )
        table.warnings += extra
        return table

    def keep(number: int, cells: list[str]) -> None:
        nonlocal width
        if len(cells) > len(headers or ()):
            while len(cells) > len(headers or ()) and not cells[-1].strip():
                cells.pop()  # a trailing delimiter is not an extra cell
            if len(cells) > len(headers or ()):
                long.append(number)
                width = max(width, len(cells))
        elif len(cells) < named:
            short.append(number)
        rows.append(cells)
        numbers.append(number)

    footer = FooterWatch(0)
    last = 0
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
                    if choice is not None and record < choice.row:
                        continue  # title lines above the header
                    headers, header_row = (choice.headers, record) if choice else (cells, record)
                    width = len(headers)
                    named = max((i + 1 for i, h in enumerate(headers) if h.strip()), default=0)
                    footer = FooterWatch(named)
                    last = record + (choice.rows - 1 if choice else 0)
                    continue
                if record <= last:
                    continue  # the second row of a two-row header
                for number, row in footer.take(record, cells):
                    keep(number, row)
                if len(rows) >= batch_rows:
                    yield batch([])
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
    note = footer.note()
    if rows or not yielded or blank or note:
        yield batch([note] if note else [])


def _csv_error(exc: csv.Error, record: int) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return (
            f"row {record}: a cell longer than {csv.field_size_limit()} characters; "
            'probably an unclosed quote (") at or before this row'
        )
    return f"row {record}: cannot parse as delimited text: {text}"
