"""Coverage for stewards: which offices of the DLA register have submitted, per round, and which not.

Counted from the union's rows (an office has submitted for a round when a row of the union names
it for that round), against ``schemas/reference/lao-registry.csv``, by province and office type.
LAO codes are public; no respondent value is read. Three forms: ``coverage.json`` for the steward
(with the codes not yet submitted), tables in the dataset's report, and ``coverage.csv``, counts
only, published beside the data.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from dgti_data.reference import laos, provinces

ALL_ROUNDS = ""  # when a dataset declares no round field


@dataclass
class RoundCoverage:
    round: str
    submitted: int
    expected: int
    cells: list[dict[str, Any]] = field(default_factory=list)  # per province and office type
    missing: list[str] = field(default_factory=list)
    unknown_offices: int = 0  # codes not in the register (validation quarantines them)

    def totals(self, by: str) -> list[dict[str, Any]]:
        """Offices, submitted and missing summed by ``province_code`` or ``lao_type``."""
        names = ["province_code", "province_th", "province_en"] if by == "province_code" else [by]
        sums: dict[str, dict[str, Any]] = {}
        for cell in self.cells:
            row = sums.setdefault(cell[by], {k: cell[k] for k in names}
                                  | {"offices": 0, "submitted": 0, "missing": 0})
            for k in ("offices", "submitted", "missing"):
                row[k] += cell[k]
        return [sums[k] for k in sorted(sums)]

    def to_dict(self) -> dict[str, Any]:
        return {"round": self.round, "submitted": self.submitted, "expected": self.expected,
                "share": round(self.submitted / self.expected, 4) if self.expected else None,
                "unknown_offices": self.unknown_offices, "by_province": self.totals("province_code"),
                "by_type": self.totals("lao_type"), "missing": self.missing}


def coverage(frame: pd.DataFrame, office_field: str, round_field: str | None,
             reference_dir: Path) -> list[RoundCoverage]:
    """One ``RoundCoverage`` per round found in ``frame`` (rows of the union, raw values)."""
    register = laos(reference_dir)
    names = {p.province_code: (p.name_th, p.name_en) for p in provinces(reference_dir)}
    codes = {lao.lao_code for lao in register}
    offices = frame[office_field].fillna("").astype(str)
    rounds = (frame[round_field].fillna("").astype(str) if round_field
              else pd.Series(ALL_ROUNDS, index=frame.index, dtype=object))
    out = []
    for rnd in sorted(set(rounds)) or [ALL_ROUNDS]:
        sent = set(offices[rounds == rnd])
        expected: Counter[tuple[str, str]] = Counter()
        done: Counter[tuple[str, str]] = Counter()
        missing = []
        for lao in register:
            cell = (lao.province_code, lao.lao_type)
            expected[cell] += 1
            if lao.lao_code in sent:
                done[cell] += 1
            else:
                missing.append(lao.lao_code)
        cells = [{"province_code": p, "province_th": names.get(p, ("", ""))[0],
                  "province_en": names.get(p, ("", ""))[1], "lao_type": t, "offices": n,
                  "submitted": done[(p, t)], "missing": n - done[(p, t)]}
                 for (p, t), n in sorted(expected.items())]
        out.append(RoundCoverage(rnd, sum(done.values()), len(register), cells, missing,
                                 len(sent - codes - {""})))
    return out


COUNT_COLUMNS = ["round", "province_code", "province_th", "province_en", "lao_type", "offices", "submitted",
                 "missing"]


def write_counts_csv(path: Path, rounds: list[RoundCoverage]) -> Path:
    """The published form: per round, province and office type, the offices in the register, how
    many have submitted and how many not. Counts only."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COUNT_COLUMNS)
        for rc in rounds:
            writer.writerows([rc.round, *(cell[c] for c in COUNT_COLUMNS[1:])] for cell in rc.cells)
    return path
