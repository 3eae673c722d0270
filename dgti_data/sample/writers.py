"""File writers: CSV in UTF-8 with BOM or cp874, and xlsx, each streaming and byte-reproducible.

openpyxl stamps the workbook's created/modified times and each zip entry's time with "now"; the
xlsx writer pins both so that the same seed gives the same bytes.
"""

from __future__ import annotations

import codecs
import shutil
import zipfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from dgti_data.sample.assembly import quote
from dgti_data.sample.forms import Cell, Format

XLSX_MAX_DATA_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header
FIXED_TIME = datetime(2024, 1, 1)
_ZIP_TIME = (2024, 1, 1, 0, 0, 0)
SHEET_TITLE = "Sheet1"


class Sink(Protocol):
    def header(self, labels: Sequence[str]) -> None: ...
    def rows(self, rows: list[Any]) -> None:
        """CSV: finished lines; xlsx: sequences of cells."""
    def close(self) -> None: ...


class CsvSink:
    """Excel-style CSV: CRLF line ends, minimal quoting; cp874 strictly (a bug, not '?', if a
    character does not fit).

    Rows arrive as finished lines (``assembly``): ``csv.writer`` is several times slower on long
    Thai cells, and the quoting is the same.
    """

    def __init__(self, path: Path, encoding: str) -> None:
        # Binary file, encoded here in big batches: TextIOWrapper costs more than the encoding.
        self._fh = path.open("wb")
        self._encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        if encoding == "utf-8-sig":
            self._fh.write(codecs.BOM_UTF8)

    def header(self, labels: Sequence[str]) -> None:
        self._write(",".join(quote(c) for c in labels) + "\r\n")

    def rows(self, rows: list[str]) -> None:
        if rows:
            self._write("\r\n".join(rows) + "\r\n")

    def _write(self, text: str) -> None:
        self._fh.write(text.encode(self._encoding, "strict"))

    def close(self) -> None:
        self._fh.close()


class _PinnedZip(zipfile.ZipFile):
    """A ZipFile that gives every entry the same timestamp and permissions."""

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._info(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        info = self._info(str(arcname or filename))
        with open(filename, "rb") as src, self.open(info, "w", force_zip64=True) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)


class XlsxSink:
    """One sheet, header in row 1, written with openpyxl's streaming (write-only) workbook."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._wb = Workbook(write_only=True)
        self._ws = self._wb.create_sheet(SHEET_TITLE)

    def header(self, labels: Sequence[str]) -> None:
        self._ws.append(list(labels))

    def rows(self, rows: list[Sequence[Cell]]) -> None:
        append = self._ws.append
        for row in rows:
            append(row)

    def close(self) -> None:
        props = self._wb.properties
        props.created = props.modified = FIXED_TIME
        props.creator = "dgti-data sample"
        archive = _PinnedZip(self._path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        ExcelWriter(self._wb, archive).save()


def open_sink(path: Path, fmt: Format) -> Sink:
    if fmt == "csv-utf8-bom":
        return CsvSink(path, "utf-8-sig")
    if fmt == "csv-cp874":
        return CsvSink(path, "cp874")
    if fmt == "xlsx":
        return XlsxSink(path)
    raise ValueError(f"unknown format {fmt!r}")
