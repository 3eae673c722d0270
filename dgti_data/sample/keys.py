"""Primary keys as a pure function of the row number: unique by construction, with no memory.

Rows are split into consecutive year blocks and numbered from 000001 within each year, the way
DGTi numbers entries (``DGTi-2566-000123``). A duplicate can then be planted by recomputing an
earlier row's key instead of remembering every key written.
"""

from __future__ import annotations

RECENT_YEARS = tuple(range(2564, 2570))  # BE; six rounds cover up to ~6 million rows
ALL_YEARS = tuple(range(2560, 2576))  # the schema's whole range, for larger samples
MAX_SEQUENCE = 999_999  # six digits


class KeySequence:
    def __init__(self, prefix: str, rows: int) -> None:
        years = RECENT_YEARS if -(-rows // len(RECENT_YEARS)) <= MAX_SEQUENCE else ALL_YEARS
        if -(-rows // len(years)) > MAX_SEQUENCE:
            raise ValueError(f"{rows} rows do not fit six-digit sequences in {len(years)} years")
        self.prefix = prefix
        self.rows = rows
        self.years = years

    def year(self, index: int) -> int:
        return self.years[index * len(self.years) // self.rows]

    def key(self, index: int) -> str:
        return self.year_and_key(index)[1]

    def year_and_key(self, index: int) -> tuple[int, str]:
        m = len(self.years)
        block = index * m // self.rows
        start = -(-block * self.rows // m)
        year = self.years[block]
        return year, f"{self.prefix}-{year}-{index - start + 1:06d}"
