"""Office layouts: where the table is in a sheet as government offices lay their forms out.

A Thai government export rarely starts with its header: title lines come first (merged across the
table, so one cell holds the text), maybe a blank line, then the header, sometimes two rows of it
(a group title such as "ผู้ประสานงาน" spanning its sub-columns, the other headers merged down both
rows), then the data, then signature and note lines ("ลงชื่อ ... ผู้รายงาน", "หมายเหตุ").

The read stage knows no schema: the caller passes ``HeaderMatcher`` objects (one per candidate
dataset, built by ``dgti_data.normalise.headers``) and the row that supplies the most of a dataset's
fields, above ``MIN_SHARE`` of them, is the header. With no matcher, or no row good enough, the
first non-blank row is the header, as before. Every cost here is bounded: ``SCAN_ROWS`` rows are
looked at, each at most ``MAX_COLUMNS`` wide, each cell looked up once per matcher.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

SCAN_ROWS = 30  # non-blank rows looked at for the header: title blocks are a few lines
MAX_FOOTER_ROWS = 50  # more sparse lines than this below a marker are data, not a signature block
MIN_SHARE = 0.3  # share of a dataset's fields a row must supply to be taken as its header
# First words of the lines offices put under a table: signatures, the signer's position, notes,
# "data as of". A line below the data starting with one of these, with few cells, ends the table.
FOOTER_MARKERS = (
    "ลงชื่อ", "ลงนาม", "(ลงชื่อ)", "หมายเหตุ", "ผู้รายงาน", "ผู้จัดทำ", "ผู้รับรอง", "ผู้ตรวจสอบ",
    "รับรองว่า", "รับรองข้อมูล", "ข้อมูล ณ วันที่", "signed", "signature", "note:", "notes:", "remark",
)


class HeaderMatcher(Protocol):
    """What the read stage needs of a schema: which field (if any) a header text names."""

    name: str
    size: int  # the schema's number of fields

    def field_of(self, header: str) -> str | None: ...


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A header cell as text (a float header 2567.0 reads as "2567")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def filled(cells: Sequence[Any]) -> int:
    return sum(not blank(c) for c in cells)


@dataclass(frozen=True)
class HeaderChoice:
    """The header found: its first physical row, how many rows it spans, its texts, and the number
    of fields it supplies for each candidate dataset (``scores[name] = (matched, fields)``)."""

    row: int
    rows: int
    headers: list[str]
    scores: dict[str, tuple[int, int]]

    @property
    def share(self) -> float:
        return max((m / n for m, n in self.scores.values() if n), default=0.0)

    @property
    def last_row(self) -> int:
        return self.row + self.rows - 1

    def describe(self) -> str:
        """Why this row: how many fields of each dataset it names."""
        span = f"rows {self.row}-{self.last_row} (a two-row header)" if self.rows > 1 else f"row {self.row}"
        best = sorted(self.scores.items(), key=lambda kv: -kv[1][0] / max(kv[1][1], 1))
        named = "; ".join(f"{m} of {n} fields of {name}" for name, (m, n) in best[:3])
        return f"header {span}: it names {named}" if named else f"header {span}"


def header_note(choice: HeaderChoice, first_row: int) -> tuple[str, bool]:
    """The report line for the header chosen, and whether it is unusual enough to be a warning
    (title lines above it, or two rows of it)."""
    above = ""
    if first_row < choice.row:
        above = f"; row(s) {first_row}-{choice.row - 1} above it are titles, not data"
    return choice.describe() + above, bool(above) or choice.rows > 1


def matched_fields(headers: Sequence[str], matcher: HeaderMatcher) -> int:
    """Distinct fields the headers supply (linear in the headers)."""
    found = {matcher.field_of(h) for h in headers if h.strip()}
    found.discard(None)
    return len(found)


def _scores(headers: Sequence[str], matchers: Mapping[str, HeaderMatcher]) -> dict[str, tuple[int, int]]:
    return {name: (matched_fields(headers, m), m.size) for name, m in matchers.items()}


def _known(text: str, matchers: Mapping[str, HeaderMatcher]) -> bool:
    return any(m.field_of(text) for m in matchers.values())


def two_row_headers(
    top: Sequence[Any], sub: Sequence[Any], matchers: Mapping[str, HeaderMatcher]
) -> list[str]:
    """One header per column from a group row and a sub-column row.

    A group title sits in the first column of its span (the merged cell's value) and is carried
    right over the columns whose sub-cell is filled; a header merged down both rows has an empty
    sub-cell. Each column's text is "<group> <sub>" if a schema knows it, else the sub-header if a
    schema knows that, else "<group> <sub>" (so an unknown column is still named in full)."""
    width = max(len(top), len(sub))
    group = ""
    out = []
    for i in range(width):
        t = cell_text(top[i]).strip() if i < len(top) else ""
        s = cell_text(sub[i]).strip() if i < len(sub) else ""
        if not s:
            group = ""
            out.append(t)
            continue
        if t:
            group = t
        joined = f"{group} {s}" if group else s
        out.append(joined if _known(joined, matchers) or not _known(s, matchers) else s)
    return out


def choose_header(
    rows: Sequence[tuple[int, Sequence[Any]]], matchers: Mapping[str, HeaderMatcher]
) -> HeaderChoice | None:
    """The best header among the first non-blank ``rows`` ((physical number, cells) each), or None
    when no row supplies ``MIN_SHARE`` of some dataset's fields. Ties go to the earlier, single row."""
    if not matchers:
        return None
    best: HeaderChoice | None = None
    for i, (number, cells) in enumerate(rows[:SCAN_ROWS]):
        single = [cell_text(c) for c in cells]
        candidates = [HeaderChoice(number, 1, single, _scores(single, matchers))]
        if i + 1 < len(rows) and rows[i + 1][0] == number + 1:
            joined = two_row_headers(cells, rows[i + 1][1], matchers)
            candidates.append(HeaderChoice(number, 2, joined, _scores(joined, matchers)))
        for c in candidates:
            if best is None or c.share > best.share:
                best = c
    if best is None or best.share < MIN_SHARE:
        return None
    return best


def footer_marker(cells: Sequence[Any]) -> str | None:
    """The marker word if the row's first non-blank cell starts a signature or note line."""
    for c in cells:
        if not blank(c):
            text = str(c).strip().lstrip("*-•").strip().casefold()
            return next((m for m in FOOTER_MARKERS if text.startswith(m)), None)
    return None


def sparse(cells: Sequence[Any], width: int) -> bool:
    """Few cells filled: a note or signature line, not a record of a ``width``-column table."""
    return filled(cells) <= max(3, width // 3)


@dataclass
class FooterWatch:
    """Holds back the lines from a footer marker on: they are data after all if a full row follows
    (they then go back in, nothing lost), notes and signatures if the sheet ends first."""

    width: int
    held: list[tuple[int, list[Any]]] = field(default_factory=list)
    marker: str = ""

    def take(self, number: int, cells: list[Any]) -> list[tuple[int, list[Any]]]:
        """Rows to append as data now (maybe none while holding)."""
        if self.held:
            if sparse(cells, self.width) and len(self.held) < MAX_FOOTER_ROWS:
                self.held.append((number, cells))
                return []
            released, self.held = [*self.held, (number, cells)], []
            return released
        marker = footer_marker(cells)
        if marker and sparse(cells, self.width):
            self.held, self.marker = [(number, cells)], marker
            return []
        return [(number, cells)]

    def note(self) -> str | None:
        """The report line for the footer the sheet ended with, naming rows, not their text (a
        signature line holds a person's name)."""
        if not self.held:
            return None
        first, last = self.held[0][0], self.held[-1][0]
        where = f"row {first}" if first == last else f"rows {first}-{last}"
        return (f"{where} below the table read as notes and signatures (from a line starting "
                f"{self.marker!r}), not as data")
