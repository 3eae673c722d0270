"""Thai words for the DataStore's full-text search (PostgreSQL has no Thai parser).

PostgreSQL's parser splits text on spaces and punctuation, so a Thai cell is one token and a word
inside it (พัสดุ in จัดซื้อวัสดุพัสดุสำนักงาน) never matches. Here ICU's word break iterator (PyICU,
the dictionary Solr's ICU tokenizer uses for the catalog) segments every Thai run; the words are
added to the row's ``_full_text`` and a Thai query is segmented the same way before it becomes a
``tsquery``, so index and query always split alike. Non-Thai text is left to PostgreSQL.

- ``segment``: a text with its Thai runs spaced into words (for queries and cells);
- ``stage_words``: the words of every line of a CSV file, COPied into a table keyed by file line
  (the bulk load joins it);
- ``add_words``: the words of upserted records added to their rows (the ``datastore_upsert`` path).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import pairwise
from typing import Any

import icu
from psycopg2 import sql

THAI_RUN = re.compile("[\u0e00-\u0e7f]+")
WORDS_COLUMNS = "_dgti_line integer, _dgti_words text"


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
    """``text`` with each Thai run replaced by its words separated by spaces."""
    return THAI_RUN.sub(lambda m: " ".join(thai_words(m.group())), text)


def cell_words(cells: Iterable[Any]) -> str:
    """The Thai words of a row's cells, space-separated ('' when none holds Thai)."""
    return " ".join(w for c in cells if isinstance(c, str) for run in THAI_RUN.findall(c)
                    for w in thai_words(run))


def _lines(path: str, text_columns: set[str]) -> Iterator[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        keep = [i for i, name in enumerate(header) if name in text_columns]
        for line, row in enumerate(reader, start=1):  # 1 = first data line, as the stage's _line
            words = cell_words(row[i] for i in keep if i < len(row))
            if words:
                yield f"{line}\t{words}\n"


def stage_words(cur: Any, table: sql.Composable, path: str, text_columns: set[str], *,
                temporary: bool) -> int:
    """Create ``table`` (_dgti_line, _dgti_words) holding the Thai words of the text columns of
    each data line of the CSV at ``path`` (not booleans spelt ใช่: the API path's records carry
    them converted); the number of lines that have some."""
    kind = sql.SQL("TEMPORARY" if temporary else "UNLOGGED")
    on_commit = sql.SQL("ON COMMIT DROP" if temporary else "")
    cur.execute(sql.SQL("CREATE {kind} TABLE {t} ({cols}) {on_commit}").format(
        kind=kind, t=table, cols=sql.SQL(WORDS_COLUMNS), on_commit=on_commit))
    buffer = io.StringIO()
    count = 0
    for text in _lines(path, text_columns):
        buffer.write(text.replace("\\", "\\\\"))
        count += 1
    buffer.seek(0)
    cur.copy_expert(sql.SQL("COPY {t} FROM STDIN").format(t=table).as_string(cur), buffer)
    return count


def add_words(cur: Any, table: str, keys: list[str], records: list[dict[str, Any]],
              text_columns: set[str]) -> int:
    """Add the Thai words of the text columns of ``records`` to the ``_full_text`` of their rows
    (found by ``keys``, the table's unique key); the number of rows given words."""
    rows = [[str(r.get(k)) for k in keys] + [w] for r in records
            if (w := cell_words(v for c, v in r.items() if c in text_columns))]
    if not rows:
        return 0
    from psycopg2.extras import execute_values

    match = sql.SQL(" AND ").join(
        sql.SQL("t.{c}::text = v.{c}").format(c=sql.Identifier(k)) for k in keys)
    statement = sql.SQL(
        "UPDATE {t} AS t SET _full_text = coalesce(t._full_text, ''::tsvector) || "
        "to_tsvector(coalesce(v._dgti_words, '')) FROM (VALUES %s) AS v({cols}) WHERE {match}"
    ).format(t=sql.Identifier(table),
             cols=sql.SQL(", ").join([*map(sql.Identifier, keys), sql.Identifier("_dgti_words")]),
             match=match)
    execute_values(cur, statement.as_string(cur), rows, page_size=1000)
    return len(rows)
