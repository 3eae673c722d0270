"""The SQL both load paths share: how a staged text column becomes its typed value, the converting
``SELECT`` that also computes ``_full_text``, and how a refusal is traced to a file line and field.

The staged table holds the file as text with its data line number (``_line``, 1 = first row after
the header). Conversions follow the pipeline's client for upserts: missing values → NULL, the
schema's true/false values → bool, then PostgreSQL's cast. ``_full_text`` is what the DataStore's
``populate_full_text_trigger`` computes: ``to_tsvector`` of the row's non-underscore columns as
text, joined by spaces.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from psycopg2 import errors as pg_errors
from psycopg2 import sql

TIMEOUT_MS = 30 * 60 * 1000
# GIN builds sort their entries in this memory: less spilling for big tables.
MAINTENANCE_MEM = "512MB"
ID, FULL_TEXT = "_id", "_full_text"
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
    """A DataStore table as the catalogue has it: every column in order, with its type."""

    name: str
    attributes: dict[str, str]  # every column in table order (``_id``, ``_full_text`` too) → type
    schema: str = "public"

    @property
    def columns(self) -> dict[str, str]:
        """The data columns (the file's), in table order."""
        return {n: k for n, k in self.attributes.items() if not n.startswith("_")}

    @property
    def text_columns(self) -> set[str]:
        return {n for n, k in self.columns.items() if k == "text"}

    @property
    def ident(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)

    @property
    def regclass(self) -> str:
        """The table's name as ``%s::regclass`` reads it."""
        return f'"{self.schema}"."' + self.name.replace('"', '""') + '"'


def read_header(path: str) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return next(csv.reader(fh), [])


def read_table(cur: Any, name: str, schema: str = "public") -> Table:
    table = Table(name, {}, schema)
    cur.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
        (table.regclass,),
    )
    table.attributes = dict(cur.fetchall())
    return table


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


def copy_statement(stage: sql.Composable, header: list[str]) -> sql.Composed:
    return sql.SQL("COPY {stage} ({cols}) FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8')"
                   ).format(stage=stage, cols=sql.SQL(", ").join(sql.Identifier(h) for h in header))


def stage_columns(header: list[str]) -> sql.Composed:
    """The staged table's columns: the data line, then every file column as text."""
    return sql.SQL("_line bigint GENERATED ALWAYS AS IDENTITY, {cols}").format(
        cols=sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(h)) for h in header))


def copy_file(cur: Any, conn: Any, stage: sql.Composable, header: list[str], path: str) -> int:
    """COPY the file into the staged table; the number of data lines. Sent in 8 MB reads: between
    two the feeding thread waits for Python's lock while ``thaiwords.FileCells`` reads the file
    beside it, so fewer reads leave PostgreSQL waiting less."""
    with open(path, "rb") as fh:
        try:
            cur.copy_expert(copy_statement(stage, header).as_string(conn), fh, size=8 << 20)
        except pg_errors.Error as exc:
            raise _copy_error(exc) from None
    if cur.rowcount >= 0:  # COPY's command tag: no second pass over the staged rows
        return int(cur.rowcount)
    cur.execute(sql.SQL("SELECT count(*) FROM {}").format(stage))
    return int(cur.fetchone()[0])


def limits(cur: Any, memory: str = MAINTENANCE_MEM) -> None:
    """This transaction's limits: a load may take long, and builds sort in more memory."""
    cur.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(TIMEOUT_MS)))
    cur.execute(sql.SQL("SET LOCAL maintenance_work_mem = {}").format(sql.Literal(memory)))


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


