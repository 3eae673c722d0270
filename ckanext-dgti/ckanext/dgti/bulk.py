"""Replace a DataStore table's rows with a CSV file by ``COPY``: readers see the old rows or the new,
never a mix, and a refusal changes nothing.

Why not ``datastore_upsert``: CKAN converts and inserts row by row (about 3,000 rows/s here);
``COPY`` streams the file into PostgreSQL at its own speed. Why a staging table: the published CSV
spells booleans and missing values its own way (``ใช่``, ``-``, ``N/A``), which ``COPY`` cannot
read into typed columns, so the file goes in as text and one converting ``SELECT``
(``loadsql.converting_select``) types it and fills ``_full_text`` without calling the trigger a
million times. The target's ``_id`` is the data line (1 = first row after the header), so a re-run
gives the same ids.

Two paths, same result:

- **swap** (``swap.py``, the usual one): the new rows and their indexes are built in a table of
  the schema ``dgti_load``, out of CKAN's sight, using both cores (a parallel ``CREATE TABLE AS``,
  then the costliest index with parallel workers and the rest by two connections at once); one
  short transaction then puts it in place
  of the old table, with the old one's triggers, grants, comments and ``_id`` sequence.
- **in place** (below): one transaction truncates the table, inserts, rebuilds its secondary
  indexes. Taken when something the swap cannot carry over hangs on the table (a view, such as a
  DataStore alias, a rule, a foreign key, an unknown constraint...), the reason logged.

Errors come back as ``LoadError`` naming the file line and the field, found only on the error
path (bisecting the rows, then trying each field of the bad row), so the happy path pays nothing.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ckanext.dgti import swap, thaiwords
from ckanext.dgti.loadsql import (
    Connect,
    Conversions,
    LoadError,
    Table,
    Timer,
    check_header,
    converting_select,
    copy_file,
    duplicates,
    limits,
    locate,
    read_header,
    read_table,
    set_next_id,
    stage_columns,
    unique_columns,
)
from psycopg2 import errors as pg_errors
from psycopg2 import sql

__all__ = ["Conversions", "LoadError", "load"]

log = logging.getLogger(__name__)
STAGE = sql.Identifier("dgti_load_stage")


def load(connect: Connect, table_name: str, path: str, conv: Conversions,
         lanes: int = swap.LANES, thai: bool = True) -> dict[str, Any]:
    """Replace every row of ``table_name`` with the CSV at ``path``; return counts, timings and
    the path taken. ``connect()`` gives a connection of the DataStore's write engine (the swap
    path opens one per lane). ``thai``: Thai cells segmented in ``_full_text`` (``dgti_thai``
    searches them so); otherwise CKAN's own ``_full_text``. Raises ``LoadError`` when a line cannot
    be loaded: nothing changed."""
    timings: dict[str, float] = {}
    start = last = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        timings[name] = round(now - last, 3)
        last = now

    with connect() as conn:
        cur = conn.cursor()
        try:
            obstacle = swap.obstacle(cur, table_name)
            conn.rollback()
        finally:
            cur.close()
        if obstacle is None:
            rows = swap.load(conn, connect, table_name, path, conv, lap, lanes, thai)
            how = "swap"
        else:
            log.info("dgti_datastore_load %s: loading in place: %s", table_name, obstacle)
            rows = _load_in_place(conn, table_name, path, conv, lap, thai)
            how = "in place"
    timings["total"] = round(time.perf_counter() - start, 3)
    return {"rows": rows, "seconds": timings, "how": how}


def _secondary_indexes(cur: Any, table: Table) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes not backing a constraint (``_id``'s key)."""
    cur.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
        "ORDER BY i.relname",
        (table.regclass,),
    )
    return list(cur.fetchall())


def _load_in_place(conn: Any, table_name: str, path: str, conv: Conversions,
                   lap: Timer, thai: bool) -> int:
    """One transaction: stage, lock, truncate, insert, rebuild the secondary indexes, commit."""
    cur = conn.cursor()
    scan = None
    try:
        limits(cur)
        table = read_table(cur, table_name)
        header = read_header(path)
        check_header(header, table.columns)
        text_columns = sorted(table.text_columns)
        scan = (thaiwords.FileCells(path, text_columns, conv.missing).start()
                if thai and text_columns else None)
        cur.execute(sql.SQL("CREATE TEMPORARY TABLE {stage} ({cols}) ON COMMIT DROP").format(
            stage=STAGE, cols=stage_columns(header)))
        rows = copy_file(cur, conn, STAGE, header, path)
        lap("copy")
        words = sql.Identifier("dgti_words")
        found = thaiwords.stage_words(cur, words, STAGE, text_columns, conv.missing, temporary=True,
                                      cells=scan.cells()) if scan is not None else None
        lap("thai words")

        # From here the table is locked: readers wait for the commit and then see the new rows.
        cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(table.ident))
        cur.execute("SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = 'zfulltext'",
                    (table.regclass,))
        trigger = cur.fetchone() is not None
        if trigger:  # _full_text is computed by the INSERT itself
            cur.execute(sql.SQL("ALTER TABLE {} DISABLE TRIGGER zfulltext").format(table.ident))
        indexes = _secondary_indexes(cur, table)
        unique = unique_columns(cur, table)
        for name, _ in indexes:
            cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(table.schema, name)))
        cur.execute(sql.SQL("TRUNCATE {}").format(table.ident))
        cur.execute("SAVEPOINT dgti_insert")
        try:
            cur.execute(sql.SQL("INSERT INTO {t} ({cols}) {select}").format(
                t=table.ident, cols=sql.SQL(", ").join(sql.Identifier(n) for n in table.attributes),
                select=converting_select(table, conv, STAGE, words=found)))
        except pg_errors.Error as exc:
            cur.execute("ROLLBACK TO SAVEPOINT dgti_insert")
            raise locate(cur, table, conv, STAGE, rows, exc) from None
        lap("insert")

        cur.execute("SAVEPOINT dgti_indexes")
        try:
            for _, definition in indexes:
                cur.execute(definition)
        except pg_errors.UniqueViolation:
            cur.execute("ROLLBACK TO SAVEPOINT dgti_indexes")
            raise duplicates(cur, table, unique) from None
        lap("indexes")
        if trigger:
            cur.execute(sql.SQL("ALTER TABLE {} ENABLE TRIGGER zfulltext").format(table.ident))
        set_next_id(cur, table, rows)
        cur.execute(sql.SQL("ANALYZE {}").format(table.ident))
        conn.commit()
        lap("analyze, commit")
        return rows
    except BaseException:
        conn.rollback()
        raise
    finally:
        if scan is not None:
            scan.stop()
        cur.close()
