"""Normalise stage: raw Thai exports → the schema's English columns, clean text, ISO dates.

Every change is counted in a ChangeLog by kind and field (no cell values), for the report.
Change kinds: control_characters, excel_error, unicode_nfc, zero_width, whitespace, thai_digits,
thousands_separator, signalling_nan, be_date, date_format, excel_serial, excel_datetime, excel_number.
"""

from dgti_data.normalise.changes import ChangeLog
from dgti_data.normalise.headers import ColumnMapping, HeaderMapping, header_key, map_headers
from dgti_data.normalise.table import NormalisedTable, SourceInfo, normalise

__all__ = [
    "ChangeLog",
    "ColumnMapping",
    "HeaderMapping",
    "NormalisedTable",
    "SourceInfo",
    "header_key",
    "map_headers",
    "normalise",
]
