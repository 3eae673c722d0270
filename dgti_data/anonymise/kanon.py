"""k-anonymity over declared quasi-identifiers: every published combination is shared by ≥ k rows.

Three phases, each only as far as needed:

1. global recoding: while more than 5 % of the rows (at least k) are in groups smaller than k,
   the column whose next ``kAnonymityLadder`` step leaves the fewest such rows is generalised for
   all rows (one band scheme per column: 20-year bands everywhere, not a mix with 10-year ones);
2. local suppression: in the rows still at risk, cells of the fields whose ladder ends with
   ``suppress`` are withheld, field by field, the field that helps most first; rows still at risk
   then withhold all of them at once, which makes them one pattern that often reaches k;
3. rows still in a group smaller than k are suppressed (not published) and counted.

Rows whose quasi-identifier could not be generalised (``INVALID``) are left out of the groups:
validation of the published schema rejects them, so they are never published as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dgti_data.anonymise.columns import Column
from dgti_data.anonymise.generalise import INVALID, Generaliser

_MISSING = "\x00"
MAX_ROUNDS = 200
# Global recoding stops once at most this share of rows (or k rows) is still in small groups.
GLOBAL_SHARE = 0.05


@dataclass
class KAnonymityResult:
    k: int
    quasi_identifiers: list[str]
    k_achieved: int | None = None
    groups: int = 0
    rows_considered: int = 0
    rows_left_to_validation: int = 0
    rows_generalised: int = 0
    generalised_by_field: dict[str, int] = field(default_factory=dict)
    rows_suppressed: int = 0
    suppressed_rows: list[int] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def group_sizes(columns: Sequence[Sequence[Any]]) -> np.ndarray:
    """For each row, how many rows share its combination of values (``None`` is a value)."""
    if not columns:
        return np.zeros(0, dtype=int)
    groups = _groups([Column.of(list(col)).group_codes(_NONE_AS_MISSING) for col in columns])
    return np.bincount(groups)[groups]


_NONE_AS_MISSING: dict[Any, Any] = {None: _MISSING}


def _groups(codes: Sequence[np.ndarray]) -> np.ndarray:
    """Ids of the rows' combinations of per-column codes (each ≥ 0): equal combinations, equal ids.

    Ids stay below a few times the row count (renumbered when the combinations would not), so
    ``np.bincount(ids)`` counts group sizes."""
    n = len(codes[0])
    limit = min(2**62, 16 * n + 1024)
    key = np.zeros(n, dtype=np.int64)
    width = 1
    for c in codes:
        size = int(c.max()) + 1 if n else 1
        if width * size > limit:
            key, width = _renumber(key)
        key = key * size + c
        width *= size
    return _renumber(key)[0] if width > limit else key


def _renumber(key: np.ndarray) -> tuple[np.ndarray, int]:
    uniques, dense = np.unique(key, return_inverse=True)
    return dense.reshape(-1).astype(np.int64), len(uniques)


def check_k(frame: pd.DataFrame, quasi_identifiers: Sequence[str], schema: dict[str, Any] | None = None
            ) -> int | None:
    """The k a published frame achieves on ``quasi_identifiers`` (smallest group), None if empty.

    For re-checking after validation has quarantined rows: removing rows can shrink groups. Rows
    validation rejects (``INVALID``, or a value outside the published ``schema``'s enum) are skipped.
    """
    cols = [c for c in quasi_identifiers if c in frame.columns]
    if not cols or frame.empty:
        return None
    values = [[None if pd.isna(v) else v for v in frame[c].tolist()] for c in cols]
    enums: dict[int, set[Any]] = {}
    for j, c in enumerate(cols):
        for f in (schema or {}).get("fields", []):
            if f["name"] == c and "enum" in f.get("constraints", {}):
                enums[j] = set(f["constraints"]["enum"])
    mask = np.array([
        all(col[i] != INVALID and (j not in enums or col[i] is None or col[i] in enums[j])
            for j, col in enumerate(values))
        for i in range(len(frame))
    ])
    if not mask.any():
        return None
    sizes = group_sizes([[v for v, m in zip(col, mask, strict=True) if m] for col in values])
    return int(sizes.min())


def enforce(
    published: dict[str, list[str | None]],
    raw: dict[str, list[str | None]],
    ladders: dict[str, tuple[Generaliser, ...]],
    k: int,
    row_numbers: Sequence[int],
    invalid: Sequence[bool] | None = None,
) -> tuple[np.ndarray, dict[str, list[str | None]], KAnonymityResult]:
    """Generalise and suppress until every group of the quasi-identifiers ``published`` has ≥ k rows.

    ``published`` holds each quasi-identifier's published values (changed in place and returned),
    ``raw`` the raw values the ladder steps start from, ``invalid`` marks rows that validation
    will reject (left out of groups, never suppressed here). Returns the mask of rows to keep.
    """
    keep, out, result = enforce_columns({f: Column.of(v) for f, v in published.items()},
                                        {f: Column.of(v) for f, v in raw.items()},
                                        ladders, k, row_numbers, invalid)
    for name, col in out.items():
        published[name] = col.tolist()
    return keep, published, result


def enforce_columns(
    published: dict[str, Column],
    raw: dict[str, Column],
    ladders: dict[str, tuple[Generaliser, ...]],
    k: int,
    row_numbers: Sequence[int],
    invalid: Sequence[bool] | np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, Column], KAnonymityResult]:
    """``enforce`` on factorised columns: group sizes from integer codes, ladder steps once per value.

    Phases, in order: global recoding, local suppression of cells, withholding all suppressible
    cells of the rows still at risk, suppression of the rows still in a small group."""
    names = list(published)
    result = KAnonymityResult(k=k, quasi_identifiers=names)
    n = len(row_numbers)
    if not names or n == 0:
        return np.ones(n, dtype=bool), dict(published), result
    run = _Enforcement(dict(published), raw, ladders, k, names, n, result)
    run.exclude_invalid(invalid)
    run.global_recoding()
    run.local_suppression()
    run.withhold_all_at_risk()
    keep = run.suppress_small_groups(row_numbers, dict(published))
    return keep, run.published, result


class _Enforcement:
    """The state one ``enforce_columns`` call works on, and its phases as methods."""

    def __init__(self, published: dict[str, Column], raw: dict[str, Column],
                 ladders: dict[str, tuple[Generaliser, ...]], k: int, names: list[str], n: int,
                 result: KAnonymityResult) -> None:
        self.published, self.raw, self.ladders, self.k = published, raw, ladders, k
        self.names, self.n, self.result = names, n, result
        self.level = {f: np.zeros(n, dtype=int) for f in names}  # ladder step reached, per row
        self.touched = np.zeros(n, dtype=bool)
        self.eligible = np.ones(n, dtype=bool)
        self.idx = np.flatnonzero(self.eligible)
        self.small = np.zeros(n, dtype=bool)

    def exclude_invalid(self, invalid: Sequence[bool] | np.ndarray | None) -> None:
        """Rows validation will reject are left out of the groups (and never suppressed here)."""
        for f in self.names:
            self.eligible &= ~self.published[f].rows_where(lambda v: v == INVALID)
        if invalid is not None:
            self.eligible &= ~np.asarray(invalid, dtype=bool)
        self.result.rows_considered = int(self.eligible.sum())
        self.result.rows_left_to_validation = int(self.n - self.eligible.sum())
        self.idx = np.flatnonzero(self.eligible)
        if self.k > 1:
            self.small = self.small_rows(self.published)

    def small_rows(self, cols: dict[str, Column]) -> np.ndarray:
        """Eligible rows in a group of fewer than k rows under ``cols``."""
        small = np.zeros(self.n, dtype=bool)
        if len(self.idx):
            groups = _groups([cols[f].group_codes(_NONE_AS_MISSING)[self.idx] for f in self.names])
            small[self.idx[np.bincount(groups)[groups] < self.k]] = True
        return small

    def global_recoding(self) -> None:
        """1. One band scheme per column, coarser only while many rows are at risk."""
        budget = max(self.k, int(GLOBAL_SHARE * self.result.rows_considered))
        for _ in range(MAX_ROUNDS):
            if int(self.small.sum()) <= budget:
                break
            best: tuple[tuple[int, int], str, Column] | None = None
            for order, name in enumerate(self.names):
                ladder = self.ladders.get(name, ())
                lvl = int(self.level[name].max())
                if lvl >= len(ladder) or ladder[lvl].to == "suppress":
                    continue
                stepped = self.raw[name].map(ladder[lvl].apply)
                codes = stepped.codes.copy()
                codes[self.published[name].rows_where(lambda v: v == INVALID)] = len(stepped.values)
                trial = Column(codes, [*stepped.values, INVALID])
                score = (int(self.small_rows({**self.published, name: trial}).sum()), order)
                if best is None or score < best[0]:
                    best = (score, name, trial)
            if best is None:
                break
            _, name, trial = best
            changed = self.published[name].differs(trial)
            self.result.steps.append({"field": name, "to": self.ladders[name][int(self.level[name].max())].to,
                                      "scope": "all rows", "rows": int(changed.sum())})
            self.published[name] = trial
            self.level[name][:] += 1
            self.touched |= changed
            self.small = self.small_rows(self.published)

    def local_suppression(self) -> None:
        """2. Cells withheld only in the rows still at risk, field by field, best field first."""
        for _ in range(MAX_ROUNDS):
            if not self.small.any():
                break
            best: tuple[tuple[int, int], str, np.ndarray, Column] | None = None
            for order, name in enumerate(self.names):
                ladder = self.ladders.get(name, ())
                suppresses = np.array([step.to == "suppress" for step in ladder] + [False], dtype=bool)
                can = self.small & suppresses[np.minimum(self.level[name], len(ladder))]
                if not can.any():
                    continue
                trial = _with_none(self.published[name], can)
                score = (int(self.small_rows({**self.published, name: trial}).sum()), order)
                if best is None or score < best[0]:
                    best = (score, name, can, trial)
            if best is None:
                break
            _, name, can, trial = best
            self.published[name] = trial
            self.result.steps.append({"field": name, "to": "suppress", "scope": "rows at risk",
                                      "rows": int(can.sum())})
            self.level[name][can] += 1
            self.touched |= can
            self.small = self.small_rows(self.published)

    def withhold_all_at_risk(self) -> None:
        """2b. Rows still at risk withhold every suppressible cell at once: they then share one
        pattern (region only, say) and often make a group of k together."""
        if not self.small.any():
            return
        trial_cols = dict(self.published)
        moved = np.zeros(self.n, dtype=bool)
        for name in self.names:
            ladder = self.ladders.get(name, ())
            if not ladder or ladder[-1].to != "suppress":
                continue
            rows = self.small & ~trial_cols[name].rows_where(lambda v: v is None)
            if rows.any():
                trial_cols[name] = _with_none(trial_cols[name], rows)
                moved |= rows
        if moved.any():  # rows that stay small are suppressed next, whatever their cells hold
            self.result.steps.append({"field": "*", "to": "suppress", "scope": "rows at risk",
                                      "rows": int(moved.sum())})
            self.published.update(trial_cols)
            self.touched |= moved
            self.small = self.small_rows(self.published)

    def suppress_small_groups(self, row_numbers: Sequence[int], base: dict[str, Column]) -> np.ndarray:
        """3. What is still in a group smaller than k is not published; the result is filled in."""
        keep = ~self.small
        result = self.result
        result.rows_suppressed = int(self.small.sum())
        result.suppressed_rows = [int(row_numbers[i]) for i in np.flatnonzero(self.small)]
        result.rows_generalised = int((self.touched & keep).sum())
        for name in self.names:
            changed = int(np.count_nonzero(self.published[name].differs(base[name]) & keep))
            if changed:
                result.generalised_by_field[name] = changed
        kept = np.flatnonzero(keep & self.eligible)
        if len(kept):
            groups = _groups([self.published[f].group_codes(_NONE_AS_MISSING)[kept] for f in self.names])
            result.k_achieved = int(np.bincount(groups)[groups].min())
            result.groups = int(np.count_nonzero(np.bincount(
                _groups([self.published[f].group_codes()[kept] for f in self.names]))))
        return keep


def _with_none(col: Column, rows: np.ndarray) -> Column:
    """``col`` with ``rows`` set to None (a withheld cell)."""
    codes = col.codes.copy()
    codes[rows] = len(col.values)
    return Column(codes, [*col.values, None])
