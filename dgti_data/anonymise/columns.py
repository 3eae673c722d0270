"""Columns as codes into their distinct values, so that per-cell work is done once per value.

Survey exports repeat most values (enumerations, codes, LAO names, template text): a function of
one cell only is computed for each distinct value and spread back with an array lookup. Free text
and contact fields are often distinct per row; the representation then costs one factorisation.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa


def object_array(values: Iterable[Any]) -> np.ndarray:
    """A 1-d object array of ``values`` (``np.array`` would make a tuple or list into a dimension)."""
    items = values if isinstance(values, list) else list(values)
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def arrow_strings(values: Sequence[str | None]) -> pa.Array | None:
    """``values`` as an Arrow string array, or None if one cannot be UTF-8 (a lone surrogate)."""
    try:
        return pa.array(values, type=pa.large_string())
    except UnicodeEncodeError:
        return None


def bools(array: pa.Array) -> np.ndarray:
    """An Arrow boolean array as numpy, null as False."""
    return array.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


_NOT_MADE: Any = object()
# Codes are 32-bit: a column has at most as many distinct values as rows, and at a million rows
# a 64-bit code array per column is 8 MB where 4 MB do.
CODE = np.int32


@dataclass
class Column:
    """Row ``i`` holds ``values[codes[i]]``. ``values`` may repeat a value: mapping keeps the codes."""

    codes: np.ndarray
    values: list[Any]
    _arrow: Any = field(default=_NOT_MADE, repr=False, compare=False)

    def arrow(self) -> pa.Array | None:
        """``values`` (``str`` of each) as Arrow strings, made once; None if they cannot be."""
        if self._arrow is _NOT_MADE:
            self._arrow = arrow_strings([None if v is None else str(v) for v in self.values])
        return self._arrow

    def __len__(self) -> int:
        return len(self.codes)

    @classmethod
    def of(cls, values: Sequence[Any]) -> Column:
        """Factorise cells that are ``str`` or ``None`` (``None`` is a value of its own)."""
        arr = object_array(values)
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        distinct = list(uniques)
        if (codes < 0).any():
            codes = np.where(codes < 0, len(distinct), codes)
            distinct.append(None)
        return cls(codes.astype(CODE, copy=False), distinct)

    def map(self, fn: Callable[[Any], Any]) -> Column:
        """``fn`` of every cell, computed once per distinct value."""
        return Column(self.codes, [fn(v) for v in self.values])

    def take(self, rows: np.ndarray) -> Column:
        return Column(self.codes[rows], self.values, self._arrow)

    def array(self) -> np.ndarray:
        """The cells as an object array."""
        return object_array(self.values)[self.codes] if self.values else np.empty(len(self), dtype=object)

    def tolist(self) -> list[Any]:
        return self.array().tolist()

    def rows_where(self, predicate: Callable[[Any], bool]) -> np.ndarray:
        """Boolean mask of the rows whose value satisfies ``predicate`` (evaluated per value)."""
        per_value = np.fromiter((bool(predicate(v)) for v in self.values), dtype=bool, count=len(self.values))
        return per_value[self.codes] if len(per_value) else np.zeros(len(self), dtype=bool)

    def count(self, predicate: Callable[[Any], bool]) -> int:
        return int(np.count_nonzero(self.rows_where(predicate)))

    def group_codes(self, merge: dict[Any, Any] | None = None) -> np.ndarray:
        """Codes in which equal values are equal (``values`` may repeat), values replaced by ``merge``."""
        if not self.values:
            return np.zeros(len(self), dtype=CODE)
        merged = [merge.get(v, v) for v in self.values] if merge else self.values
        return Column.of(merged).codes[self.codes]

    def differs(self, other: Column) -> np.ndarray:
        """Rows where this column's value ``!=`` the other's (compared once per pair of values)."""
        if not len(self):
            return np.zeros(0, dtype=bool)
        if other.codes is self.codes:
            per_value = np.fromiter((a != b for a, b in zip(self.values, other.values, strict=True)),
                                    dtype=bool, count=len(self.values))
            return per_value[self.codes]
        width = max(len(other.values), 1)
        key = self.codes.astype(np.int64) * width + other.codes
        size = len(self.values) * width
        if size <= 16 * len(key) + 1024:  # pairs by direct addressing, else by sorting
            seen = np.zeros(size, dtype=bool)
            seen[key] = True
            pairs = np.flatnonzero(seen)
        else:
            pairs, key = np.unique(key, return_inverse=True)
            key = key.reshape(-1)
        per_pair = np.fromiter((self.values[p // width] != other.values[p % width] for p in pairs.tolist()),
                               dtype=bool, count=len(pairs))
        if size <= 16 * len(key) + 1024:
            lookup = np.zeros(size, dtype=bool)
            lookup[pairs] = per_pair
            return lookup[key]
        return per_pair[key]


def _cell(v: Any, missing: Collection[str]) -> str | None:
    """One normalised cell as ``str``/``None``; the schema's missing values are ``None``."""
    return None if v is None or (isinstance(v, float) and v != v) or str(v) in missing else str(v)


def cells(frame: pd.DataFrame, name: str, n: int, missing: Collection[str]) -> Column:
    """The column as ``str``/``None`` cells (see ``_cell``), computed per distinct value.

    Factorising merges values that compare equal; that is exact for ``str`` cells only, so a
    column holding anything else (numbers, ``pd.NA``) takes the cell-by-cell path."""
    if name not in frame.columns:
        return Column(np.zeros(n, dtype=CODE), [None])
    series = frame[name]
    if isinstance(series, pd.Series) and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        # uniques are text (no missing value among them): _cell reduced to what it does to text
        values: list[str | None] = [None if v in missing else v if type(v) is str else str(v)
                                    for v in uniques.tolist()]
        codes = codes.astype(CODE, copy=True)
        gaps = np.flatnonzero(codes < 0)
        if len(gaps):  # None, NaN, pd.NA, …: each as the cell-by-cell rule says
            extra: dict[str | None, int] = {}
            for i, v in zip(gaps.tolist(), series.iloc[gaps].tolist(), strict=True):
                cell = _cell(v, missing)
                codes[i] = extra.setdefault(cell, len(values) + len(extra))
            values += list(extra)
        return Column(codes, values)
    return Column.of([_cell(v, missing) for v in series.tolist()])
