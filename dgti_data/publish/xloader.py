"""The XLoader load path: the portal's own loader fills our typed table from the uploaded CSV.

Portals without ckanext-dgti but with XLoader (agencies' portals) load a CSV by one job, about
twice as fast as ``datastore_upsert`` batches. XLoader types every column as text unless the data
dictionary says otherwise, so the typed, empty table comes first (``datastore_create``: our types,
primary key and Thai labels, each column's ``type_override`` = its type). XLoader then finds the
table's columns matching its own, empties it (TRUNCATE: the primary key and dictionary stay) and
COPYs the file in. The job is the one the upload started (XLoader's default for CSV), else one
``xloader_submit`` asks for; ``xloader_status`` is polled until the client's ``long_timeout``.

Afterwards the row count, the column types and the first rows are checked against the file.
``XLoaderFailed`` (the job failed, never started, or the table came out different) tells the caller
to load by upserts instead. A job still running at the bound is a ``TerminalError``: loading
beside it would race its COPY, so nothing more is written and the dataset stays as it was.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from dgti_data.ckan import NotFound
from dgti_data.errors import TerminalError
from dgti_data.publish import datastore as ds
from dgti_data.publish.csvscan import arrow_table, read_header
from dgti_data.publish.portal import Portal

log = logging.getLogger(__name__)

PLUGIN = "xloader"
ACTIVE = ("submitting", "pending", "running", "running_but_viewable")
# PostgreSQL's spellings of booleans (boolin, case-insensitive): what COPY accepts.
PG_BOOLEANS = frozenset({"t", "true", "y", "yes", "on", "1", "f", "false", "n", "no", "off", "0"})
CHECKED_ROWS = 100  # first rows compared value by value after a load
POLL_S = (0.5, 1.0, 2.0, 5.0)  # waits between xloader_status calls, then the last one repeated


class XLoaderFailed(Exception):
    """XLoader did not give the table we asked for: load by upserts instead (the message says why)."""


def with_type_overrides(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``datastore_create``'s fields with ``info.type_override`` = the column's type: any XLoader job
    on the resource (ours, or one a later upload starts) then keeps the typed table."""
    return [{**f, "info": {**f.get("info", {}), "type_override": f["type"]}} for f in fields]


def unsuitable(csv_path: Path, table_schema: dict[str, Any]) -> str | None:
    """Why XLoader would store this CSV differently from our other paths (None: it would not).

    XLoader COPYs cells as they are, after stripping spaces: a missing-value spelling other than the
    empty cell ("-", "N/A") would be stored as text (or refused by a typed column), a boolean
    PostgreSQL cannot read ("ใช่") refused. The published CSV spells neither, so this reads the
    file (Arrow, column-wise) only to be sure."""
    header = read_header(csv_path)
    table = arrow_table(csv_path, header)
    if table is None:
        return "its parser could not read the CSV as ours does"
    conv = ds.RecordConverter(table_schema)
    spelt = sorted(conv.missing - {""})
    missing = pa.array(spelt, type=pa.large_string())
    for name in header:
        column = table.column(name)
        if spelt and pc.any(pc.is_in(column, value_set=missing)).as_py():
            spelling = _first(column, spelt)
            return f"column {name} holds a missing value spelt {spelling!r}, which it would load as is"
        if pc.any(pc.match_substring_regex(column, r"^\s|\s$")).as_py():
            return f"column {name} has cells with spaces around them, which it would strip"
        if conv.types.get(name) == "bool":
            present = pc.filter(column, pc.not_equal(column, ""))
            bad = pc.filter(present, pc.invert(pc.is_in(pc.utf8_lower(present), value_set=pa.array(
                sorted(PG_BOOLEANS), type=pa.large_string()))))
            if len(bad):
                return f"column {name} spells a boolean {bad[0].as_py()!r}, which PostgreSQL cannot read"
    return None


def _first(column: pa.ChunkedArray, values: list[str]) -> str:
    return next(v for v in column.unique().to_pylist() if v in values)


def status(portal: Portal, rid: str) -> dict[str, Any] | None:
    """XLoader's latest job for the resource (None: it never had one)."""
    try:
        return portal.call("xloader_status", resource_id=rid)
    except NotFound:
        return None


