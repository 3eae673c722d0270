"""Columnar checks: which cells of a column certainly pass every check frictionless makes.

Each check here is conservative: a cell it passes is one frictionless's reader accepts with no note
(ASCII digits only, no sign but ``-``, no padding, ISO dates with real calendar days, e-mail
addresses in a plain ASCII subset of what ``validators.email`` accepts). Every other cell (Thai
digits, ``+15``, `` 15``, ``1e3``, ``NaN``, numbers equal to a bound they may not exactly equal,
``2023-1-5``) is handed to frictionless's own reader, which decides it. So speed comes from the
common case, and the answer is frictionless's for every cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dgti_data.validate.fast.plan import FieldPlan

# RE2, anchored at both ends. Each accepts a subset of what frictionless accepts.
NUMBER_RE = r"^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$"  # Decimal() of these: float64 keeps their order
EXACT_NUMBER_RE = r"^-?[0-9]{1,15}(?:\.0*)?$"  # integral values float64 holds exactly
# Real calendar days of years 0001-9999, except 29 February (leap years go to the exact reader).
DATE_RE = (
    r"^(?:[0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})-"
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
)
URI_RE = r"^[a-zA-Z][a-zA-Z0-9+.\-]*:"  # rfc3986: valid exactly when a scheme is present
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{}|~\-]+"
EMAIL_RE = (
    rf"^{_LOCAL}(?:\.{_LOCAL})*@(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{{0,61}}[A-Za-z0-9])?\.)+"
    r"[A-Za-z0-9][A-Za-z0-9\-]{0,61}[A-Za-z]$"
)
EMAIL_MAX_CHARS = 64  # keeps both the local part (<= 64) and the domain (<= 253) within limits
INT64_SAFE = 10**18  # |values| _plain_integers admits stay below this
PATTERN_CACHE_LIMIT = 100_000  # distinct cells remembered per field when a pattern runs in Python


@dataclass
class ColumnCheck:
    """``ok``: cells that certainly pass (None: all of them). ``values``: canonical key text."""

    ok: pa.BooleanArray | None
    missing: pa.BooleanArray | None
    values: pa.Array | None


def missing_mask(plan: FieldPlan, col: pa.Array) -> pa.BooleanArray:
    values = plan.missing_values
    if values == ("",):
        return pc.equal(pc.binary_length(col), 0)
    if not values:
        return pc.equal(pc.binary_length(col), -1)
    return pc.is_in(col, value_set=pa.array(list(values), pa.string()))


def _all(masks: list[pa.BooleanArray]) -> pa.BooleanArray | None:
    out = None
    for m in masks:
        out = m if out is None else pc.and_(out, m)
    return out


def _length_ok(col: pa.Array, low: int | None, high: int | None) -> pa.BooleanArray:
    """minLength/maxLength in characters, as ``len(str)`` counts.

    A cell has at most as many characters as UTF-8 bytes and at least a quarter as many, so byte
    lengths (free in Arrow) settle most cells; characters are counted only when they do not.
    """
    size = pc.binary_length(col)
    sure = [m for m in (
        None if low is None else pc.greater_equal(size, 4 * low),
        None if high is None else pc.less_equal(size, high),
    ) if m is not None]
    settled = _all(sure)
    assert settled is not None
    if pc.all(settled).as_py():
        return settled
    length = pc.utf8_length(col)
    exact = [m for m in (
        None if low is None else pc.greater_equal(length, low),
        None if high is None else pc.less_equal(length, high),
    ) if m is not None]
    result = _all(exact)
    assert result is not None
    return result


def _plain_integers(col: pa.Array) -> pa.BooleanArray:
    """Cells that are ``[0-9]{1,18}`` or ``-[0-9]{1,18}``: ``int()`` and Arrow's cast agree on them."""
    size = pc.binary_length(col)
    plain = pc.and_(pc.ascii_is_decimal(col), pc.less_equal(size, 18))
    minus = pc.starts_with(col, "-")
    if not pc.any(minus).as_py():
        return plain
    negative = pc.and_(
        pc.and_(minus, pc.less_equal(size, 19)),
        pc.ascii_is_decimal(pc.utf8_slice_codeunits(col, 1)),
    )
    return pc.or_(plain, negative)


def _integer_bound(name: str, bound: int, vals: pa.Array) -> pa.BooleanArray | bool:
    """Cells passing one bound; a bool when the bound lies outside what INTEGER_RE admits."""
    low = name in ("minimum", "exclusiveMinimum")
    if bound <= -INT64_SAFE:
        return low
    if bound >= INT64_SAFE:
        return not low
    op = {"minimum": pc.greater_equal, "maximum": pc.less_equal,
          "exclusiveMinimum": pc.greater, "exclusiveMaximum": pc.less}[name]
    return op(vals, bound)


def _number_bound(name: str, bound: int | Decimal, col: pa.Array, f: pa.Array) -> pa.BooleanArray:
    """Cells certainly passing one bound, comparing float64 images.

    Correctly rounded conversion is monotonic, so ``float(x) > float(b)`` proves ``x > b``. Equal
    images prove equality only when both sides are exact: an integral cell and a bound float64
    represents exactly. Everything else goes to the exact (Decimal) reader.
    """
    fb = float(bound)
    strict = pc.greater(f, fb) if name in ("minimum", "exclusiveMinimum") else pc.less(f, fb)
    if name in ("exclusiveMinimum", "exclusiveMaximum") or Decimal(fb) != Decimal(bound):
        return strict
    equal = pc.equal(f, fb)
    if not pc.any(equal).as_py():
        return strict
    exact = pc.match_substring_regex(col, EXACT_NUMBER_RE)
    return pc.or_(strict, pc.and_(equal, exact))


