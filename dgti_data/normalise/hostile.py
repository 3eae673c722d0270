"""Normalisers for what broken or crafted exports put in cells: control characters, Excel's error
values, and the "signalling NaN" number that crashes decimal comparisons.

- Control characters (C0 and C1, except tab, line breaks and other whitespace, which the whitespace
  normalisers handle) are removed: they are never data, break XML (xlsx) and CSV readers, and
  escape sequences rewrite a steward's terminal.
- ``#N/A``, ``#REF!``, ``#DIV/0!``... are what Excel shows for a formula that failed; saved as CSV
  they become text and would be published as values. They become empty: a required field then
  fails validation as missing, and the report counts them.
- ``sNaN`` parses as a Decimal whose comparisons raise; it is rewritten ``NaN``, which is just as
  much not a number and which a number field's bounds reject.
"""

from __future__ import annotations

import re

CONTROL_CHARACTERS = "control_characters"
EXCEL_ERROR = "excel_error"
SIGNALLING_NAN = "signalling_nan"

_CONTROL = "\x00-\x08\x0e-\x1b\x7f\x80-\x84\x86-\x9f"
_CONTROL_RE = re.compile(f"[{_CONTROL}]")
CONTROL_MAYBE = "[\\x{00}-\\x{08}\\x{0E}-\\x{1B}\\x{7F}\\x{80}-\\x{84}\\x{86}-\\x{9F}]"

EXCEL_ERRORS = (
    "#N/A", "#REF!", "#DIV/0!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
    "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#GETTING_DATA",
)
_EXCEL_ERROR_SET = frozenset(EXCEL_ERRORS)
EXCEL_ERROR_MAYBE = "^\\s*#(" + "|".join(re.escape(e[1:]) for e in EXCEL_ERRORS) + ")\\s*$"

_SNAN = re.compile(r"[+-]?snan[0-9]*", re.IGNORECASE)
SNAN_MAYBE = "(?i)^\\s*[+-]?snan[0-9]*\\s*$"


def control_characters(value: str) -> str:
    return _CONTROL_RE.sub("", value)


def excel_error(value: str) -> str:
    return "" if value.strip() in _EXCEL_ERROR_SET else value


def signalling_nan(value: str) -> str:
    return "NaN" if _SNAN.fullmatch(value.strip()) else value
