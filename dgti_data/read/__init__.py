"""Read stage: raw CSV/XLSX exports into a RawTable, with the encoding decision on record."""

from dgti_data.read.encoding import detect_encoding
from dgti_data.read.reader import iter_batches, read_table, sniff_format
from dgti_data.read.table import EncodingInfo, RawTable

__all__ = ["EncodingInfo", "RawTable", "detect_encoding", "iter_batches", "read_table", "sniff_format"]
