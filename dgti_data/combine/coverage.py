"""Coverage for stewards: which offices of the DLA register have submitted, per round, and which not.

Counted from the rows the offices sent: an office has submitted for a round when a row of the union
names it for that round, or a quarantined row of one of the dataset's files does (an office whose
every row was quarantined has sent its file: it is told what to fix, it is not "missing"). Against
``schemas/reference/lao-registry.csv``, by province and office type.
LAO codes are public; no respondent value is read. Three forms: ``coverage.json`` for the steward
(with the codes not yet submitted), tables in the dataset's report, and ``coverage.csv``, counts
only, published beside the data.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
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
    # Register offices counted as submitted whose rows were all quarantined: code → quarantined rows.
    quarantined_only: dict[str, int] = field(default_factory=dict)

    def totals(self, by: str) -> list[dict[str, Any]]:
        """Offices, submitted and missing summed by ``province_code`` or ``lao_type``."""
        names = ["province_code", "province_th", "province_en"] if by == "province_code" else [by]
        counted = ("offices", "submitted", "missing", "quarantined_only")
        sums: dict[str, dict[str, Any]] = {}
        for cell in self.cells:
            row = sums.setdefault(cell[by], {k: cell[k] for k in names} | dict.fromkeys(counted, 0))
            for k in counted:
                row[k] += cell.get(k, 0)
        return [sums[k] for k in sorted(sums)]

    def to_dict(self) -> dict[str, Any]:
        return {"round": self.round, "submitted": self.submitted, "expected": self.expected,
                "share": round(self.submitted / self.expected, 4) if self.expected else None,
                "unknown_offices": self.unknown_offices, "by_province": self.totals("province_code"),
                "by_type": self.totals("lao_type"),
                "submitted_all_rows_quarantined": len(self.quarantined_only),
                "missing": self.missing, "quarantined_only": self.quarantined_only}


def coverage(frame: pd.DataFrame, office_field: str, round_field: str | None,
             reference_dir: Path, quarantined: Sequence[tuple[str, str]] = ()) -> list[RoundCoverage]:
    """One ``RoundCoverage`` per round found in ``frame`` (rows of the union, raw values) or in
    ``quarantined`` (office code and round of each quarantined row of the dataset's files; one
    whose round the union does not have counts nowhere, unless the union is empty)."""
    register = laos(reference_dir)
    names = {p.province_code: (p.name_th, p.name_en) for p in provinces(reference_dir)}
    codes = {lao.lao_code for lao in register}
    offices = frame[office_field].fillna("").astype(str)
    rounds = (frame[round_field].fillna("").astype(str) if round_field
              else pd.Series(ALL_ROUNDS, index=frame.index, dtype=object))
    held: dict[str, Counter[str]] = {}
    for office, rnd in quarantined:
        held.setdefault(rnd.strip() if round_field else ALL_ROUNDS, Counter())[office.strip()] += 1
    known_rounds = set(rounds)
    if known_rounds:  # a quarantined row's round may be the very error (empty, mistyped): not a round
        held = {rnd: offices_held for rnd, offices_held in held.items() if rnd in known_rounds}
    out = []
    for rnd in sorted(known_rounds | set(held)) or [ALL_ROUNDS]:
        in_union = set(offices[rounds == rnd])
        only_held = {code: n for code, n in held.get(rnd, Counter()).items() if code and code not in in_union}
        sent = in_union | set(only_held)
        expected: Counter[tuple[str, str]] = Counter()
        done: Counter[tuple[str, str]] = Counter()
        held_cells: Counter[tuple[str, str]] = Counter()
        missing = []
        for lao in register:
            cell = (lao.province_code, lao.lao_type)
            expected[cell] += 1
            if lao.lao_code in sent:
                done[cell] += 1
                held_cells[cell] += int(lao.lao_code in only_held)
            else:
                missing.append(lao.lao_code)
        cells = [{"province_code": p, "province_th": names.get(p, ("", ""))[0],
                  "province_en": names.get(p, ("", ""))[1], "lao_type": t, "offices": n,
                  "submitted": done[(p, t)], "missing": n - done[(p, t)],
                  "quarantined_only": held_cells[(p, t)]}
                 for (p, t), n in sorted(expected.items())]
        out.append(RoundCoverage(rnd, sum(done.values()), len(register), cells, missing,
                                 len(sent - codes - {""}),
                                 {c: n for c, n in sorted(only_held.items()) if c in codes}))
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
