"""Table Schema → a typed DataStore table with a Thai/English data dictionary.

XLoader and DataPusher guess column types (or load everything as text); here the types come
from the published Table Schema, the primary key becomes the DataStore primary key, and each
column's Thai label and bilingual description go into the data dictionary (``info``).

Identifiers: DataStore column names are PostgreSQL identifiers (63 bytes at most; a Thai
character takes 3 bytes in UTF-8), so ids stay the English field names and Thai goes only into
``info``, which PostgreSQL stores as a column comment, where length is not limited.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dgti_data.errors import ConfigurationError, TerminalError
from dgti_data.publish.csvscan import arrow_table, read_header

PG_IDENTIFIER_BYTES = 63
LABEL_MAX_CHARS = 200
_INT4 = (-(2**31), 2**31 - 1)
_TRUE = {"true", "True", "TRUE", "1"}
_FALSE = {"false", "False", "FALSE", "0"}


class RowError(TerminalError):
    """A value in the published CSV that its declared type cannot hold (validation was bypassed)."""


def datastore_type(field: dict[str, Any]) -> str:
    """The DataStore (PostgreSQL) type for a Table Schema field.

    Integers get ``int4`` only when their constraints keep them inside 32 bits: column types are
    never altered by CKAN later, so a too-small type would need the table dropped.
    """
    kind = field.get("type", "string")
    if kind == "integer":
        c = field.get("constraints", {})
        lo, hi = c.get("minimum"), c.get("maximum")
        if lo is not None and hi is not None and _INT4[0] <= lo and hi <= _INT4[1]:
            return "int4"
        return "int8"
    return {
        "number": "numeric",
        "boolean": "bool",
        "date": "date",
        "datetime": "timestamp",
        "time": "time",
        "year": "int4",
        "object": "json",
        "array": "json",
    }.get(kind, "text")


def _bounded(text: str, limit: int = LABEL_MAX_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def field_info(field: dict[str, Any]) -> dict[str, str]:
    """The data dictionary entry: Thai label; Thai description, then the English title and description."""
    label = field.get("titleTh") or field.get("title") or field["name"]
    notes = [field.get("descriptionTh", "")]
    en = field.get("title", "")
    if field.get("description"):
        en = f"{en}: {field['description']}" if en else field["description"]
    notes.append(en)
    return {"label": _bounded(label.strip()), "notes": "\n\n".join(n.strip() for n in notes if n.strip())}


def check_identifier(name: str) -> None:
    if len(name.encode("utf-8")) > PG_IDENTIFIER_BYTES:
        raise ConfigurationError(
            f"field id {name!r} is {len(name.encode('utf-8'))} bytes: PostgreSQL truncates identifiers "
            f"at {PG_IDENTIFIER_BYTES}; keep field names short and English, labels go in titleTh"
        )
    if name.startswith("_") or '"' in name or not name.strip():
        raise ConfigurationError(f"field id {name!r} is not a valid DataStore column name")


def datastore_fields(table_schema: dict[str, Any]) -> list[dict[str, Any]]:
    """``datastore_create``'s ``fields``: ``{id, type, info: {label, notes}}`` per field."""
    out = []
    for f in table_schema.get("fields", []):
        check_identifier(f["name"])
        out.append({"id": f["name"], "type": datastore_type(f), "info": field_info(f)})
    return out


def primary_key(table_schema: dict[str, Any]) -> list[str]:
    pk = table_schema.get("primaryKey", [])
    return [pk] if isinstance(pk, str) else list(pk)


class RecordConverter:
    """CSV strings → JSON values the DataStore stores in the declared column types."""

    def __init__(self, table_schema: dict[str, Any]) -> None:
        self.fields = list(table_schema.get("fields", []))
        self.types = {f["name"]: datastore_type(f) for f in self.fields}
        self.missing = set(table_schema.get("missingValues", [""])) | {""}
        self.true = {f["name"]: _TRUE | set(f.get("trueValues", [])) for f in self.fields}
        self.false = {f["name"]: _FALSE | set(f.get("falseValues", [])) for f in self.fields}

    def value(self, name: str, raw: str | None, line: int) -> Any:
        if raw is None or raw in self.missing:
            return None
        kind = self.types[name]
        try:
            if kind in ("int4", "int8"):
                return int(raw) if raw.isascii() else _bad(raw)
            if kind == "numeric":
                Decimal(raw)
                return raw if raw.isascii() else _bad(raw)
            if kind == "bool":
                if raw in self.true[name]:
                    return True
                if raw in self.false[name]:
                    return False
                return _bad(raw)
        except (ValueError, InvalidOperation):
            raise RowError(f"line {line}, field {name}: {raw!r} is not a valid {kind}") from None
        return raw

    def record(self, row: dict[str, str], line: int) -> dict[str, Any]:
        return {f["name"]: self.value(f["name"], row.get(f["name"]), line) for f in self.fields}


