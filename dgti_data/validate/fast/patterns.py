"""Table Schema ``pattern`` constraints as RE2 expressions that never accept more than Python does.

frictionless compiles a pattern as ``re.compile("^" + pattern + "$")`` and calls ``.match``: Python
semantics, no group around the pattern (so ``a|b`` means ``^a`` or ``b$``), and ``$`` also matches
before a final newline. Arrow evaluates regexes with RE2, whose syntax and character classes differ.
Rather than hand the pattern text to RE2, we parse it with Python's own regex parser and write the
parsed tree back out in RE2 syntax, keeping only constructs whose RE2 meaning is a subset of
Python's (``\\d`` is ASCII in RE2, Unicode in Python: a subset; ``\\D`` would be a superset, so it is
refused). A cell RE2 accepts is then certainly accepted by Python; every other cell is re-checked
with Python's ``re``, so the final answer is always Python's.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+: the parser behind ``re``; private, so failure just means "no fast pattern".
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other interpreters
    _p = None
    _c = None

MAX_RE2_REPEAT = 1000  # RE2 refuses larger counted repetitions


class _Refused(Exception):
    """A construct whose RE2 meaning is not a subset of Python's."""


def python_matcher(pattern: str) -> re.Pattern[str]:
    """The regex frictionless builds for a ``pattern`` constraint."""
    return re.compile(f"^{pattern}$")


def re2_subset(pattern: str) -> str | None:
    """An RE2 expression that matches (at the start, like ``re.match``) only cells Python accepts.

    ``None`` when the pattern uses something we cannot translate safely; the caller then checks
    cells with Python's ``re``.
    """
    if _p is None:
        return None
    try:
        parsed = _p.parse(f"^{pattern}$")
        flags = parsed.state.flags & ~(_c.SRE_FLAG_UNICODE)
        if flags:
            return None
        return "^(?:" + _seq(list(parsed)) + ")"
    except (_Refused, re.error, AttributeError, TypeError, ValueError):
        return None


def _char(code: int) -> str:
    """One code point, escaped so RE2 reads it literally anywhere (also inside a class)."""
    ch = chr(code)
    if ch.isascii() and ch.isalnum():
        return ch
    return f"\\x{{{code:x}}}"


def _seq(items: list[tuple[Any, Any]]) -> str:
    return "".join(_node(op, av) for op, av in items)


def _repeat(lo: int, hi: Any, body: str) -> str:
    if lo > MAX_RE2_REPEAT or (hi is not _c.MAXREPEAT and hi > MAX_RE2_REPEAT):
        raise _Refused("repeat count")
    if hi is _c.MAXREPEAT:
        return f"(?:{body}){{{lo},}}"
    return f"(?:{body}){{{lo},{hi}}}"


_CATEGORIES = {
    # RE2's ASCII classes are subsets of Python's Unicode ones (for str patterns).
    "CATEGORY_DIGIT": "0-9",
    "CATEGORY_WORD": "0-9A-Za-z_",
    "CATEGORY_SPACE": "\\x{9}\\x{a}\\x{c}\\x{d}\\x{20}",
}


def _class_items(items: list[tuple[Any, Any]]) -> str:
    out = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(_char(av))
        elif name == "RANGE":
            out.append(f"{_char(av[0])}-{_char(av[1])}")
        elif name == "CATEGORY" and str(av) in _CATEGORIES:
            out.append(_CATEGORIES[str(av)])
        else:
            raise _Refused(name)
    return "".join(out)


def _node(op: Any, av: Any) -> str:
    name = str(op)
    if name == "LITERAL":
        return _char(av)
    if name == "NOT_LITERAL":
        return f"[^{_char(av)}]"
    if name == "ANY":
        return "."  # neither engine lets "." match a newline by default
    if name == "IN":
        items = list(av)
        if items and str(items[0][0]) == "NEGATE":
            rest = items[1:]
            if any(str(o) == "CATEGORY" for o, _ in rest):
                raise _Refused("negated category")  # [^\d] is larger in RE2
            return f"[^{_class_items(rest)}]"
        return f"[{_class_items(items)}]"
    if name in ("MAX_REPEAT", "MIN_REPEAT"):  # laziness never changes whether a match exists
        lo, hi, body = av
        return _repeat(lo, hi, _seq(list(body)))
    if name == "SUBPATTERN":
        _group, add_flags, del_flags, body = av
        if add_flags or del_flags:
            raise _Refused("inline flags")
        return f"(?:{_seq(list(body))})"
    if name == "BRANCH":
        _none, branches = av
        return "(?:" + "|".join(_seq(list(b)) for b in branches) + ")"
    if name == "AT":
        at = str(av)
        if at in ("AT_BEGINNING", "AT_BEGINNING_STRING"):
            return "^"
        if at == "AT_END":
            return "$"  # RE2: end of text only; Python also before a final "\n" (a superset)
        if at == "AT_END_STRING":
            return "\\z"
        raise _Refused(at)
    if name == "CATEGORY" and str(av) in _CATEGORIES:
        return f"[{_CATEGORIES[str(av)]}]"
    raise _Refused(name)


def digit_run(pattern: str) -> tuple[int, int] | None:
    """``(low, high)`` when the pattern is just ASCII/Unicode digits repeated, like ``[0-9]{7}``.

    Such patterns are checked by Arrow's ``ascii_is_decimal`` and the byte length, several times
    faster than a regex; ASCII digits are a subset of what ``[0-9]`` or ``\\d`` accept.
    """
    if _p is None:
        return None
    try:
        parsed = list(_p.parse(f"^{pattern}$"))
    except (re.error, TypeError, ValueError):
        return None
    if len(parsed) != 3 or str(parsed[0][1]) != "AT_BEGINNING" or str(parsed[2][1]) != "AT_END":
        return None
    op, av = parsed[1]
    low, high = 1, 1
    if str(op) == "MAX_REPEAT":
        low, high, body = av
        if high is _c.MAXREPEAT or len(body) != 1:
            return None
        op, av = body[0]
    if str(op) != "IN" or len(av) != 1:
        return None
    item_op, item = av[0]
    digits = (str(item_op) == "RANGE" and tuple(item) == (48, 57)) or (
        str(item_op) == "CATEGORY" and str(item) == "CATEGORY_DIGIT"
    )
    return (low, high) if digits and low >= 1 else None
