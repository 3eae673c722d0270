"""Thai words for the DataStore's full-text search (PostgreSQL has no Thai parser).

PostgreSQL's parser splits text on spaces and punctuation, so a Thai cell is one token and a word
inside it (พัสดุ in จัดซื้อวัสดุพัสดุสำนักงาน) never matches. Here ICU's word break iterator (PyICU,
the dictionary Solr's ICU tokenizer uses for the catalog) segments every Thai run; a Thai cell's
lexemes in the row's ``_full_text`` are those of its segmented text, and a Thai query is segmented
the same way before it becomes a ``tsquery``, so index and query always split alike. The run as
one token (what CKAN's formula gives) is left out: a query for it is segmented into the same
words, and it was about one lexeme in eight of the 1M-row survey's ``_full_text``, whose GIN
index is the load's biggest build. Non-Thai text is left to PostgreSQL.

- ``segment``: a text with its Thai runs spaced into words (for queries and cells);
- ``stage_words``: the words of every distinct Thai cell of a staged CSV file, in a table the
  bulk load joins to each text column;
- ``add_words``: upserted records' Thai cells segmented in their rows (the ``datastore_upsert`` path).
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

import icu
from psycopg2 import sql

THAI_RUN = re.compile("[\u0e00-\u0e7f]+")


def has_thai(text: str) -> bool:
    return THAI_RUN.search(text) is not None


@lru_cache(maxsize=1)
def _breaker() -> Any:
    return icu.BreakIterator.createWordInstance(icu.Locale("th"))


@lru_cache(maxsize=200_000)  # published cells repeat (a district, a category): segment each once
def thai_words(run: str) -> tuple[str, ...]:
    """The words of one run of Thai letters, as ICU splits it."""
    bi = _breaker()
    bi.setText(run)
    bounds = [0, *bi]
    return tuple(w for a, b in pairwise(bounds) if (w := run[a:b].strip()))


def segment(text: str) -> str:
    """``text`` with each Thai run replaced by its words, spaces around each (so that a word
    touching Latin letters or digits is a token of its own)."""
    return THAI_RUN.sub(lambda m: " " + " ".join(thai_words(m.group())) + " ", text)


def thai_cells(cells: Iterable[Any]) -> list[str]:
    """The cells holding Thai."""
    return [c for c in cells if isinstance(c, str) and has_thai(c)]


@dataclass(frozen=True)
class Words:
    """The Thai words of a bulk load: ``table`` maps each distinct Thai cell (``_dgti_value``) to the
    ``tsvector`` of the segmented cell (``_dgti_vector``); ``columns`` are the text columns
    holding such cells, which the converting ``SELECT`` joins to it."""

    table: sql.Composable
    columns: tuple[str, ...]


class FileCells:
    """The distinct non-ASCII cells of a CSV file's text columns, read in a thread while the file's
    ``COPY`` runs: ``(index in columns, cell)``.

    Why: scanning the staged rows for them took 5-6 s of the 1M-row load after its ``COPY``
    (6-7 s on one core, the other idle); read beside it, they are there when the ``COPY`` ends.
    Python's ``csv`` reads the file as ``COPY``'s CSV format does (quotes, doubled quotes, line
    breaks inside quotes). A file it cannot read (malformed: ``COPY`` refuses it too) gives None,
    and the staged rows are scanned instead."""

    _CHECK_EVERY = 1 << 16  # rows between looks at the stop flag

    def __init__(self, path: str, columns: list[str], missing: list[str]) -> None:
        self._path, self._columns, self._missing = path, columns, set(missing)
        self._found: list[tuple[int, str]] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="dgti-thai-cells", daemon=True)

    def start(self) -> FileCells:
        self._thread.start()
        return self

    def _read(self) -> None:
        seen: list[set[str]] = [set() for _ in self._columns]
        try:
            with open(self._path, encoding="utf-8-sig", newline="") as fh:
                reader = csv.reader(fh)
                header = next(reader, [])
                where = [(n, header.index(c)) for n, c in enumerate(self._columns) if c in header]
                for i, row in enumerate(reader):
                    if not i % self._CHECK_EVERY and self._stop.is_set():
                        return
                    for n, k in where:
                        if not row[k].isascii():
                            seen[n].add(row[k])
        except (OSError, UnicodeDecodeError, csv.Error, IndexError):
            return
        self._found = [(n, v) for n, cells in enumerate(seen) for v in cells if v not in self._missing]

    def cells(self) -> list[tuple[int, str]] | None:
        self._thread.join()
        return self._found

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def stage_words(cur: Any, table: sql.Composable, stage: sql.Composable, text_columns: list[str],
                missing: list[str], *, temporary: bool,
                cells: list[tuple[int, str]] | None = None) -> Words:
    """Create ``table`` mapping every distinct Thai cell of the staged text columns to its words.

    Why distinct cells: published cells repeat (a district, a category, a stock phrase), so a
    1M-row survey holds about 15,000 distinct Thai cells; one scan finds them, ICU segments each
    once (a fraction of a second) and PostgreSQL computes each one's ``tsvector`` once, instead of
    segmenting every line in Python and parsing a million rows' words. Missing-value spellings get no
    words (their cells become NULL). Not booleans spelt ใช่: the API path's records carry them
    converted, and the two paths must index alike. ``cells``: the non-ASCII cells, when
    ``FileCells`` read them from the file (the staged rows are not scanned then)."""
    kind = sql.SQL("TEMPORARY" if temporary else "UNLOGGED")
    on_commit = sql.SQL("ON COMMIT DROP" if temporary else "")
    cur.execute(sql.SQL("CREATE {kind} TABLE {t} (_dgti_value text, _dgti_vector tsvector) "
                        "{on_commit}").format(kind=kind, t=table, on_commit=on_commit))
    if not text_columns:
        return Words(table, ())
    if cells is None:
        cells = _staged_cells(cur, stage, text_columns, missing)
    found: dict[str, str] = {}
    columns: set[int] = set()
    for n, value in cells:
        if not has_thai(value):
            continue
        columns.add(n)
        if value not in found:
            found[value] = segment(value)
    cur.execute(sql.SQL("INSERT INTO {t} SELECT v, to_tsvector(w) "
                        "FROM unnest(%s::text[], %s::text[]) AS u(v, w)").format(t=table),
                (list(found), list(found.values())))
    cur.execute(sql.SQL("ANALYZE {t}").format(t=table))
    return Words(table, tuple(text_columns[n] for n in sorted(columns)))


def _staged_cells(cur: Any, stage: sql.Composable, text_columns: list[str],
                  missing: list[str]) -> list[tuple[int, str]]:
    """The distinct non-ASCII cells of the staged text columns (a byte count above the character
    count is cheaper to test than a regex)."""
    cells = sql.SQL(", ").join(
        sql.SQL("({n}, {c})").format(n=sql.Literal(n), c=sql.Identifier(c))
        for n, c in enumerate(text_columns))
    cur.execute(sql.SQL(
        "SELECT DISTINCT x.n, x.v FROM {stage} CROSS JOIN LATERAL (VALUES {cells}) AS x(n, v) "
        "WHERE octet_length(x.v) > length(x.v) AND x.v <> ALL({missing}::text[])"
    ).format(stage=stage, cells=cells, missing=sql.Literal(missing)))
    return cur.fetchall()


def add_words(cur: Any, table: str, keys: list[str], records: list[dict[str, Any]],
              text_columns: set[str]) -> int:
    """Segment the Thai cells of the text columns of ``records`` in the ``_full_text`` of their rows
    (found by ``keys``, the table's unique key), as the bulk load does: the lexemes CKAN's trigger
    took from those cells are replaced by those of the segmented cells. The number of rows changed."""
    rows = []
    for r in records:
        cells = thai_cells(v for c, v in r.items() if c in text_columns)
        if cells:
            rows.append([str(r.get(k)) for k in keys] + [" ".join(cells), " ".join(map(segment, cells))])
    if not rows:
        return 0
    from psycopg2.extras import execute_values

    match = sql.SQL(" AND ").join(
        sql.SQL("t.{c}::text = v.{c}").format(c=sql.Identifier(k)) for k in keys)
    # Cells without Thai give no Thai tokens: deleting the Thai cells' own lexemes removes only
    # what the segmented cells do not give back.
    statement = sql.SQL(
        "UPDATE {t} AS t SET _full_text = ts_delete(coalesce(t._full_text, ''::tsvector), "
        "tsvector_to_array(to_tsvector(v._dgti_cells))) || to_tsvector(v._dgti_words) "
        "FROM (VALUES %s) AS v({cols}) WHERE {match}"
    ).format(t=sql.Identifier(table),
             cols=sql.SQL(", ").join([*map(sql.Identifier, keys), sql.Identifier("_dgti_cells"),
                                      sql.Identifier("_dgti_words")]),
             match=match)
    execute_values(cur, statement.as_string(cur), rows, page_size=1000)
    return len(rows)
