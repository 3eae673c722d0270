"""Fast validation: frictionless's report for a normalised CSV, at close to the speed of parsing.

frictionless validates cell by cell in Python (tens of thousands of rows a second). This package
reads the CSV in Arrow batches, settles the common case with columnar checks that can only pass a
cell frictionless would pass, and hands every other cell to frictionless's own cell reader, so the
errors (types, notes, row and field numbers, cells, order) are frictionless's. Unique and primary
keys are tracked across batches in bounded memory; foreign keys are looked up in the reference
tables. ``supports`` says whether a schema can take this path; ``validate_csv`` raises
``Unsupported`` when a file turns out not to; ``dgti_data.validate.runner`` then runs frictionless.
"""

from dgti_data.validate.fast.engine import DEFAULT_BATCH_ROWS, validate_csv
from dgti_data.validate.fast.plan import ReferenceTable, Unsupported, supports
from dgti_data.validate.fast.reference import references_from_catalog

__all__ = [
    "DEFAULT_BATCH_ROWS",
    "ReferenceTable",
    "Unsupported",
    "references_from_catalog",
    "supports",
    "validate_csv",
]