def converting_select(table: Table, conv: Conversions, stage: sql.Composable,
                      where: sql.Composable | None = None, words: Any = None) -> sql.Composed:
    """Every column of ``table``, in table order, from the staged rows: ``_id`` is the data line.

    ``words``: the load's Thai words (``thaiwords.Words``). Each Thai text column is joined to
    their table by its raw cell, whose ``tsvector`` (of the segmented cell, computed once per
    distinct cell) stands in ``_full_text`` for parsing the cell on every row: the lexemes of
    ``to_tsvector`` of the row's text with its Thai cells segmented, for about the cost of
    ``_full_text`` without words (measured: parsing the words on every row doubled it). Without
    ``words``, ``_full_text`` is CKAN's own formula."""
    converted = sql.SQL(", ").join(
        sql.SQL("{v} AS {n}").format(v=_value(n, k, conv), n=sql.Identifier(n))
        for n, k in table.columns.items()
    )
    thai = list(words.columns) if words is not None else []
    plain = [n for n in table.columns if n not in thai]
    full_text: sql.Composable = sql.SQL("to_tsvector(concat_ws(' ', {cols}))").format(
        cols=sql.SQL(", ").join(_as_text(n, table.columns[n]) for n in plain) if plain
        else sql.SQL("''"))
    source: sql.Composable = stage
    extra: sql.Composable = sql.SQL("")
    if thai:
        joined = [(sql.Identifier(f"_dgti_w{i}"), sql.Identifier(c)) for i, c in enumerate(thai)]
        source = sql.SQL(" ").join([stage, *(
            sql.SQL("LEFT JOIN {w} AS {a} ON {a}._dgti_value = {stage}.{c}").format(
                w=words.table, a=a, stage=stage, c=c) for a, c in joined)])
        extra = sql.SQL("").join(sql.SQL(", {a}._dgti_vector AS {a}").format(a=a) for a, _ in joined)
        # A cell not in the words' table (no Thai, or a missing value: NULL by now) is parsed.
        full_text = sql.SQL(" || ").join([full_text, *(
            sql.SQL("coalesce({a}, to_tsvector(coalesce({c}, '')))").format(a=a, c=c)
            for a, c in joined)])
    outputs = []
    for name, kind in table.attributes.items():
        if name == ID:
            outputs.append(sql.SQL("CAST(_line AS {k}) AS {n}").format(k=sql.SQL(kind), n=sql.Identifier(ID)))
        elif name == FULL_TEXT:
            outputs.append(sql.SQL("{ft} AS {n}").format(ft=full_text, n=sql.Identifier(FULL_TEXT)))
        elif name.startswith("_"):  # a column of CKAN's own that the file does not carry
            outputs.append(sql.SQL("CAST(NULL AS {k}) AS {n}").format(k=sql.SQL(kind),
                                                                      n=sql.Identifier(name)))
        else:
            outputs.append(sql.Identifier(name))
    return sql.SQL("SELECT {outs} FROM (SELECT _line, {conv}{extra} FROM {source} {where}) s").format(
        outs=sql.SQL(", ").join(outputs), conv=converted, extra=extra, source=source,
        where=where if where is not None else sql.SQL(""))


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


def locate(cur: Any, table: Table, conv: Conversions, stage: sql.Composable, rows: int,
           error: Exception) -> LoadError:
    """The first file line (and field) the conversion refuses, by bisecting the staged rows.

    Each probe materialises its rows (a temporary table, rolled back), so that every conversion
    really runs: a plain ``SELECT count(*)`` would let the planner skip unused columns."""

    def probe(where: sql.Composable) -> sql.Composed:
        return sql.SQL("CREATE TEMPORARY TABLE dgti_probe AS {}").format(
            converting_select(table, conv, stage, where))

    lo, hi = 1, rows
    while lo < hi:
        mid = (lo + hi) // 2
        where = sql.SQL("WHERE _line BETWEEN {a} AND {b}").format(a=sql.Literal(lo), b=sql.Literal(mid))
        if _fails(cur, probe(where)) is not None:
            hi = mid
        else:
            lo = mid + 1
    line = lo + 1  # the header is line 1
    for name, kind in table.columns.items():
        one = sql.SQL("SELECT {v} FROM {stage} WHERE _line = {n}").format(
            v=_value(name, kind, conv), stage=stage, n=sql.Literal(lo))
        exc = _fails(cur, one)
        if exc is not None:
            return LoadError(f"line {line}, field {name}: {_first_line(exc)}", line, name)
    return LoadError(f"line {line}: {_first_line(error)}", line)


def unique_columns(cur: Any, table: Table) -> list[list[str]]:
    cur.execute(
        "SELECT array_agg(a.attname ORDER BY k.n) FROM pg_index x "
        "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) "
        "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum "
        "WHERE x.indrelid = %s::regclass AND x.indisunique AND NOT x.indisprimary "
        "GROUP BY x.indexrelid",
        (table.regclass,),
    )
    return [list(r[0]) for r in cur.fetchall()]


def duplicates(cur: Any, table: Table, keys: list[list[str]]) -> LoadError:
    """The first repeated key of the loaded rows, as a refusal naming both lines."""
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


def set_next_id(cur: Any, table: Table, rows: int) -> None:
    """Later upserts through the API take ids after the loaded rows."""
    cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({t}, '_id'), {n}, {used})").format(
        t=sql.Literal(table.regclass), n=sql.Literal(max(rows, 1)), used=sql.Literal(rows > 0)))


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "pgerror", None) or exc).strip().splitlines()[0].removeprefix("ERROR:  ")


def _copy_error(exc: Exception) -> LoadError:
    context = getattr(getattr(exc, "diag", None), "context", None) or ""
    match = _COPY_CONTEXT.search(context)
    line = int(match.group(1)) if match else None
    where = f"line {line}: " if line else ""
    return LoadError(f"{where}{_first_line(exc)}", line)


Timer = Callable[[str], None]  # records the time since the last call under a phase's name
Connect = Callable[[], AbstractContextManager[Any]]  # a connection of the DataStore's write engine
