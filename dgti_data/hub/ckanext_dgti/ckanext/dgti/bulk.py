"""Replace a DataStore table's rows with a CSV file by ``COPY``, in one transaction.

Why not ``datastore_upsert``: CKAN converts and inserts row by row (about 3,000 rows/s here);
``COPY`` streams the file into PostgreSQL at its own speed. Why a staging table: the published CSV
spells booleans and missing values its own way (``ใช่``, ``-``, ``N/A``), which ``COPY`` cannot
read into typed columns. So the file goes as text into a temporary table, and one
``INSERT ... SELECT`` converts every column the way the pipeline's client does for upserts
(missing values → NULL, the schema's true/false values → bool, then PostgreSQL's cast) and fills
``_full_text`` as the DataStore's ``populate_full_text_trigger`` would (the text of every
non-underscore column, joined by spaces), without calling the trigger a million times.

The target's ``_id`` is the data line (1 = first row after the header), so a re-run gives the same
ids. Secondary indexes (the full-text GIN index, the primary key's unique index, column indexes) are
dropped and rebuilt in the same transaction: a bulk build is much faster than a million inserts
into them. Any failure rolls everything back: the table keeps its previous rows.

Errors come back as ``LoadError`` naming the file line and the field, found only on the error
path (bisecting the rows, then trying each field of the bad row), so the happy path pays nothing.
"""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass, field
from typing import Any

from psycopg2 import errors as pg_errors
from psycopg2 import sql

STAGE = "dgti_load_stage"
TIMEOUT_MS = 30 * 60 * 1000
MAINTENANCE_MEM = "512MB"
# Types whose PostgreSQL text output equals row_to_json's (what the full-text trigger indexes).
_PLAIN_TEXT_TYPES = ("integer", "bigint", "smallint", "numeric", "boolean", "date", "double precision",
                     "real")
_COPY_CONTEXT = re.compile(r"line (\d+)(?:, column ([^:]+))?")


class LoadError(Exception):
    """The file cannot be loaded as it is: nothing was changed. ``errors`` is CKAN-shaped."""

    def __init__(self, message: str, line: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, list[str]] = {"records": [message]}
        if line is not None:
            self.errors["line"] = [str(line)]
        if field is not None:
            self.errors["field"] = [field]


@dataclass
class Conversions:
    """How the file spells missing values and booleans (the Table Schema's, sent by the client)."""

    missing: list[str] = field(default_factory=lambda: [""])
    true_values: dict[str, list[str]] = field(default_factory=dict)
    false_values: dict[str, list[str]] = field(default_factory=dict)

    def trues(self, name: str) -> list[str]:
        return self.true_values.get(name) or ["true", "True", "TRUE", "1"]

    def falses(self, name: str) -> list[str]:
        return self.false_values.get(name) or ["false", "False", "FALSE", "0"]


@dataclass
class Table:
    name: str
    columns: dict[str, str]  # data columns (no _id/_full_text) → PostgreSQL type

    @property
    def ident(self) -> sql.Identifier:
        return sql.Identifier(self.name)


def read_header(path: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def table_columns(cur: Any, table: str) -> dict[str, str]:
    cur.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        ('"' + table.replace('"', '""') + '"',),
    )
    return {name: kind for name, kind in cur.fetchall() if not name.startswith("_")}