class ColumnChecker:
    """The columnar checks of one field, with what it remembers between batches."""

    def __init__(self, plan: FieldPlan) -> None:
        self.plan = plan
        self._pattern_cache: dict[str, bool] = {}
        enum = plan.enum_values
        self._enum: pa.Array | None = None
        if enum is not None:
            if plan.type == "string":
                self._enum = pa.array([v for v in enum if isinstance(v, str)], pa.string())
            elif plan.type == "integer":
                ints = [v for v in enum if isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**63]
                self._enum = pa.array(ints, pa.int64())
        tf = [*plan.true_values, *plan.false_values]
        self._booleans = pa.array(tf, pa.string()) if plan.type == "boolean" else None
        # Do the checks already fail every missing-value marker? Then a required field needs no
        # separate missing test: its missing cells fail the checks and go to the exact reader.
        markers = pa.array(list(plan.missing_values), pa.string())
        passing, _ = self._passing(markers)
        settled = _all(passing)
        self._checks_exclude_missing = settled is not None and not pc.any(settled).as_py()

    def check(self, col: pa.Array, need_missing: bool) -> ColumnCheck:
        plan = self.plan
        passing, values = self._passing(col)  # masks every non-missing cell must satisfy
        nonmissing_ok = _all(passing)
        missing: pa.BooleanArray | None = None
        if plan.required:
            if nonmissing_ok is not None and self._checks_exclude_missing and not need_missing:
                ok = nonmissing_ok
            else:
                missing = missing_mask(plan, col)
                absent = pc.invert(missing)
                ok = absent if nonmissing_ok is None else pc.and_(absent, nonmissing_ok)
        else:
            if nonmissing_ok is not None or need_missing or plan.key:
                missing = missing_mask(plan, col)
            ok = None if nonmissing_ok is None else pc.or_(missing, nonmissing_ok)
        if values is not None and missing is not None:
            values = pc.if_else(missing, pa.scalar(None, pa.string()), values)
        return ColumnCheck(ok=ok, missing=missing, values=values)

    def _passing(self, col: pa.Array) -> tuple[list[pa.BooleanArray], pa.Array | None]:
        """Masks of the cells that pass each check (as non-missing cells), and key texts."""
        plan = self.plan
        passing: list[pa.BooleanArray] = []
        values: pa.Array | None = None
        typ = plan.type
        if typ == "string":
            passing.extend(self._string_checks(col))
            if plan.key:
                values = col
        elif typ == "integer":
            typed = _plain_integers(col)
            vals = pc.cast(pc.if_else(typed, col, "0"), pa.int64())
            passing.append(typed)
            for name, bound in plan.bounds.items():
                m = _integer_bound(name, int(bound), vals)
                if m is False:
                    passing.append(pa.array(np.zeros(len(col), dtype=bool)))
                elif m is not True:
                    passing.append(m)
            if self._enum is not None:
                passing.append(pc.is_in(vals, value_set=self._enum))
            if plan.key:
                values = pc.if_else(typed, pc.cast(vals, pa.string()), pa.scalar(None, pa.string()))
        elif typ == "number":
            typed = pc.match_substring_regex(col, NUMBER_RE)
            passing.append(typed)
            if plan.bounds:
                f = pc.cast(pc.if_else(typed, col, "0"), pa.float64())
                for name, bound in plan.bounds.items():
                    passing.append(_number_bound(name, bound, col, f))
        elif typ == "boolean":
            passing.append(pc.is_in(col, value_set=self._booleans))
        elif typ == "date":
            passing.append(pc.match_substring_regex(col, DATE_RE))
        return passing, values

    def _string_checks(self, col: pa.Array) -> list[pa.BooleanArray]:
        plan = self.plan
        masks: list[pa.BooleanArray] = []
        if plan.format == "uri":
            masks.append(pc.match_substring_regex(col, URI_RE))
        elif plan.format == "email":
            masks.append(pc.match_substring_regex(col, EMAIL_RE))
            masks.append(pc.less_equal(pc.utf8_length(col), EMAIL_MAX_CHARS))
        c = plan.constraints
        if c.get("minLength") is not None or c.get("maxLength") is not None:
            masks.append(_length_ok(col, c.get("minLength"), c.get("maxLength")))
        if plan.py_pattern is not None:
            if plan.digits is not None:
                low, high = plan.digits
                size = pc.binary_length(col)
                in_range = pc.and_(pc.greater_equal(size, low), pc.less_equal(size, high))
                masks.append(pc.and_(in_range, pc.ascii_is_decimal(col)))
            elif plan.re2 is not None:
                masks.append(pc.match_substring_regex(col, plan.re2))
            else:
                masks.append(self._python_pattern(col))
        if self._enum is not None:
            masks.append(pc.is_in(col, value_set=self._enum))
        return masks

    def _python_pattern(self, col: pa.Array) -> pa.BooleanArray:
        """Patterns RE2 cannot take: Python's ``re`` once per distinct cell, remembered."""
        cache = self._pattern_cache
        matcher = self.plan.py_pattern
        assert matcher is not None
        for cell in pc.unique(col).to_pylist():
            if cell not in cache:
                if len(cache) >= PATTERN_CACHE_LIMIT:
                    cache.clear()
                cache[cell] = bool(matcher.match(cell))
        passing = [cell for cell, good in cache.items() if good]
        return pc.is_in(col, value_set=pa.array(passing, pa.string()))
