"""What the read stage hands on: a raw table exactly as the file holds it, plus how it was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd

# No export of the programme's datasets comes near this; a file past it is refused before it is
# parsed (a single line of tens of thousands of cells would otherwise cost minutes and gigabytes).
MAX_COLUMNS = 5_000

EncodingMethod = Literal["declared", "bom", "utf-8-strict", "thai-single-byte", "detector"]
TableFormat = Literal["csv", "xlsx"]


def too_wide(columns: int, where: str) -> str:
    """The one line for a row past ``MAX_COLUMNS``."""
    return (f"{where}: {columns:,} columns or more, over the limit of {MAX_COLUMNS:,} (MAX_COLUMNS): "
            "not a table export of this programme")


@dataclass(frozen=True)
class EncodingInfo:
    """How the text encoding was decided: reports show it, so a wrong guess is never silent."""

    encoding: str
    method: EncodingMethod
    confidence: float | None = None
    note: str = ""


@dataclass
class RawTable:
    """Cells as the file holds them, one frame column per header position.

    Columns are labelled by position (0, 1, ...) so blank and duplicate headers keep their data;
    ``headers[i]`` is the text of column ``i`` (``""`` for cells beyond the header row, with a
    warning). CSV cells are ``str`` (``""`` when empty); xlsx cells are what openpyxl gives
    (str, int, float, bool, datetime, time or None), so the normaliser can tell a date cell or a
    serial number from text. ``row_numbers[i]`` is the physical row of frame row ``i`` counted as
    frictionless does: the header is row 1 in a usual file, blank and multi-line records count
    as one row each, and skipped blank rows keep their numbers out of the frame.
    """

    path: Path
    format: TableFormat
    encoding: EncodingInfo | None
    headers: list[str]
    frame: pd.DataFrame
    row_numbers: list[int]
    warnings: list[str] = field(default_factory=list)
    sheet: str | None = None
    delimiter: str | None = None
    header_row: int = 1
    blank_rows: int = 0
    header_rows: int = 1  # 2 for a group-title row over a sub-column row
    layout: list[str] = field(default_factory=list)  # which sheet and header row, and why
    header_scores: dict[str, tuple[int, int]] = field(default_factory=dict)  # dataset → (named, fields)

    @property
    def rows(self) -> int:
        return len(self.frame)


def concat_batches(batches: list[RawTable]) -> RawTable:
    """Join batches of one file back into a single table (widths may differ on ragged files)."""
    first = batches[0]
    width = max(len(b.headers) for b in batches)
    empty: object = "" if first.format == "csv" else None
    frames = []
    for b in batches:
        frame = b.frame
        if frame.shape[1] < width:
            frame = frame.reindex(columns=range(width), fill_value=empty)
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    headers = max((b.headers for b in batches), key=len)
    return RawTable(
        path=first.path,
        format=first.format,
        encoding=first.encoding,
        headers=list(headers),
        frame=frame,
        row_numbers=[n for b in batches for n in b.row_numbers],
        warnings=[w for b in batches for w in b.warnings],
        sheet=first.sheet,
        delimiter=first.delimiter,
        header_row=first.header_row,
        blank_rows=sum(b.blank_rows for b in batches),
        header_rows=first.header_rows,
        layout=list(dict.fromkeys(line for b in batches for line in b.layout)),
        header_scores=first.header_scores,
    )
