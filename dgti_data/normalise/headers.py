"""Map raw column headers (Thai, as exports write them) to the schema's English field names.

A header matches a field when, cleaned the same way, it equals one of the field's
``sourceHeaders``, its ``name`` or its ``title``. If no exact match, a looser key without spaces,
dots, hyphens and underscores is tried, only where it points to one field. Nothing is dropped
silently: unknown columns, second columns for one field and schema fields with no column are
all listed for the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from dgti_data.datasets import Dataset
from dgti_data.normalise.digits import thai_digits
from dgti_data.normalise.text import unicode_nfc, whitespace, zero_width

ColumnStatus = Literal["mapped", "duplicate", "unmapped", "empty"]

_LOOSE = str.maketrans("", "", " ._-")


def header_key(text: str) -> str:
    """NFC, no zero-width characters, ASCII digits, single spaces, case-folded."""
    return whitespace(thai_digits(zero_width(unicode_nfc(text)))).casefold()


def loose_key(text: str) -> str:
    return header_key(text).translate(_LOOSE)


def column_label(position: int, header: str) -> str:
    """How a column is named in reports: its header, or its position when the header is blank."""
    return header if header.strip() else f"<column {position + 1}>"


@dataclass(frozen=True)
class ColumnMapping:
    position: int
    header: str
    field: str | None
    status: ColumnStatus


@dataclass
class HeaderMapping:
    columns: list[ColumnMapping]
    warnings: list[str] = field(default_factory=list)

    @property
    def header_map(self) -> dict[str, str]:
        """Raw header → field name, for the columns used."""
        return {c.header: c.field for c in self.columns if c.status == "mapped" and c.field}

    @property
    def positions(self) -> dict[str, int]:
        """Field name → position of its column in the raw table."""
        return {c.field: c.position for c in self.columns if c.status == "mapped" and c.field}

    @property
    def unmapped_headers(self) -> list[str]:
        return [column_label(c.position, c.header) for c in self.columns if c.status == "unmapped"]

    @property
    def duplicate_headers(self) -> dict[str, str]:
        """Raw header (label) → the field an earlier column already supplies."""
        return {
            column_label(c.position, c.header): c.field
            for c in self.columns
            if c.status == "duplicate" and c.field
        }

    @property
    def set_aside(self) -> list[ColumnMapping]:
        """Columns with data that are not used: kept out of the open data, listed in the report."""
        return [c for c in self.columns if c.status in ("unmapped", "duplicate")]


MAX_DUPLICATE_WARNINGS = 20


def _keys(dataset: Dataset) -> tuple[dict[str, str], dict[str, str], list[str]]:
    exact: dict[str, str] = {}
    loose: dict[str, set[str]] = {}
    warnings = []
    for spec in dataset.fields:
        for text in (*spec.source_headers, spec.name, spec.title):
            key = header_key(text)
            if exact.setdefault(key, spec.name) != spec.name:
                warnings.append(
                    f"schema: header {text!r} is listed for both {exact[key]} and {spec.name}; "
                    f"it maps to {exact[key]}"
                )
            loose.setdefault(loose_key(text), set()).add(spec.name)
    unique_loose = {k: next(iter(v)) for k, v in loose.items() if len(v) == 1}
    return exact, unique_loose, list(dict.fromkeys(warnings))


@lru_cache(maxsize=1 << 16)
def _scan_key(text: str) -> str:
    """``header_key``, remembered: the header search looks each cell up once per dataset and per
    header candidate (one row, two rows), so the same texts come back several times."""
    return header_key(text)


class FieldMatcher:
    """A dataset's header keys, for the read stage to find the header row and the sheet an office
    layout hides them in (``dgti_data.read.layout.HeaderMatcher``): the same matching as
    ``map_headers``, one dictionary look-up per header."""

    def __init__(self, dataset: Dataset) -> None:
        self.name = dataset.name
        self.size = len(dataset.fields)
        self._exact, self._loose, _ = _keys(dataset)

    def field_of(self, header: str) -> str | None:
        key = _scan_key(header)
        if not key:
            return None
        return self._exact.get(key) or self._loose.get(key.translate(_LOOSE))


def matchers_for(datasets: list[Dataset]) -> dict[str, FieldMatcher]:
    """Dataset name → its matcher."""
    return {d.name: FieldMatcher(d) for d in datasets}


def map_headers(headers: list[str], dataset: Dataset, empty: set[int] | None = None) -> HeaderMapping:
    """Decide, column by column, which field it supplies. ``empty``: positions with no data."""
    empty = empty or set()
    exact, loose, warnings = _keys(dataset)
    taken: set[str] = set()
    columns = []
    for position, header in enumerate(headers):
        name = exact.get(header_key(header)) or loose.get(loose_key(header))
        if not header_key(header):
            status: ColumnStatus = "empty" if position in empty else "unmapped"
            name = None
        elif name is None:
            status = "unmapped"
        elif name in taken:
            status = "duplicate"
        else:
            status = "mapped"
            taken.add(name)
        columns.append(ColumnMapping(position, header, name, status))
    mapping = HeaderMapping(columns, warnings)
    ignored = [c for c in columns if c.status == "empty"]
    if ignored:
        mapping.warnings.append(f"{len(ignored)} column(s) with no header and no data ignored")
    mapped = {c.field: c for c in columns if c.status == "mapped"}  # one pass: linear in columns
    duplicates = [c for c in columns if c.status == "duplicate"]
    if len(duplicates) > MAX_DUPLICATE_WARNINGS:
        mapping.warnings.append(f"{len(duplicates):,} columns map to a field an earlier column already "
                                f"supplies; the first {MAX_DUPLICATE_WARNINGS} are listed, all are set aside")
    for c in duplicates[:MAX_DUPLICATE_WARNINGS]:
        first = mapped[c.field]
        mapping.warnings.append(
            f"column {column_label(c.position, c.header)!r} (column {c.position + 1}) also maps to "
            f"{c.field}; column {first.position + 1} ({first.header!r}) is used, this one set aside"
        )
    return mapping


def missing_fields(mapping: HeaderMapping, dataset: Dataset) -> list[str]:
    """Schema fields no column supplies, in schema order."""
    present = mapping.positions
    return [name for name in dataset.field_names if name not in present]
