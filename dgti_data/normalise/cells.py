"""Workbook cell values (numbers, dates, booleans) to the text the open-data CSV will hold.

openpyxl gives typed values; the normalised table holds text. The conversion is where Excel's
habits show: whole numbers stored as floats (123.0), dates stored as day serials, BE years typed
into date cells. Leading zeros lost by Excel are not invented back: validation reports them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from dgti_data.normalise.dates import EXCEL_DATETIME, EXCEL_SERIAL, datetime_date, serial_date

EXCEL_NUMBER = "excel_number"  # a float written without Excel's binary noise or a trailing .0


def number_text(value: float) -> str:
    """A float as Excel shows it: whole numbers without ``.0``, 15 significant digits, no exponent."""
    if value.is_integer():
        return str(int(value))
    text = format(value, ".15g")
    if "e" in text or "E" in text:
        text = format(Decimal(text), "f")
    return text


def cell_text(value: Any, field_type: str) -> tuple[str | None, str | None]:
    """``(text, change kind)`` for one workbook cell in a field of ``field_type``."""
    if value is None or isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return ("true" if value else "false"), None
    if isinstance(value, dt.datetime | dt.date):
        if field_type == "date":
            converted = datetime_date(value)
            if converted is not None:
                return converted
        if isinstance(value, dt.datetime) and value.time() == dt.time(0, 0):
            return value.date().isoformat(), EXCEL_DATETIME
        return value.isoformat(), EXCEL_DATETIME
    if isinstance(value, dt.time):
        return value.isoformat(), EXCEL_DATETIME
    if isinstance(value, int):
        if field_type == "date" and (iso := serial_date(value)):
            return iso, EXCEL_SERIAL
        return str(value), None
    if isinstance(value, float):
        if field_type == "date" and (iso := serial_date(value)):
            return iso, EXCEL_SERIAL
        text = number_text(value)
        return text, (EXCEL_NUMBER if text != repr(value) else None)
    return str(value), None
