"""Dates to ISO ``YYYY-MM-DD``: Buddhist-Era years, Thai month names, Excel serials and cells.

Thai convention throughout: day first; a year above 2400 is Buddhist Era (BE = CE + 543); a
two-digit year only with a Thai month name (``15 ก.ค. 64``: BE 2564). Only lossless conversions
are made: a real time of day, an impossible date (31/02/2564) or text that is not a date is
left as it is, so validation reports it on the text the steward typed.
"""

from __future__ import annotations

import datetime as dt
import re

BE_DATE = "be_date"
DATE_FORMAT = "date_format"  # a CE date written another way (15/07/2021, 2021-7-5)
EXCEL_SERIAL = "excel_serial"
EXCEL_DATETIME = "excel_datetime"  # a workbook date cell written as ISO text

BE_OFFSET = 543
BE_THRESHOLD = 2400
SERIAL_MIN, SERIAL_MAX = 20_000, 80_000  # 1954-10-03 .. 2119-01-10
EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 in Excel's 1900 date system, as Excel counts it

_MONTHS = {
    "มกราคม": 1, "มค": 1,
    "กุมภาพันธ์": 2, "กุมภาพันธ": 2, "กพ": 2,
    "มีนาคม": 3, "มีค": 3,
    "เมษายน": 4, "เมย": 4,
    "พฤษภาคม": 5, "พค": 5,
    "มิถุนายน": 6, "มิย": 6,
    "กรกฎาคม": 7, "กรกฏาคม": 7, "กค": 7,  # ฏ for ฎ is a common typing slip
    "สิงหาคม": 8, "สค": 8,
    "กันยายน": 9, "กย": 9,
    "ตุลาคม": 10, "ตค": 10,
    "พฤศจิกายน": 11, "พย": 11,
    "ธันวาคม": 12, "ธค": 12,
}  # fmt: skip
# Spoken short forms (มีนา, เมษา): the full name without its -คม/-ยน/-พันธ์ ending.
_MONTHS.update({
    "มกรา": 1, "กุมภา": 2, "มีนา": 3, "เมษา": 4, "พฤษภา": 5, "มิถุนา": 6,
    "กรกฎา": 7, "สิงหา": 8, "กันยา": 9, "ตุลา": 10, "พฤศจิกา": 11, "ธันวา": 12,
})  # fmt: skip
_ERA_BE, _ERA_CE = "พศ", "คศ"

_MIDNIGHT = r"(?:[ T]00:00(?::00(?:\.0+)?)?)?"
_DMY = re.compile(rf"([0-9]{{1,2}})([/.-])([0-9]{{1,2}})\2([0-9]{{4}}){_MIDNIGHT}")
_YMD = re.compile(rf"([0-9]{{4}})([/.-])([0-9]{{1,2}})\2([0-9]{{1,2}}){_MIDNIGHT}")
_THAI_MONTH = re.compile(r"([0-9]{1,2})[ ./-]*([\u0e01-\u0e4e][\u0e01-\u0e4e. ]*?)[ ./-]*([0-9]{4}|[0-9]{2})")
_SERIAL = re.compile(r"([0-9]{5})(?:\.0+)?")
_ISO_CE = re.compile(r"(1[0-9]|2[0-3])[0-9]{2}-[0-9]{2}-[0-9]{2}")

# Cells the date normaliser leaves alone (RE2, for pyarrow): ISO dates with a CE year.
ISO_CE_PATTERN = "^(1[0-9]|2[0-3])[0-9]{2}-[0-9]{2}-[0-9]{2}$"


def _iso(year: int, month: int, day: int) -> str | None:
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _year(text: str, era: str | None) -> tuple[int, bool] | None:
    """CE year and whether it was BE; None when the era cannot be told."""
    year = int(text)
    if len(text) == 2:
        if era == _ERA_CE:
            return None
        return 2500 + year - BE_OFFSET, True
    if era == _ERA_BE or (era is None and year > BE_THRESHOLD):
        return year - BE_OFFSET, True
    return year, False


def parse_date(value: str) -> tuple[str, str] | None:
    """``(iso, kind)`` for a date written as text, or None when it is not a (valid) date."""
    if m := _DMY.fullmatch(value):
        day, month, year_text = int(m[1]), int(m[3]), m[4]
        era = None
    elif m := _YMD.fullmatch(value):
        year_text, month, day = m[1], int(m[3]), int(m[4])
        era = None
    elif m := _THAI_MONTH.fullmatch(value):
        name = m[2].replace(".", "").replace(" ", "")
        era = None
        for marker in (_ERA_BE, _ERA_CE):
            if name.endswith(marker) and name != marker:
                name, era = name[: -len(marker)], marker
        if name not in _MONTHS:
            return None
        day, month, year_text = int(m[1]), _MONTHS[name], m[3]
    elif m := _SERIAL.fullmatch(value):
        iso = serial_date(int(m[1]))
        return (iso, EXCEL_SERIAL) if iso else None
    else:
        return None
    year = _year(year_text, era)
    if year is None:
        return None
    iso = _iso(year[0], month, day)
    if iso is None:
        return None
    return iso, BE_DATE if year[1] else DATE_FORMAT


def date_text(value: str) -> tuple[str, str | None]:
    """The date normaliser: ``(new value, change kind)``; kind None when nothing changed."""
    if _ISO_CE.fullmatch(value):
        return value, None
    parsed = parse_date(value)
    if parsed is None or parsed[0] == value:
        return value, None
    return parsed


def serial_date(serial: int | float) -> str | None:
    """An Excel day number (1900 system) as an ISO date, if whole and in a plausible range."""
    if isinstance(serial, float) and not serial.is_integer():
        return None  # a time of day: converting would lose it
    if not SERIAL_MIN <= serial <= SERIAL_MAX:
        return None
    return (EXCEL_EPOCH + dt.timedelta(days=int(serial))).isoformat()


def datetime_date(value: dt.datetime | dt.date) -> tuple[str, str] | None:
    """A date cell from a workbook as ``(iso, kind)``; a BE year typed into Excel is corrected.

    None when the cell has a time of day (kept, not dropped) or the BE correction is impossible.
    """
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            return None
        value = value.date()
    if value.year > BE_THRESHOLD:
        iso = _iso(value.year - BE_OFFSET, value.month, value.day)
        return (iso, BE_DATE) if iso else None
    return value.isoformat(), EXCEL_DATETIME
