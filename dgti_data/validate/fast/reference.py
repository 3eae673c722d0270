"""Foreign-key lookup sets, read from the reference CSVs the way frictionless reads them.

frictionless reads the whole reference resource with its own schema (parsed values; a cell that
fails its type becomes None), skips rows whose key cells are all None, and looks target tuples up in
the resulting set. Reference tables are small (the LAO registry has under 8,000 rows), so we read
them with Python's csv module and frictionless's cell readers, and keep the canonical key texts as an
Arrow array for ``is_in``.
"""

from __future__ import annotations

import csv
import json
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path

import pyarrow as pa

from dgti_data.datasets import Catalog
from dgti_data.validate.fast.keys import encode_key
from dgti_data.validate.fast.plan import ReferenceTable, Unsupported, canonical_json, frictionless_schema

SNIFF_LINES = 100  # frictionless's CSV parser sniffs the dialect from this many lines
SNIFF_DELIMITERS = ",\t;|"


def sniff_dialect(sample: list[str]) -> csv.Dialect | type[csv.Dialect]:
    """The dialect frictionless's CsvParser settles on for a text sample (quote ' becomes ")."""
    try:
        config = csv.Sniffer().sniff("".join(sample), SNIFF_DELIMITERS)
    except csv.Error:
        config = csv.excel()
    if config.quotechar == "'":
        config.quotechar = '"'

    class Sniffed(csv.Dialect):
        delimiter = config.delimiter
        quotechar = config.quotechar or '"'
        escapechar = config.escapechar
        doublequote = True if not config.escapechar else config.doublequote
        skipinitialspace = config.skipinitialspace
        lineterminator = "\r\n"
        quoting = csv.QUOTE_MINIMAL

    return Sniffed


def lookup_keys(table: ReferenceTable, fields: tuple[str, ...]) -> pa.Array:
    """Canonical texts of every non-empty key tuple ``fields`` takes in ``table``.

    Remembered per file version (path, size, mtime) and schema: both datasets point at the same
    registry, and a nightly run validates many files against it.
    """
    path = Path(table.path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise Unsupported(f"reference {path}: cannot be read ({exc})") from exc
    return _lookup_keys(str(path), stat.st_size, stat.st_mtime_ns, table.encoding,
                        canonical_json(table.schema), fields)


@lru_cache(maxsize=32)
def _lookup_keys(path: str, _size: int, _mtime_ns: int, encoding: str, schema_json: str,
                 fields: tuple[str, ...]) -> pa.Array:
    table = ReferenceTable(path, json.loads(schema_json), encoding)
    schema = frictionless_schema(table.schema)
    names = [f.name for f in schema.fields]
    try:
        positions = [names.index(n) for n in fields]
    except ValueError as exc:
        raise Unsupported(f"reference key {fields} is not in the reference schema") from exc
    readers = [schema.fields[p].create_cell_reader() for p in positions]
    keys: set[str] = set()
    try:
        with Path(table.path).open(encoding=table.encoding, newline="") as fh:
            sample = list(islice(fh, SNIFF_LINES))
            rows = csv.reader(chain(sample, fh), dialect=sniff_dialect(sample))
            next(rows, None)  # the header row
            for row in rows:
                values = tuple(
                    reader(row[p] if p < len(row) else None)[0]
                    for reader, p in zip(readers, positions, strict=True)
                )
                key = encode_key(values)
                if key is not None:
                    keys.add(key)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise Unsupported(f"reference {table.path}: cannot be read ({exc})") from exc
    return pa.array(sorted(keys), pa.string())


def references_from_catalog(catalog: Catalog) -> dict[str, ReferenceTable]:
    """Every resource of the package, as a table foreign keys may point at."""
    return {
        name: ReferenceTable(
            path=catalog.root / d.path,
            schema=d.schema,
            encoding=d.resource.get("encoding", "utf-8"),
        )
        for name, d in catalog.datasets.items()
    }