def load_conversions(table_schema: dict[str, Any]) -> dict[str, Any]:
    """How the published CSV spells missing values and booleans, for ``dgti_datastore_load``: the
    server applies the conversions ``RecordConverter`` applies before an upsert, so both load
    paths store the same values."""
    conv = RecordConverter(table_schema)
    bools = [name for name, kind in conv.types.items() if kind == "bool"]
    return {
        "missing_values": sorted(conv.missing),
        "true_values": {name: sorted(conv.true[name]) for name in bools},
        "false_values": {name: sorted(conv.false[name]) for name in bools},
    }


def _bad(raw: str) -> Any:
    raise ValueError(raw)


def read_records(csv_path: Path, table_schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Typed records of the published CSV, in file order."""
    conv = RecordConverter(table_schema)
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            yield conv.record(row, line)


def canonical(value: Any, kind: str) -> Any:
    """A value as comparable between what we send and what ``datastore_search`` returns
    (numerics come back as JSON floats, dates may come back with a time part)."""
    if value is None:
        return None
    if kind in ("int4", "int8"):
        return int(value)
    if kind in ("numeric", "float8"):
        return float(value)
    if kind == "bool":
        return value if isinstance(value, bool) else str(value).lower() == "true"
    if kind == "date":
        return str(value)[:10]
    if kind == "timestamp":
        return str(value).replace(" ", "T").removesuffix("Z")
    return value if isinstance(value, str) else str(value)


def row_key(record: dict[str, Any], pk: list[str], types: dict[str, str]) -> tuple[Any, ...]:
    return tuple(canonical(record.get(k), types[k]) for k in pk)


def row_signature(record: dict[str, Any], types: dict[str, str]) -> tuple[Any, ...]:
    return tuple(canonical(record.get(k), t) for k, t in types.items())


# Cells every DataStore type check above surely accepts (subsets of what int() and Decimal() take).
_SURE = {"int4": r"^-?[0-9]+$", "int8": r"^-?[0-9]+$", "numeric": r"^-?[0-9]+(\.[0-9]+)?$"}


def surely_loadable(csv_path: Path, table_schema: dict[str, Any]) -> bool:
    """True only when ``row_problems`` would find nothing, decided column-wise by Arrow: every cell
    missing or plainly of its type, text primary keys present and unique. False means "look row by
    row" (about 18 s for 1M rows), never "bad"."""
    conv = RecordConverter(table_schema)
    pk = primary_key(table_schema)
    if any(conv.types[k] != "text" for k in pk):
        return False  # int/numeric/date keys compare by value ("01" = "1"): the row check decides
    header = read_header(csv_path)
    if any(header.count(f["name"]) != 1 for f in conv.fields):
        return False
    checked = [n for n, kind in conv.types.items() if kind in _SURE or kind == "bool" or n in pk]
    table = arrow_table(csv_path, checked)  # free text is never refused: not even read
    if table is None:
        return False
    missing = pa.array(sorted(conv.missing), type=pa.large_string())
    for name in checked:
        kind = conv.types[name]
        column = table.column(name)
        present = pc.invert(pc.is_in(column, value_set=missing))
        if kind in _SURE:
            ok = pc.match_substring_regex(column, _SURE[kind])
        elif kind == "bool":
            accepted = sorted(conv.true[name] | conv.false[name])
            ok = pc.is_in(column, value_set=pa.array(accepted, type=pa.large_string()))
        else:
            ok = None
        if ok is not None and not pc.all(pc.or_(pc.invert(present), ok)).as_py():
            return False
        if name in pk and not pc.all(present).as_py():
            return False
    if pk:
        keys = table.select(pk).group_by(pk).aggregate([])
        if keys.num_rows != table.num_rows:
            return False
    return True


def row_problems(csv_path: Path, table_schema: dict[str, Any], limit: int = 10) -> list[str]:
    """What would make the DataStore refuse the CSV half-way through a load: values their type
    cannot hold, empty or duplicated primary keys. Checked locally, before any write."""
    if surely_loadable(csv_path, table_schema):
        return []
    pk = primary_key(table_schema)
    types = {f["name"]: datastore_type(f) for f in table_schema.get("fields", [])}
    conv = RecordConverter(table_schema)
    seen: set[tuple[Any, ...]] = set()
    out: list[str] = []
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            try:
                record = conv.record(row, line)
            except RowError as exc:
                out.append(str(exc))
            else:
                if pk:
                    key = row_key(record, pk, types)
                    shown = dict(zip(pk, key, strict=True))
                    if any(v is None for v in key):
                        out.append(f"line {line}: empty primary key {shown}")
                    elif key in seen:
                        out.append(f"line {line}: primary key {shown} appears twice")
                    seen.add(key)
            if len(out) >= limit:
                out.append("… (first problems only)")
                break
    return out