def check_header(header: list[str], columns: dict[str, str]) -> None:
    unknown = [h for h in header if h not in columns]
    missing = [c for c in columns if c not in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    problems = []
    if unknown:
        problems.append(f"not columns of the DataStore table: {', '.join(unknown)}")
    if missing:
        problems.append(f"columns missing from the file: {', '.join(missing)}")
    if repeated:
        problems.append(f"repeated in the header: {', '.join(repeated)}")
    if problems:
        raise LoadError("; ".join(problems), line=1)


def _value(name: str, kind: str, conv: Conversions) -> sql.Composable:
    """One staged text column converted to its table type (NULL for the schema's missing values)."""
    col = sql.Identifier(name)
    missing = sql.SQL("CASE WHEN {c} = ANY({m}::text[]) THEN NULL ELSE {c} END").format(
        c=col, m=sql.Literal(conv.missing))
    if kind == "text":
        return missing
    if kind == "boolean":
        # Only the schema's spellings: anything else fails the cast, as the client's converter would.
        return sql.SQL(
            "CASE WHEN {c} IS NULL OR {c} = ANY({m}::text[]) THEN NULL WHEN {c} = ANY({t}::text[]) "
            "THEN true WHEN {c} = ANY({f}::text[]) THEN false "
            "ELSE CAST('not a boolean of the schema: ' || {c} AS boolean) END"
        ).format(c=col, m=sql.Literal(conv.missing), t=sql.Literal(conv.trues(name)),
                 f=sql.Literal(conv.falses(name)))
    return sql.SQL("CAST({v} AS {k})").format(v=missing, k=sql.SQL(kind))


def _as_text(name: str, kind: str) -> sql.Composable:
    col = sql.Identifier(name)
    if kind == "text":
        return col
    if kind in _PLAIN_TEXT_TYPES:
        return sql.SQL("{c}::text").format(c=col)
    return sql.SQL("to_json({c}) #>> '{{}}'").format(c=col)


def _insert(table: Table, conv: Conversions, where: sql.Composable | None = None) -> sql.Composed:
    names = list(table.columns)
    idents = sql.SQL(", ").join(sql.Identifier(n) for n in names)
    converted = sql.SQL(", ").join(
        sql.SQL("{v} AS {n}").format(v=_value(n, k, conv), n=sql.Identifier(n))
        for n, k in table.columns.items()
    )
    full_text = sql.SQL("to_tsvector(concat_ws(' ', {cols}))").format(
        cols=sql.SQL(", ").join(_as_text(n, k) for n, k in table.columns.items()))
    return sql.SQL(
        "INSERT INTO {t} (_id, {cols}, _full_text) SELECT _line, {cols}, {ft} "
        "FROM (SELECT _line, {conv} FROM {stage} {where}) s"
    ).format(t=table.ident, cols=idents, ft=full_text, conv=converted, stage=sql.Identifier(STAGE),
             where=where if where is not None else sql.SQL(""))


def _secondary_indexes(cur: Any, table: str) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes not backing a constraint (``_id``'s key)."""
    cur.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ORDER BY i.relname",
        ('"' + table.replace('"', '""') + '"',),
    )
    return list(cur.fetchall())


def _unique_columns(cur: Any, table: str) -> list[list[str]]:
    cur.execute(
        "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index x "
        "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
        "WHERE x.indrelid = %s::regclass AND x.indisunique AND NOT x.indisprimary "
        "GROUP BY x.indexrelid",
        ('"' + table.replace('"', '""') + '"',),
    )
    return [list(r[0]) for r in cur.fetchall()]


def _fails(cur: Any, statement: sql.Composable) -> Exception | None:
    """Run ``statement`` under a savepoint, always rolled back: the error it raised, or None."""
    cur.execute("SAVEPOINT dgti_probe")
    try:
        cur.execute(statement)
    except pg_errors.Error as exc:
        return exc
    finally:
        cur.execute("ROLLBACK TO SAVEPOINT dgti_probe")
    return None


def _locate(cur: Any, table: Table, conv: Conversions, rows: int, error: Exception) -> LoadError:
    """The first file line (and field) the conversion refuses, by bisecting the staged rows."""
    lo, hi = 1, rows
    while lo < hi:
        mid = (lo + hi) // 2
        where = sql.SQL("WHERE _line BETWEEN {a} AND {b}").format(a=sql.Literal(lo), b=sql.Literal(mid))
        if _fails(cur, _insert(table, conv, where)) is not None:
            hi = mid
        else:
            lo = mid + 1
    line = lo + 1  # the header is line 1
    for name, kind in table.columns.items():
        probe = sql.SQL("SELECT {v} FROM {stage} WHERE _line = {n}").format(
            v=_value(name, kind, conv), stage=sql.Identifier(STAGE), n=sql.Literal(lo))
        exc = _fails(cur, probe)
        if exc is not None:
            return LoadError(f"line {line}, field {name}: {_first_line(exc)}", line, name)
    return LoadError(f"line {line}: {_first_line(error)}", line)


def _duplicates(cur: Any, table: Table, keys: list[list[str]]) -> LoadError:
    for cols in keys:
        idents = sql.SQL(", ").join(sql.Identifier(c) for c in cols)
        cur.execute(sql.SQL(
            "SELECT {k}, array_agg(_id + 1 ORDER BY _id) FROM {t} GROUP BY {k} "
            "HAVING count(*) > 1 ORDER BY min(_id) LIMIT 1").format(k=idents, t=table.ident))
        row = cur.fetchone()
        if row is not None:
            key = dict(zip(cols, row[:-1], strict=True))
            lines = row[-1]
            return LoadError(f"line {lines[1]}: primary key {key} repeats line {lines[0]}",
                             lines[1], ",".join(cols))
    return LoadError("a unique index refused the rows")


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "pgerror", None) or exc).strip().splitlines()[0].removeprefix("ERROR:  ")


