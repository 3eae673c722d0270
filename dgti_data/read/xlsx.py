"""Excel workbooks (.xlsx) read with openpyxl, keeping cell types so dates and numbers stay tellable.

``data_only=True`` gives a formula cell's cached value (what Excel showed); a workbook saved by a
program that never computed it reads as empty there, as in any reader that does not run Excel.

Before openpyxl opens a workbook, its zip directory is checked: a "zip bomb" (a few hundred KB that
inflate to gigabytes) is refused without being inflated. Links to other workbooks are never
followed (``keep_links=False``); the report says the workbook had them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from dgti_data.errors import UnusableInputError
from dgti_data.read.layout import (
    MIN_SHARE,
    SCAN_ROWS,
    FooterWatch,
    HeaderChoice,
    HeaderMatcher,
    blank,
    cell_text,
    choose_header,
    header_note,
)
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


def _frame(rows: list[list[Any]], width: int) -> pd.DataFrame:
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    columns = list(zip(*rows, strict=True)) if rows else [()] * width
    return pd.DataFrame({i: pd.Series(list(col), dtype=object) for i, col in enumerate(columns)})


def iter_xlsx(
    path: Path, sheet: str | None, batch_rows: int, matchers: Mapping[str, HeaderMatcher] | None = None
) -> Iterator[RawTable]:
    """Yield the sheet as RawTables of at most ``batch_rows`` data rows (at least one, maybe empty).

    With ``matchers``, the sheet (unless named) and its header row are the ones that best match
    a schema (``layout``); without, the first sheet and its first non-blank row."""
    notes = check_archive(path)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged archive; all mean "unreadable"
        reason = f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}"
        raise UnusableInputError(path, reason) from None
    try:
        yield from _iter_sheet(path, workbook, sheet, batch_rows, notes, matchers or {})
    finally:
        workbook.close()


def _sheet_rows(path: Path, ws: Any) -> Iterator[tuple[int, list[Any]]]:
    """Non-blank rows (trailing blank cells cut) with their sheet row number; a damaged sheet part
    becomes UnusableInputError, a row past ``MAX_COLUMNS`` too."""
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
        cells = list(values)
        while cells and blank(cells[-1]):
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise UnusableInputError(path, too_wide(len(cells), f"sheet {ws.title!r}, row {number}"))
        yield number, cells


def _scan(path: Path, ws: Any) -> list[tuple[int, list[Any]]]:
    """The sheet's first ``SCAN_ROWS`` non-blank rows (and the one after, for a two-row header)."""
    ws.reset_dimensions()  # a wrong stored dimension would otherwise cut rows or columns off
    return [r for r in islice((r for r in _sheet_rows(path, ws) if r[1]), SCAN_ROWS + 1)]


def _choose_sheet(
    path: Path, workbook: Any, names: list[str], sheet: str | None, matchers: Mapping[str, HeaderMatcher]
) -> tuple[str, HeaderChoice | None, list[str]]:
    """The sheet to read, its header (None: the first non-blank row) and why, as report lines."""
    if sheet is not None or not matchers:
        chosen = sheet or names[0]
        choice = choose_header(_scan(path, workbook[chosen]), matchers) if matchers else None
        why = "the sheet asked for" if sheet is not None else "the first"
        listed = ", ".join(names)
        return chosen, choice, [f"the workbook has {len(names)} sheets ({listed}); read {chosen!r} ({why})"
                                ] if len(names) > 1 else []
    tried = [(name, choose_header(_scan(path, workbook[name]), matchers)) for name in names]
    found = [(name, c) for name, c in tried if c is not None]
    if not found:
        if len(names) == 1:
            return names[0], None, []
        wanted = " or ".join(matchers)
        raise UnusableInputError(
            path, f"no sheet has a header row naming enough fields of {wanted} "
            f"(at least {MIN_SHARE:.0%} of them in its first {SCAN_ROWS} rows); sheets tried: "
            + ", ".join(repr(n) for n in names)
        )
    chosen, choice = max(found, key=lambda nc: nc[1].share)  # max keeps the first of equals
    if len(names) == 1:
        return chosen, choice, []
    others = "; ".join(f"{n!r}: " + (f"{c.share:.0%} at row {c.row}" if c else "no header row")
                       for n, c in tried if n != chosen)
    return chosen, choice, [
        f"the workbook has {len(names)} sheets; read {chosen!r}: its header names {choice.share:.0%} "
        f"of a schema's fields, more than any other sheet's ({others})"
    ]


def _iter_sheet(
    path: Path, workbook: Any, sheet: str | None, batch_rows: int, notes: list[str],
    matchers: Mapping[str, HeaderMatcher],
) -> Iterator[RawTable]:
    names = [ws.title for ws in workbook.worksheets]
    if not names:
        raise UnusableInputError(path, "the workbook has no worksheet")
    if sheet is not None and sheet not in names:
        raise UnusableInputError(path, f"no sheet named {sheet!r}; sheets: {', '.join(names)}")
    sheet, choice, layout = _choose_sheet(path, workbook, names, sheet, matchers)
    ws = workbook[sheet]
    ws.reset_dimensions()

    headers: list[str] | None = None
    header_row = header_rows = 0
    width = 0
    rows: list[list[Any]] = []
    numbers: list[int] = []
    blank_count = 0
    long: list[int] = []
    yielded = False
    footer = FooterWatch(0)

    def batch(extra: list[str]) -> RawTable:
        assert headers is not None
        warnings = [*notes, *layout_warnings] if not yielded else []
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
            warnings=[*warnings, *extra],
            sheet=sheet,
            header_row=header_row,
            header_rows=header_rows,
            blank_rows=blank_count,
            layout=[*(layout if not yielded else []), *extra],
            header_scores=dict(choice.scores) if choice else {},
        )

    first = last = 0
    layout_warnings = list(layout)
    for number, cells in _sheet_rows(path, ws):
        if not cells:
            if headers is not None:
                blank_count += 1
            continue
        first = first or number
        if headers is None:
            if choice is not None and number < choice.row:
                continue  # title lines above the header
            if choice is not None:
                headers, header_row, header_rows = choice.headers, choice.row, choice.rows
                note, unusual = header_note(choice, first)
                layout.append(note)
                if unusual:
                    layout_warnings.append(note)
            else:
                headers, header_row, header_rows = [cell_text(v) for v in cells], number, 1
            width = len(headers)
            footer = FooterWatch(width)
            last = header_row + header_rows - 1
            continue
        if number <= last:
            continue  # the second row of a two-row header
        for n, row in footer.take(number, cells):
            if len(row) > len(headers):
                long.append(n)
                width = max(width, len(row))
            rows.append(row)
            numbers.append(n)
        if len(rows) >= batch_rows:
            yield batch([])
            yielded = True
            rows, numbers, long, blank_count = [], [], [], 0
    if headers is None:
        raise UnusableInputError(path, f"sheet {sheet!r} is empty: no header row")
    note = footer.note()
    if rows or not yielded or blank_count or note:
        yield batch([note] if note else [])
