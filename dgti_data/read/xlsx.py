"""Excel workbooks (.xlsx) read with openpyxl, keeping cell types so dates and numbers stay tellable.

``data_only=True`` gives a formula cell's cached value (what Excel showed); a workbook saved by a
program that never computed it reads as empty there, as in any reader that does not run Excel.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from dgti_data.errors import UnusableInputError
from dgti_data.read.table import RawTable

MAX_LISTED_ROWS = 5


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
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged archive; all mean "unreadable"
        reason = f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}"
        raise UnusableInputError(path, reason) from None
    try:
        yield from _iter_sheet(path, workbook, sheet, batch_rows)
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


def _iter_sheet(path: Path, workbook: Any, sheet: str | None, batch_rows: int) -> Iterator[RawTable]:
    names = [ws.title for ws in workbook.worksheets]
    if not names:
        raise UnusableInputError(path, "the workbook has no worksheet")
    if sheet is None:
        sheet = names[0]
    elif sheet not in names:
        raise UnusableInputError(path, f"no sheet named {sheet!r}; sheets: {', '.join(names)}")
    first_warnings = []
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