def load(plan_name: str, portal: Portal, rid: str, step: Any, csv_path: Path, source: Path,
         table_schema: dict[str, Any], rows: int, upload: Callable[[], None] | None) -> None:
    """Fill resource ``rid``'s table by XLoader: typed empty table, the upload of ``source`` (which
    may start the job; None: the resource already holds it), the job, then the checks against
    ``csv_path`` (the same rows). Raises ``XLoaderFailed`` for the upsert fallback."""
    portal.call("datastore_create", resource_id=rid, force=True, records=[],
                fields=with_type_overrides(step.fields), primary_key=step.primary_key)
    before = status(portal, rid)
    if upload is not None:
        upload()
    # The upload's own job, else ours. After our upload the resource's hash is our sha256, never
    # XLoader's md5, so the job loads without being forced; a false answer means a job was pending.
    if (_job_started_since(portal, rid, before) is None
            and not portal.call("xloader_submit", resource_id=rid, ignore_hash=upload is None)
            and _job_started_since(portal, rid, before) is None):
        raise XLoaderFailed("XLoader refused the job (xloader_submit answered false)")
    done = _wait(portal, rid, plan_name, source)
    if done.get("status") != "complete":
        raise XLoaderFailed(f"XLoader's job failed: {_error_text(done)}")
    verify(portal, rid, step, csv_path, table_schema, rows)


def _job_started_since(portal: Portal, rid: str, before: dict[str, Any] | None) -> dict[str, Any] | None:
    now = status(portal, rid)
    if now is None or now.get("status") not in ACTIVE:
        return None
    if before is not None and now.get("job_id") == before.get("job_id"):
        return None
    return now


def _wait(portal: Portal, rid: str, plan_name: str, source: Path) -> dict[str, Any]:
    bound = portal.client.long_timeout
    start = time.monotonic()
    polls = 0
    while True:
        now = status(portal, rid) or {}
        if now.get("status") not in ACTIVE:
            return now
        waited = time.monotonic() - start
        if waited >= bound:
            break
        time.sleep(min(POLL_S[min(polls, len(POLL_S) - 1)], max(bound - waited, 0.0)))
        polls += 1
    if now.get("status") in ("submitting", "pending"):
        # Never started (no worker, a long queue): mark the file as loaded the way XLoader checks
        # (its md5 as the resource's hash), so that the job, if a worker ever runs it, skips the
        # file instead of emptying the table to load it again (unless submitted with ignore_hash).
        # A job reads the resource only after saying it runs: still pending after the mark, it
        # will skip.
        portal.call("resource_patch", id=rid, hash=file_hash(source))
        now = status(portal, rid) or {}
        if now.get("status") in ("submitting", "pending"):
            raise XLoaderFailed(f"XLoader's job did not start within {bound:g} s (is its worker running?)")
        if now.get("status") not in ACTIVE:
            return now  # it ran meanwhile: the checks say what it left
    raise TerminalError(
        f"{plan_name}: XLoader's job is still running after {bound:g} s; nothing more "
        "was written (loading beside it would race it): run again once it has finished, or raise "
        "DGTI_CKAN_LOAD_TIMEOUT"
    )


def file_hash(path: Path) -> str:
    """The digest XLoader compares with the resource's ``hash`` before loading (its file's md5)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _error_text(done: dict[str, Any]) -> str:
    error = done.get("error")
    if isinstance(error, dict):
        error = error.get("message") or error
    return " ".join(str(error or done.get("status") or "no status").split())[:300]


def verify(portal: Portal, rid: str, step: Any, csv_path: Path, table_schema: dict[str, Any],
           rows: int) -> None:
    """The table XLoader left: every row, our column types, and the first rows' values as we read them."""
    table = portal.call("datastore_search", resource_id=rid, limit=CHECKED_ROWS, sort="_id")
    types = {f["id"]: f["type"] for f in table["fields"] if f["id"] != "_id"}
    want = {f["id"]: f["type"] for f in step.fields}
    if types != want:
        wrong = {k: v for k, v in types.items() if want.get(k) != v} or types
        raise XLoaderFailed(f"the columns came out as {wrong}, not {want}")
    if table["total"] != rows:
        raise XLoaderFailed(f"the table holds {table['total']:,} rows, the file {rows:,}")
    first = islice(ds.read_records(csv_path, table_schema), CHECKED_ROWS)
    expected = [ds.row_signature(r, want) for r in first]
    stored = [ds.row_signature(r, want) for r in table["records"]]
    for line, (got, sent) in enumerate(zip(stored, expected, strict=False), start=2):
        if got != sent:
            raise XLoaderFailed(f"line {line} came out as {got}, not {sent}")
