"""Digit normalisers: Thai digits to ASCII, and thousands separators out of numbers.

Use ``[0-9]``, not ``\\d``, wherever ASCII digits are meant: Python's ``\\d`` matches Thai digits.
"""

from __future__ import annotations

import re

THAI_DIGITS = "thai_digits"
THOUSANDS_SEPARATOR = "thousands_separator"

_THAI_TO_ASCII = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
THAI_DIGITS_MAYBE = "[๐-๙]"

# Only a well-formed grouping (1-3 digits, then groups of exactly 3) is a thousands separator;
# "1,2,3" or "12,34" may be a list or a decimal comma, so they are left for validation to report.
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
THOUSANDS_MAYBE = "^[+-]?[0-9]{1,3}(,[0-9]{3})+(\\.[0-9]+)?$"


def thai_digits(value: str) -> str:
    """๐–๙ → 0–9. Not for free text: prose keeps its Thai digits."""
    return value.translate(_THAI_TO_ASCII)


def thousands_separator(value: str) -> str:
    """``1,250,000.50`` → ``1250000.50``; anything else unchanged."""
    if _GROUPED.fullmatch(value):
        return value.replace(",", "")
    return value