def _copy_error(exc: Exception) -> LoadError:
    context = getattr(getattr(exc, "diag", None), "context", None) or ""
    match = _COPY_CONTEXT.search(context)
    line = int(match.group(1)) if match else None
    where = f"line {line}: " if line else ""
    return LoadError(f"{where}{_first_line(exc)}", line)


def load(conn: Any, table_name: str, path: str, conv: Conversions) -> dict[str, Any]:
    """Replace every row of ``table_name`` with the CSV at ``path``; commit; return counts and
    timings. Raises ``LoadError`` (after rolling back) when a line cannot be loaded."""
    timings: dict[str, float] = {}
    start = last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        timings[name] = round(now - last, 3)
        last = now

    cur = conn.cursor()
    try:
        cur.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(TIMEOUT_MS)))
        # GIN builds sort their entries in this memory: less spilling for big tables.
        cur.execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(MAINTENANCE_MEM)))
        table = Table(table_name, table_columns(cur, table_name))
        header = read_header(path)
        check_header(header, table.columns)
        cur.execute(sql.SQL(
            "CREATE TEMPORARY TABLE {stage} (_line bigint GENERATED ALWAYS AS IDENTITY, {cols}) "
            "ON COMMIT DROP").format(
                stage=sql.Identifier(STAGE),
                cols=sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(h)) for h in header)))
        copy = sql.SQL("COPY {stage} ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true, "
                       "ENCODING 'UTF8')").format(
            stage=sql.Identifier(STAGE), cols=sql.SQL(", ").join(sql.Identifier(h) for h in header))
        with open(path, "rb") as fh:
            try:
                cur.copy_expert(copy.as_string(conn), fh, size=1 << 20)
            except pg_errors.Error as exc:
                raise _copy_error(exc) from None
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(STAGE)))
        rows = cur.fetchone()[0]
        lap("copy")

        # From here the table is locked: readers wait for the commit and then see the new rows.
        cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(table.ident))
        cur.execute("SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = 'zfulltext'",
                    ('"' + table_name.replace('"', '""') + '"',))
        trigger = cur.fetchone() is not None
        if trigger:  # _full_text is computed by the INSERT itself
            cur.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER zfulltext").format(table.ident))
        indexes = _secondary_indexes(cur, table_name)
        unique = _unique_columns(cur, table_name)
        for name, _ in indexes:
            cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
        cur.execute(sql.SQL("TRUNCATE {}").format(table.ident))
        cur.execute("SAVEPOINT dgti_insert")
        try:
            cur.execute(_insert(table, conv))
        except pg_errors.Error as exc:
            cur.execute("ROLLBACK TO SAVEPOINT dgti_insert")
            raise _locate(cur, table, conv, rows, exc) from None
        lap("insert")

        cur.execute("SAVEPOINT dgti_indexes")
        try:
            for _, definition in indexes:
                cur.execute(definition)
        except pg_errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT dgti_indexes")
            raise _duplicates(cur, table, unique) from None
        lap("indexes")
        if trigger:
            cur.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER zfulltext").format(table.ident))
        # Later upserts through the API take ids after the loaded rows.
        cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({t}, '_id'), {n}, {used})").format(
            t=sql.Literal('"' + table_name.replace('"', '""') + '"'), n=sql.Literal(max(rows, 1)),
            used=sql.Literal(rows > 0)))
        cur.execute(sql.SQL("ANALYZE {}").format(table.ident))
        conn.commit()
        lap("analyze, commit")
    except BaseException:
        conn.rollback()
        raise
    finally:
        cur.close()
    timings["total"] = round(time.perf_counter() - start, 3)
    return {"rows": rows, "seconds": timings}
