"""Thai script facts the generator writes with: digits, month names, the Buddhist Era.

Kept apart so that every writer and value maker uses the same spelling of months and digits.
"""

from __future__ import annotations

BE_OFFSET = 543

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

MONTHS_FULL = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)
MONTHS_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)

# Zero-width and no-break characters that copy-paste leaves in cells. cp874/TIS-620 cannot
# encode them, so only the UTF-8 and xlsx writers may use them.
ZERO_WIDTH = ("\u200b", "\u200c", "\ufeff")
NBSP = "\u00a0"


def thai_digits(text: str) -> str:
    """The same text with ASCII digits written as Thai digits (๐–๙)."""
    return text.translate(THAI_DIGITS)

