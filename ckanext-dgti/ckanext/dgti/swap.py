"""The swap path of a bulk load: build the new table beside the old one, then put it in its place.

Why: on a 2-core machine one ``INSERT`` plus serial index rebuilds keep one core busy and leave
the other idle (a 1M-row survey: about 35 s of ``to_tsvector`` and 60 s of full-text index builds,
one after the other). Built in a table of its own, the rows can be computed by a parallel
``CREATE TABLE AS`` and the indexes with PostgreSQL's parallel workers or by two connections at
once, since each committed step is invisible to CKAN until the swap: the schema ``dgti_load`` is
outside the DataStore's ``public``.

The swap is one short transaction on the old table's lock: the new table takes the old one's
column defaults and ``_id`` sequence, primary key, triggers (``zfulltext``), grants and comments
(the data dictionary), then its name and schema. Readers see the old rows until the commit, then
the new. A crash before it leaves the old table as it was; the next load clears what was left in
``dgti_load``. One load per table at a time (an advisory lock).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import closing
from typing import Any

from ckanext.dgti import thaiwords
from ckanext.dgti.loadsql import (
    FULL_TEXT,
    ID,
    MAINTENANCE_MEM,
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

log = logging.getLogger(__name__)
SCHEMA = "dgti_load"
LANES = 2  # connections building indexes at once: the machine's cores
# Full-text (GIN) entries cost far more to build than B-tree ones, per byte of column.
_GIN_WEIGHT = 10
_MAX_NAME = 57  # PostgreSQL names are 63 bytes; the stage adds "_stage"
# A parallel GIN build's memory, shared by its processes: each one's entries kept small enough to
# stay in the CPU caches (the 1M-row survey's ``_full_text`` index, 2 workers: about 15% faster
# with 64MB than with 512MB; 32MB was slower, the sort merging more runs).
_PARALLEL_GIN_MEM = "64MB"


def obstacle(cur: Any, name: str) -> str | None:
    """Why the swap cannot carry this table over (load it in place then), or None."""
    if len(name.encode()) > _MAX_NAME:
        return "its name is too long for a staged copy"
    table = read_table(cur, name)
    cur.execute(
        "SELECT c.relkind, c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user), "
        "c.relrowsecurity, c.relispartition, c.reloptions IS NOT NULL, c.relhasrules, "
        "EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = c.oid OR inhparent = c.oid), "
        "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = c.oid AND attacl IS NOT NULL), "
        "EXISTS (SELECT 1 FROM pg_statistic_ext WHERE stxrelid = c.oid), "
        # PostgreSQL 18 records NOT NULL as constraints too ('n'); the swap carries those over.
        "EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = c.oid AND contype NOT IN ('p', 'u', 'n')), "
        "EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = c.oid AND (tgisinternal OR tgenabled <> 'O')), "
        "has_database_privilege(current_database(), 'CREATE') OR CASE WHEN to_regnamespace(%s) IS NULL "
        "THEN false ELSE has_schema_privilege(to_regnamespace(%s), 'CREATE') END "
        "FROM pg_class c WHERE c.oid = %s::regclass",
        (SCHEMA, SCHEMA, table.regclass),
    )
    (kind, owned, rls, partition, options, rules, inherits, column_acl, stats, constraints, triggers,
     may_create) = cur.fetchone()
    reasons = {
        "not a plain table": kind != "r", "owned by another role": not owned,
        "row-level security": rls, "a partition": partition, "storage options": options,
        "rules": rules, "inheritance": inherits, "column privileges": column_acl,
        "extended statistics": stats, "constraints other than keys": constraints,
        "internal or disabled triggers": triggers,
        f"no right to create the schema {SCHEMA}": not may_create,
        "no _id column": ID not in table.attributes,
        "columns of its own besides _id and _full_text": any(
            n.startswith("_") and n not in (ID, FULL_TEXT) for n in table.attributes),
    }
    found = [reason for reason, present in reasons.items() if present]
    if found:
        return ", ".join(found)
    cur.execute(
        "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend "
        "WHERE refclassid = 'pg_class'::regclass AND refobjid = %s::regclass AND deptype = 'n' "
        "ORDER BY 1 LIMIT 3",
        (table.regclass,),
    )
    dependents = [r[0] for r in cur.fetchall()]
    if dependents:
        return f"depended on by {', '.join(dependents)}"
    on = _on(cur, table)
    for _, definition, _, _ in _indexes(cur, table):
        if definition.count(on) != 1:
            return f"an index definition not of the expected form: {definition}"
    return None


def load(conn: Any, connect: Connect, name: str, path: str, conv: Conversions, lap: Timer,
         lanes: int = LANES, thai: bool = True) -> int:
    """Build the new rows and indexes in ``dgti_load``, then swap; the number of rows loaded."""
    cur = conn.cursor()
    old = read_table(cur, name)
    new = Table(name, dict(old.attributes), SCHEMA)
    stage = sql.Identifier(SCHEMA, f"{name}_stage")
    words = sql.Identifier(SCHEMA, f"{name}_words")  # each Thai cell's words (thaiwords.py)
    header = read_header(path)
    check_header(header, old.columns)
    limits(cur)
    # Session-level: held across this load's transactions, released in ``finally``.
    cur.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"{SCHEMA}:{name}",))
    conn.commit()
    text_columns = sorted(old.text_columns)
    scan = None
    try:
        # The Thai cells are read from the file while it is copied (thaiwords.FileCells).
        scan = (thaiwords.FileCells(path, text_columns, conv.missing).start()
                if thai and text_columns else None)
        _ensure_schema(conn)
        _drop(cur, new, stage)
        conn.commit()

        limits(cur)
        # Scratch, dropped after the load: autovacuum would only compete with the index builds.
        cur.execute(sql.SQL("CREATE UNLOGGED TABLE {stage} ({cols}) WITH (autovacuum_enabled = false)"
                            ).format(stage=stage, cols=stage_columns(header)))
        rows = copy_file(cur, conn, stage, header, path)
        conn.commit()  # committed: the words' scan of the staged rows can run in parallel
        lap("copy")

        limits(cur)
        found = thaiwords.stage_words(cur, words, stage, text_columns, conv.missing, temporary=False,
                                      cells=scan.cells()) if scan is not None else None
        conn.commit()
        lap("thai words")

        limits(cur)
        # Committed staged rows can be scanned by parallel workers: to_tsvector on both cores. One
        # worker per lane beyond the first, as the leader computes rows too besides writing them
        # all (the 1M-row survey: 22-26 s with one worker, 27-31 s with two).
        cur.execute(sql.SQL("SET LOCAL max_parallel_workers_per_gather = {}").format(
            sql.Literal(max(lanes - 1, 0))))
        try:
            cur.execute(sql.SQL("CREATE TABLE {t} AS {select}").format(
                t=new.ident, select=converting_select(old, conv, stage, words=found)))
        except pg_errors.Error as exc:
            conn.rollback()
            limits(cur)
            raise locate(cur, old, conv, stage, rows, exc) from None
        cur.execute(sql.SQL("ANALYZE {}").format(new.ident))  # the statistics move with the table
        conn.commit()
        lap("convert")

        indexes = _indexes(cur, old)
        plan = _index_plan(cur, old, new, indexes)
        try:
            _build_all(connect, plan, lanes, conn.server_version)
        except pg_errors.UniqueViolation:
            conn.rollback()
            raise duplicates(cur, new, unique_columns(cur, old)) from None
        lap("indexes")

        _swap(cur, old, new, indexes, rows)
        conn.commit()
        lap("swap, commit")
        return rows
    finally:
        if scan is not None:
            scan.stop()
        _clean_up(conn, cur, new, stage)


def _clean_up(conn: Any, cur: Any, new: Table, stage: sql.Identifier) -> None:
    """Drop what the load left in ``dgti_load`` and release its lock; never hides the load's own
    error (a lost connection releases the lock anyway, and the next load drops the leftovers)."""
    try:
        conn.rollback()
        _drop(cur, new, stage)
        cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"{SCHEMA}:{new.name}",))
        conn.commit()
    except pg_errors.Error as exc:
        log.warning("dgti_datastore_load %s: clean-up failed (the next load retries it): %s",
                    new.name, exc)
    finally:
        cur.close()


def _ensure_schema(conn: Any) -> None:
    cur = conn.cursor()
    try:
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
        conn.commit()
    except pg_errors.UniqueViolation:  # another load created it at the same moment
        conn.rollback()
    finally:
        cur.close()


def _drop(cur: Any, new: Table, stage: sql.Identifier) -> None:
    words = sql.Identifier(SCHEMA, f"{new.name}_words")
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}, {}, {}").format(new.ident, stage, words))


def _on(cur: Any, table: Table) -> str:
    """How ``pg_get_indexdef`` names the table: `` ON public."<id>" USING ``."""
    cur.execute("SELECT quote_ident(%s), quote_ident(%s)", (table.schema, table.name))
    schema, name = cur.fetchone()
    return f" ON {schema}.{name} USING "


def _indexes(cur: Any, table: Table) -> list[tuple[str, str, str, str | None]]:
    """(index name, definition, access method, constraint kind 'p'/'u' or None) of every index."""
    cur.execute(
        "SELECT i.relname, pg_get_indexdef(x.indexrelid), am.amname, c.contype FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_am am ON am.oid = i.relam "
        "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
        "WHERE x.indrelid = %s::regclass ORDER BY i.relname",
        (table.regclass,),
    )
    return list(cur.fetchall())


def _index_plan(cur: Any, old: Table, new: Table, indexes: list[tuple[str, str, str, str | None]]
                ) -> list[tuple[str, str]]:
    """The old table's indexes as (statement on the new table, access method), the costliest first.

    The cost is guessed from the new rows' statistics: the average width of the columns an
    index reads (``pg_depend`` records them for plain and expression indexes alike), more for GIN.
    With the biggest builds started first, two lanes finish close together."""
    cur.execute(
        "SELECT i.relname, COALESCE(sum(s.avg_width), 0) FROM pg_index x "
        "JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = x.indexrelid "
        "  AND d.refobjid = x.indrelid "
        "LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = d.refobjsubid "
        "LEFT JOIN pg_stats s ON s.schemaname = %s AND s.tablename = %s AND s.attname = a.attname "
        "WHERE x.indrelid = %s::regclass GROUP BY i.relname",
        (new.schema, new.name, old.regclass),
    )
    width = dict(cur.fetchall())
    on_old, on_new = _on(cur, old), _on(cur, new)
    costed = [
        (width.get(name, 0) * (_GIN_WEIGHT if method == "gin" else 1), definition.replace(on_old, on_new, 1),
         method)
        for name, definition, method, _ in indexes
    ]
    return [(statement, method) for _, statement, method in sorted(costed, key=lambda c: -c[0])]


def _parallel_build(server_version: int, method: str) -> bool:
    """Whether PostgreSQL can build an index of ``method`` with parallel workers (B-tree since 11,
    GIN since 18)."""
    return (method == "btree" and server_version >= 110000) or (method == "gin" and server_version >= 180000)


def _build_all(connect: Connect, plan: list[tuple[str, str]], lanes: int, server_version: int) -> None:
    """Build the planned indexes: the costliest alone with PostgreSQL's parallel workers when it
    can, then the rest on ``lanes`` connections, each build on one core.

    Why: two builds side by side on two cores went about 1.3-1.5× as fast as one after the
    other, one GIN build with two workers 2× (measured on the 1M-row survey: the
    ``_full_text`` index 45 s on one core, 22.6 s with two workers; the 12 per-column indexes
    40.5 s one after the other, 30.2 s on two lanes; the lanes with ``_full_text`` on one of them
    took 56-59 s, this 53 s)."""
    statements = [statement for statement, _ in plan]
    if lanes > 1 and plan and _parallel_build(server_version, plan[0][1]):
        memory = _PARALLEL_GIN_MEM if plan[0][1] == "gin" else MAINTENANCE_MEM
        _build(connect, statements[:1], 1, workers=lanes, memory=memory)
        statements = statements[1:]
    _build(connect, statements, lanes, workers=0)


def _build(connect: Connect, statements: list[str], lanes: int, workers: int,
           memory: str = MAINTENANCE_MEM) -> None:
    """Run the statements on ``lanes`` connections at once, each taking the next one left and
    allowed ``workers`` parallel workers; the first failure stops every lane from starting
    another, and is raised."""
    queue = list(statements)
    failures: list[BaseException] = []
    guard = threading.Lock()

    def take() -> Iterator[str]:
        while True:
            with guard:
                if failures or not queue:
                    return
                statement = queue.pop(0)
            yield statement

    def lane() -> None:
        try:
            with connect() as conn, closing(conn.cursor()) as cur:
                for statement in take():
                    try:
                        limits(cur, memory)
                        cur.execute(sql.SQL("SET LOCAL max_parallel_maintenance_workers = {}").format(
                            sql.Literal(workers)))
                        cur.execute(statement)
                        conn.commit()
                    except BaseException:
                        conn.rollback()
                        raise
        except BaseException as exc:  # handed to the calling thread
            with guard:
                failures.append(exc)

    threads = [threading.Thread(target=lane, name=f"dgti-index-lane-{n}")
               for n in range(max(1, min(lanes, len(queue))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def _swap(cur: Any, old: Table, new: Table, indexes: list[tuple[str, str, str, str | None]],
          rows: int) -> None:
    """In one transaction: give the new table everything of the old one's, drop the old, rename."""
    limits(cur)
    cur.execute(sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(old.ident))
    if read_table(cur, old.name).attributes != old.attributes or _indexes(cur, old) != indexes:
        raise LoadError("the DataStore table's columns or indexes changed during the load: load again")
    oid = old.regclass
    cur.execute("SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d "
                "JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum "
                "WHERE d.adrelid = %s::regclass", (oid,))
    defaults = cur.fetchall()
    cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND attnotnull AND NOT attisdropped", (oid,))
    not_null = [r[0] for r in cur.fetchall()]
    cur.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
                "AND NOT tgisinternal ORDER BY tgname", (oid,))
    triggers = [r[0] for r in cur.fetchall()]
    cur.execute("SELECT pg_get_serial_sequence(%s, %s)", (oid, ID))
    sequence = cur.fetchone()[0]
    cur.execute("SELECT obj_description(%s::regclass, 'pg_class')", (oid,))
    table_comment = cur.fetchone()[0]
    cur.execute("SELECT attname, col_description(attrelid, attnum) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
                "AND col_description(attrelid, attnum) IS NOT NULL", (oid,))
    comments = cur.fetchall()

    for column, expression in defaults:
        cur.execute(sql.SQL("ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {e}").format(
            t=new.ident, c=sql.Identifier(column), e=sql.SQL(expression)))
    for column in not_null:
        cur.execute(sql.SQL("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL").format(
            t=new.ident, c=sql.Identifier(column)))
    cur.execute("SELECT conname, contype, i.relname FROM pg_constraint c "
                "JOIN pg_class i ON i.oid = c.conindid WHERE c.conrelid = %s::regclass", (oid,))
    for conname, contype, index in cur.fetchall():
        cur.execute(sql.SQL("ALTER TABLE {t} ADD CONSTRAINT {c} {kind} USING INDEX {i}").format(
            t=new.ident, c=sql.Identifier(conname),
            kind=sql.SQL("PRIMARY KEY" if contype == "p" else "UNIQUE"), i=sql.Identifier(index)))
    _copy_grants(cur, old, new)
    if sequence:
        cur.execute(sql.SQL("ALTER SEQUENCE {} OWNED BY NONE").format(sql.SQL(sequence)))

    cur.execute(sql.SQL("DROP TABLE {}").format(old.ident))
    cur.execute(sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(new.ident, sql.Identifier(old.schema)))
    if sequence:
        cur.execute(sql.SQL("ALTER SEQUENCE {s} OWNED BY {t}.{c}").format(
            s=sql.SQL(sequence), t=old.ident, c=sql.Identifier(ID)))
    for trigger in triggers:
        cur.execute(trigger)  # its text names the table by the name it now has again
    if table_comment is not None:
        cur.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(old.ident, sql.Literal(table_comment)))
    for column, comment in comments:
        cur.execute(sql.SQL("COMMENT ON COLUMN {t}.{c} IS {v}").format(
            t=old.ident, c=sql.Identifier(column), v=sql.Literal(comment)))
    set_next_id(cur, old, rows)


def _copy_grants(cur: Any, old: Table, new: Table) -> None:
    """The new table's privileges become exactly the old one's (the owner's aside)."""
    query = ("SELECT a.grantee, COALESCE(r.rolname, 'PUBLIC'), a.privilege_type, a.is_grantable "
             "FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a "
             "LEFT JOIN pg_roles r ON r.oid = a.grantee "
             "WHERE c.oid = %s::regclass AND a.grantee <> c.relowner")
    cur.execute(query, (new.regclass,))
    for _, role in {(g, r) for g, r, _, _ in cur.fetchall()}:
        grantee = sql.SQL("PUBLIC") if role == "PUBLIC" else sql.Identifier(role)
        cur.execute(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(new.ident, grantee))
    cur.execute(query, (old.regclass,))
    for _, role, privilege, grantable in cur.fetchall():
        grantee = sql.SQL("PUBLIC") if role == "PUBLIC" else sql.Identifier(role)
        cur.execute(sql.SQL("GRANT {p} ON TABLE {t} TO {g}{o}").format(
            p=sql.SQL(privilege), t=new.ident, g=grantee,
            o=sql.SQL(" WITH GRANT OPTION" if grantable else "")))
