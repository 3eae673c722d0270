"""Read stage: raw CSV/XLSX exports into a RawTable, with the encoding decision on record."""

from dgti_data.read.encoding import detect_encoding
from dgti_data.read.reader import TABLE_SUFFIXES, iter_batches, read_table, sniff_format, table_files
from dgti_data.read.table import EncodingInfo, RawTable

__all__ = [
    "TABLE_SUFFIXES", "EncodingInfo", "RawTable", "detect_encoding", "iter_batches", "read_table",
    "sniff_format", "table_files",
]
