"""The normalise stage: a RawTable in, the schema's columns out, every change counted."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dgti_data.csvout import write_frame_csv
from dgti_data.datasets import Dataset
from dgti_data.memory import object_block, object_frame, release_arrow_memory
from dgti_data.normalise.changes import ChangeLog
from dgti_data.normalise.headers import column_label, map_headers, missing_fields
from dgti_data.normalise.pipeline import normalise_column
from dgti_data.read.table import EncodingInfo, RawTable, TableFormat


@dataclass(frozen=True)
class SourceInfo:
    """Where the rows came from and how they were read, for the report."""

    path: Path
    format: TableFormat
    encoding: EncodingInfo | None
    sheet: str | None = None
    delimiter: str | None = None
    header_row: int = 1
    blank_rows: int = 0
    header_rows: int = 1
    layout: tuple[str, ...] = ()  # which sheet and header row were read, and why


@dataclass
class NormalisedTable:
    """Columns named and ordered as the schema says; cells ``str`` or None (empty).

    ``row_numbers[i]`` is the raw file's row for frame row ``i`` (and for data row ``i`` of
    ``to_csv``'s output, whose own row number is ``i + 2``). ``set_aside`` holds columns with
    data that no field takes (unknown or duplicate headers): never published, listed in reports
    (at most ``MAX_LISTED_HEADERS`` of them by name; ``unmapped_count`` says how many).
    """

    dataset: str
    frame: pd.DataFrame
    row_numbers: list[int]
    source: SourceInfo
    header_map: dict[str, str]
    unmapped_headers: list[str]
    missing_fields: list[str]
    duplicate_headers: dict[str, str]
    changes: ChangeLog
    rows_read: int
    set_aside_columns: list[tuple[str, int]]  # (label, raw position) of each set-aside column
    aside_frame: pd.DataFrame = field(repr=False)  # the set-aside raw columns, in that order
    warnings: list[str] = field(default_factory=list)
    unmapped_count: int = 0

    @property
    def set_aside(self) -> pd.DataFrame:
        """The set-aside columns' raw cells, labelled, built when asked for (not for every run: a
        file with thousands of unknown columns would cost a pandas Series each)."""
        frame = self.aside_frame.copy()
        frame.columns = [label for label, _ in self.set_aside_columns]
        frame.index = pd.RangeIndex(len(frame))
        return frame

    def to_csv(self, path: Path) -> Path:
        """UTF-8 without BOM, header = field names, minimal quoting, ``\\n`` line ends, None → empty."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_frame_csv(path, self.frame)  # the bytes csv.writer would write, column-wise
        return path


MAX_LISTED_HEADERS = 50  # headers named in a warning or a report; the count is always given


def listed(headers: list[str]) -> str:
    """At most ``MAX_LISTED_HEADERS`` headers, then how many more."""
    more = len(headers) - MAX_LISTED_HEADERS
    return ", ".join(headers[:MAX_LISTED_HEADERS]) + (f", … and {more:,} more" if more > 0 else "")


def _empty_positions(raw: RawTable) -> set[int]:
    """Blank-header columns holding no data: trailing delimiters, not content."""
    empty = set()
    for position, header in enumerate(raw.headers):
        if header.strip():
            continue
        column = raw.frame[raw.frame.columns[position]]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in column.tolist()):
            empty.add(position)
    return empty


def _take_columns(raw: RawTable, mapped: Iterable[int], aside: list[int], consume: bool
                  ) -> tuple[dict[int, pd.Series], pd.DataFrame]:
    """The mapped raw columns by position, and the set-aside ones as a frame (one ``iloc``, not
    a Series per column: a file may have thousands). With ``consume`` the raw table lets go of
    its columns (its frame keeps its rows and no column), so each can be freed once normalised."""
    frame = raw.frame
    columns = {position: frame.iloc[:, position] for position in mapped}
    aside_frame = frame.iloc[:, aside]
    if consume:
        raw.frame = pd.DataFrame(index=frame.index)
    return columns, aside_frame


def normalise(raw: RawTable, dataset: Dataset, *, consume: bool = False) -> NormalisedTable:
    """Map headers to the schema and normalise every cell of the mapped columns.

    ``consume``: the raw table gives up its columns (``raw.frame`` is left with its rows and no
    column) and each raw column is let go as soon as it is normalised, so a big file's raw and
    normalised cells are never all held at once (the pipeline reads ``raw`` no further)."""
    mapping = map_headers(raw.headers, dataset, _empty_positions(raw))
    changes = ChangeLog()
    rows = len(raw.frame)
    positions = mapping.positions
    aside = mapping.set_aside
    raw_columns, aside_frame = _take_columns(raw, positions.values(), [c.position for c in aside], consume)
    uses = Counter(positions.values())
    normalised: list[np.ndarray | None] = []
    for spec in dataset.fields:
        position = positions.get(spec.name)
        if position is None:
            normalised.append(None)
            continue
        normalised.append(normalise_column(raw_columns[position], spec, changes, raw.row_numbers))
        uses[position] -= 1
        if consume and not uses[position]:
            del raw_columns[position]  # its last field: the raw cells can go, now
            release_arrow_memory()
    del raw_columns
    # The frame's block is filled once the raw cells are gone, each column let go as it is copied.
    block = object_block(len(dataset.fields), rows)  # a missing field's column stays None
    for j, values in enumerate(normalised):
        if values is not None:
            block[j] = values
            normalised[j] = None
    frame = object_frame(block, dataset.field_names)
    labels = [column_label(c.position, c.header) for c in aside]
    repeated = Counter(labels)  # one count per label, not a list scan per column
    labels = [f"{label} (column {c.position + 1})" if repeated[label] > 1 else label
              for label, c in zip(labels, aside, strict=True)]

    warnings = [*raw.warnings, *mapping.warnings]
    unmapped = mapping.unmapped_headers
    if unmapped:
        warnings.append(f"{len(unmapped)} column(s) match no field and are set aside: {listed(unmapped)}")
    return NormalisedTable(
        dataset=dataset.name,
        frame=frame,
        row_numbers=list(raw.row_numbers),
        source=SourceInfo(
            path=raw.path,
            format=raw.format,
            encoding=raw.encoding,
            sheet=raw.sheet,
            delimiter=raw.delimiter,
            header_row=raw.header_row,
            blank_rows=raw.blank_rows,
            header_rows=raw.header_rows,
            layout=tuple(raw.layout),
        ),
        header_map=mapping.header_map,
        unmapped_headers=unmapped[:MAX_LISTED_HEADERS],
        unmapped_count=len(unmapped),
        missing_fields=missing_fields(mapping, dataset),
        duplicate_headers=mapping.duplicate_headers,
        changes=changes,
        rows_read=rows,
        set_aside_columns=[(label, c.position) for label, c in zip(labels, aside, strict=True)],
        aside_frame=aside_frame,
        warnings=warnings,
    )
