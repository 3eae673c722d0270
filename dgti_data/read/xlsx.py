"""Excel workbooks (.xlsx) read with openpyxl, keeping cell types so dates and numbers stay tellable.

``data_only=True`` gives a formula cell's cached value (what Excel showed); a workbook saved by a
program that never computed it reads as empty there, as in any reader that does not run Excel.

Before openpyxl opens a workbook, its zip directory is checked: a "zip bomb" (a few hundred KB that
inflate to gigabytes) is refused without being inflated. Links to other workbooks are never
followed (``keep_links=False``); the report says the workbook had them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from dgti_data.errors import UnusableInputError
from dgti_data.read.table import MAX_COLUMNS, RawTable, too_wide

MAX_LISTED_ROWS = 5
# Limits checked in the zip directory before anything is inflated. A real export's sheet XML
# compresses 5-20 times; a zip bomb's, thousands of times.
MAX_UNCOMPRESSED_BYTES = 2 << 30
MAX_RATIO = 100
RATIO_FROM_BYTES = 16 << 20  # small parts may compress well (shared strings of one repeated value)
MAX_PARTS = 10_000
EXTERNAL_LINKS = "xl/externalLinks/"


def check_archive(path: Path) -> list[str]:
    """Refuse a workbook whose parts would inflate beyond the limits (``UnusableInputError``);
    return warnings about what it holds that is not read (external links)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnusableInputError(path, f"a damaged zip archive: {exc}") from None
    if len(infos) > MAX_PARTS:
        raise UnusableInputError(path, f"the workbook has {len(infos):,} parts (limit {MAX_PARTS:,})")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise UnusableInputError(
            path, f"the workbook would inflate to {total / 2**30:.1f} GiB "
            f"(limit {MAX_UNCOMPRESSED_BYTES / 2**30:.0f} GiB): refused as a possible zip bomb"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM_BYTES and ratio > MAX_RATIO:
            raise UnusableInputError(
                path, f"part {info.filename} inflates {ratio:,.0f} times, to "
                f"{info.file_size / 2**20:,.0f} MiB (limit {MAX_RATIO} times): refused as a possible zip bomb"
            )
    links = [i for i in infos if i.filename.startswith(EXTERNAL_LINKS) and i.filename.endswith(".xml")]
    if links:
        return [
            f"the workbook links to {len(links)} other workbook(s): links are not followed, and cells "
            "computed from them are read as the values Excel last saved (empty if none)"
        ]
    return []


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _frame(rows: list[list[Any]], width: int) -> pd.DataFrame:
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return pd.DataFrame({i: pd.Series(list(col), dtype=object) for i, col in enumerate(columns)})


def iter_xlsx(path: Path, sheet: str | None, batch_rows: int) -> Iterator[RawTable]:
    """Yield the sheet as RawTables of at most ``batch_rows`` data rows (at least one, maybe empty)."""
    notes = check_archive(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged archive; all mean "unreadable"
        reason = f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}"
        raise UnusableInputError(path, reason) from None
    try:
        yield from _iter_sheet(path, workbook, sheet, batch_rows, notes)
    finally:
        workbook.close()


def _sheet_rows(path: Path, ws: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Rows with their sheet row number; a damaged sheet part becomes UnusableInputError."""
    rows = ws.iter_rows(values_only=True)
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # damaged sheet XML surfaces as parser or value errors mid-read
            raise UnusableInputError(
                path, f"sheet {ws.title!r}, row {number + 1}: unreadable: {type(exc).__name__}: {exc}"
            ) from None
        number += 1
        yield number, values


def _iter_sheet(
    path: Path, workbook: Any, sheet: str | None, batch_rows: int, notes: list[str]
) -> Iterator[RawTable]:
    names = [ws.title for ws in workbook.worksheets]
    if not names:
        raise UnusableInputError(path, "the workbook has no worksheet")
    if sheet is None:
        sheet = names[0]
    elif sheet not in names:
        raise UnusableInputError(path, f"no sheet named {sheet!r}; sheets: {', '.join(names)}")
    first_warnings = list(notes)
    if len(names) > 1:
        first_warnings.append(f"the workbook has {len(names)} sheets ({', '.join(names)}); read {sheet!r}")
    ws = workbook[sheet]
    ws.reset_dimensions()  # a wrong stored dimension would otherwise cut rows or columns off

    headers: list[str] | None = None
    header_row = 0
    width = 0
    rows: list[list[Any]] = []
    numbers: list[int] = []
    blank = 0
    long: list[int] = []
    yielded = False

    def batch() -> RawTable:
        assert headers is not None
        warnings = first_warnings if not yielded else []
        if long:
            listed = ", ".join(str(r) for r in long[:MAX_LISTED_ROWS])
            listed += ", ..." if len(long) > MAX_LISTED_ROWS else ""
            warnings = [
                *warnings,
                f"{len(long)} row(s) have cells right of the last header ({listed}): kept in unnamed columns",
            ]
        return RawTable(
            path=path,
            format="xlsx",
            encoding=None,
            headers=headers + [""] * (width - len(headers)),
            frame=_frame(rows, width),
            row_numbers=list(numbers),
            warnings=list(warnings),
            sheet=sheet,
            header_row=header_row,
            blank_rows=blank,
        )

    for number, values in _sheet_rows(path, ws):
        cells = list(values)
        while cells and _blank(cells[-1]):
            cells.pop()
        if not cells:
            if headers is not None:
                blank += 1
            continue
        if len(cells) > MAX_COLUMNS:
            raise UnusableInputError(path, too_wide(len(cells), f"sheet {sheet!r}, row {number}"))
        if headers is None:
            headers, header_row, width = [_header_text(v) for v in cells], number, len(cells)
            continue
        if len(cells) > len(headers):
            long.append(number)
            width = max(width, len(cells))
        rows.append(cells)
        numbers.append(number)
        if len(rows) >= batch_rows:
            yield batch()
            yielded = True
            rows, numbers, long, blank = [], [], [], 0
    if headers is None:
        raise UnusableInputError(path, f"sheet {sheet!r} is empty: no header row")
    if rows or not yielded or blank:
        yield batch()
