"""Entry points of the read stage: tell the file's format by its bytes, then read it as a table.

The input is only ever opened for reading. Anything that is not a readable table raises
``UnusableInputError`` with the file and a one-line reason, never a traceback.
"""

from __future__ import annotations

import stat
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from dgti_data.errors import UnusableInputError
from dgti_data.memory import release_arrow_memory
from dgti_data.read.delimited import iter_csv
from dgti_data.read.encoding import detect_encoding
from dgti_data.read.layout import HeaderMatcher
from dgti_data.read.table import RawTable, TableFormat, concat_batches
from dgti_data.read.xlsx import iter_xlsx

DEFAULT_BATCH_ROWS = 50_000

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_FOREIGN = (
    (b"%PDF-", "a PDF document, not a table"),
    (b"\x89PNG", "a PNG image, not a table"),
    (b"\xff\xd8\xff", "a JPEG image, not a table"),
    (b"\x1f\x8b", "a gzip archive: unpack it first"),
)
_MARKUP = (b"<!doctype html", b"<html", b"<table", b"<?xml", b"<workbook")
# What offices send tables as: the ones read, and the ones refused with a message saying what to do
# (.xls, .ods). A file with another suffix (notes, manifests) is not an export and is left alone.
TABLE_SUFFIXES = frozenset({".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".ods"})


def table_files(folder: Path) -> list[Path]:
    """The entries of a drop folder this stage answers for, sorted: each is read or refused clearly.

    Chosen by name alone: a symbolic link, a FIFO or a directory named ``*.csv`` is listed too, so
    that it gets its one-line refusal from ``read_table`` instead of being skipped in silence."""
    return sorted(p for p in Path(folder).iterdir()
                  if not p.name.startswith(".") and p.suffix.lower() in TABLE_SUFFIXES)


def sniff_format(path: Path) -> TableFormat:
    """``csv`` or ``xlsx`` from the content (the extension may lie); reject anything else."""
    if not path.exists():
        raise UnusableInputError(path, "no such file")
    if not path.is_file():
        raise UnusableInputError(path, "not a regular file")
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
    except OSError as exc:
        raise UnusableInputError(path, f"cannot open: {exc.strerror or exc}") from None
    if not head:
        raise UnusableInputError(path, "empty file (0 bytes)")
    if head.startswith(_ZIP):
        return _zip_format(path)
    if head.startswith(_OLE2):
        raise UnusableInputError(path, "a legacy Excel .xls (OLE2) workbook: save it as .xlsx or CSV UTF-8")
    for magic, reason in _FOREIGN:
        if head.startswith(magic):
            raise UnusableInputError(path, reason)
    text_start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_start.startswith(_MARKUP):
        raise UnusableInputError(
            path,
            "an HTML or XML page (web systems often save these as .xls), not a table file: "
            "open it in a spreadsheet and save as .xlsx or CSV UTF-8",
        )
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        raise UnusableInputError(path, "named .xlsx but not a zip archive: the workbook is damaged")
    return "csv"


def _zip_format(path: Path) -> TableFormat:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnusableInputError(path, f"a damaged zip archive: {exc}") from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "content.xml" in names:
        raise UnusableInputError(path, "an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV UTF-8")
    raise UnusableInputError(path, "a zip archive without an Excel workbook in it")


def refuse_unless_regular(path: Path) -> None:
    """Only a regular file is read: a symbolic link could make a drop folder read (and a report
    quote) any file the service can open, and a FIFO or device would block or never end."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        raise UnusableInputError(path, "no such file") from None
    except OSError as exc:
        raise UnusableInputError(path, f"cannot be read: {exc.strerror}") from None
    if stat.S_ISLNK(mode):
        raise UnusableInputError(path, "a symbolic link: refused (only regular files are read; put the "
                                 "file itself in the folder)")
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "a pipe, socket or device"
        raise UnusableInputError(path, f"not a regular file ({kind}): refused")


def iter_batches(
    path: Path,
    encoding: str | None = None,
    sheet: str | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    matchers: Mapping[str, HeaderMatcher] | None = None,
) -> Iterator[RawTable]:
    """The table in batches of at most ``batch_rows`` rows, same headers in each: for big files.

    ``matchers`` (dataset name → its header matcher) let the reader find the header row and the
    sheet an office layout hides them in (``layout``)."""
    path = Path(path)
    refuse_unless_regular(path)
    fmt = sniff_format(path)
    if fmt == "xlsx":
        if encoding:
            raise UnusableInputError(path, "an encoding was given, but this is an .xlsx workbook")
        yield from iter_xlsx(path, sheet, batch_rows, matchers)
        return
    if sheet:
        raise UnusableInputError(path, f"a sheet ({sheet!r}) was asked for, but this is a text file")
    info = detect_encoding(path, encoding)
    first = True
    for batch in iter_csv(path, info, batch_rows, matchers):
        if first:
            if info.method == "detector":
                batch.warnings.insert(
                    0,
                    f"text encoding guessed as {info.encoding} by charset-normalizer "
                    f"(confidence {info.confidence}): check Thai text in the output, "
                    "or give the encoding explicitly",
                )
            if path.suffix.lower() in {".xlsx", ".xlsm", ".xls"}:
                batch.warnings.insert(0, f"named {path.suffix} but holds delimited text: read as CSV")
            first = False
        yield batch


def read_table(
    path: Path, encoding: str | None = None, sheet: str | None = None,
    matchers: Mapping[str, HeaderMatcher] | None = None,
) -> RawTable:
    """Read a CSV or XLSX export whole. ``encoding`` overrides detection; ``sheet`` picks a sheet;
    ``matchers`` find the header row and sheet of an office layout."""
    batches = list(iter_batches(path, encoding=encoding, sheet=sheet, matchers=matchers))
    table = concat_batches(batches)
    del batches
    release_arrow_memory()  # the parser's own buffers, freed once the table is made
    if table.rows == 0:
        table.warnings.append("no data rows below the header")
    return table
