"""Text normalisers for every field: Unicode NFC, zero-width characters, whitespace.

Each is a pure ``str -> str`` function named by its change kind. ``*_MAYBE`` patterns (RE2
syntax, for pyarrow) select the cells a function might change, so clean cells cost no Python call.
"""

from __future__ import annotations

import unicodedata

UNICODE_NFC = "unicode_nfc"
ZERO_WIDTH = "zero_width"
WHITESPACE = "whitespace"

# ZERO WIDTH SPACE, NON-JOINER, JOINER, WORD JOINER, BOM / ZERO WIDTH NO-BREAK SPACE.
ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH_TABLE = dict.fromkeys(map(ord, ZERO_WIDTH_CHARS))
ZERO_WIDTH_MAYBE = "[\\x{200B}\\x{200C}\\x{200D}\\x{2060}\\x{FEFF}]"

# Everything Python's str.isspace() accepts except the plain space: what str.split() splits on.
_OTHER_SPACE = (
    "\\t\\n\\x{0B}\\f\\r\\x{1C}-\\x{1F}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
    "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}"
)
WHITESPACE_MAYBE = f"[{_OTHER_SPACE}]|^ | $|  "


def unicode_nfc(value: str) -> str:
    """Canonical composition: the same Thai or accented text always has the same code points."""
    if unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)


def zero_width(value: str) -> str:
    """Drop invisible characters that make equal-looking codes and names compare unequal."""
    return value.translate(_ZERO_WIDTH_TABLE)


def whitespace(value: str) -> str:
    """One line: any Unicode space, tab or line break run becomes one space; ends stripped."""
    return " ".join(value.split())


def whitespace_multiline(value: str) -> str:
    """For free text: like ``whitespace`` within each line, but line breaks stay (as ``\\n``)."""
    lines = [" ".join(line.split()) for line in value.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)
