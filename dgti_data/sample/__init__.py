"""Deterministic sample raw exports of the programme's datasets, messy the way real ones are.

``generate`` writes one file (UTF-8 CSV with BOM, cp874 CSV, or xlsx) with Thai headers,
Buddhist-Era dates in typed forms, stray invisible characters, realistic personal data and a
controlled share of real errors, and a manifest of every planted error and personal value, so that
the normaliser, anonymiser and validation stages can be tested against known answers.
"""

from dgti_data.sample.forms import FORMATS, Format
from dgti_data.sample.generator import MAX_ROWS, MIN_ROWS, generate
from dgti_data.sample.manifest import PersonalValue, PlantedError, SampleManifest, iter_entries
from dgti_data.sample.writers import XLSX_MAX_DATA_ROWS

__all__ = [
    "FORMATS",
    "MAX_ROWS",
    "MIN_ROWS",
    "XLSX_MAX_DATA_ROWS",
    "Format",
    "PersonalValue",
    "PlantedError",
    "SampleManifest",
    "generate",
    "iter_entries",
]
