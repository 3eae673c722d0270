"""How ``dgti_thai`` reshapes a DataStore search that holds Thai, for ``datastore_search``.

CKAN turns ``q`` into ``tsquery`` statements, one per alias (``"query"`` for the whole row,
``"query <column>"`` for a column), and filters the rows with them. PostgreSQL's parser keeps a
Thai run whole, so a word inside a cell never matches. Each statement whose text holds Thai is
rebuilt under the same alias as the query as written OR segmented the way the rows' words were
(``thaiwords.segment``), so tables loaded without our words (by XLoader) still find whole cells.

- A column search (``q`` an object) keeps CKAN's meaning, "this column holds the words", but not
  its filter, ``to_tsvector`` of the column alone (a Thai cell is one token there): the row's
  ``_full_text`` (indexed, holding every cell's words) must match, and the column must hold each
  Thai word of the query.
- The data preview (CKAN's DataTables view) sends CKAN every character of its search boxes that is
  not an ASCII letter, digit or ``-`` as ``_``: a Thai search arrives as ``___:*`` and finds
  nothing. When the text the citizen typed is known (``Typed``, read from the preview's request by
  the plugin), it is searched as typed: every word, the last one as a prefix (as CKAN's preview asks of
  any text, with ``:*``), in the preview's own text-search language. Its "download filtered
  rows" reaches the DataStore dump through a redirect whose ``q`` is mangled alike: the plugin
  gives it ``download_query`` instead.
- ``full_text``, CKAN's other whole-row search, is rebuilt as ``q`` is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from ckanext.datastore.backend.postgres import (
    _build_query_and_rank_statements,
    _fts_lang,
    _ts_query_alias,
    identifier,
    literal_string,
)
from ckanext.dgti.thaiwords import THAI_RUN, has_thai, segment, thai_words

MAX_TERMS = 64  # a search box is not a document: longer queries are cut to their first words
_REJOINED = 3  # the last word boundaries of a typed text tried as where its last (partial) word starts
# A quoted operand (left alone), or a Thai run and the marks to_tsquery may put after it (":*",
# ":AB"): they go to its last word.
_THAI_WITH_SUFFIX = re.compile(f"'(?:[^']|'')*'|({THAI_RUN.pattern})(:[*A-Da-d]+)?")


@dataclass(frozen=True)
class Typed:
    """What was typed in the preview's search boxes: the whole-row box and each column's."""

    search: str = ""
    columns: dict[str, str] = field(default_factory=dict)


def reshape(data_dict: dict[str, Any], query_dict: dict[str, Any], typed: Typed | None = None
            ) -> dict[str, Any]:
    """``query_dict`` with each Thai query statement (and Thai column filter) rebuilt."""
    q, full_text = data_dict.get("q"), data_dict.get("full_text")
    lang = _fts_lang(data_dict.get("language"))
    plain = bool(data_dict.get("plain", True))
    if isinstance(full_text, str) and has_thai(full_text):  # CKAN's other whole-row search
        _replace_statement(query_dict, lang, full_text, plain, None,
                           _statement(lang, full_text, plain, full_text, None))
    if isinstance(q, str) and not full_text:
        wanted = typed.search if typed is not None else q
        if has_thai(wanted):
            _replace_statement(query_dict, lang, q, plain, None, _statement(lang, q, plain, wanted, typed))
    elif isinstance(q, dict):
        for name, value in q.items():
            if not isinstance(value, str):
                continue
            wanted = typed.columns.get(name, value) if typed is not None else value
            if not has_thai(wanted):
                continue
            _replace_statement(query_dict, lang, value, plain, name,
                               _statement(lang, value, plain, wanted, typed, name))
            # to_tsquery syntax may negate or OR its words: the column cannot be asked to hold them all
            _filter_through_full_text(query_dict, lang, name, wanted if typed is not None or plain else "")
    return query_dict


def _statement(lang: str, q: str, plain: bool, wanted: str, typed: Typed | None,
               name: str | None = None) -> str:
    alias = _ts_query_alias(name)
    lang_literal = literal_string(lang)
    if typed is not None:
        return f"to_tsquery({lang_literal}, {literal_string(typed_tsquery(wanted))}) {alias}"
    if plain:
        written = f"plainto_tsquery({lang_literal}, {literal_string(q)})"
        words = f"plainto_tsquery({lang_literal}, {literal_string(segment(q))})"
    else:
        written = f"to_tsquery({lang_literal}, {literal_string(q)})"
        words = f"to_tsquery({lang_literal}, {literal_string(segmented_tsquery(q))})"
    # A function call, as CKAN's own: the statement goes into FROM after the table ("||" cannot).
    return f"tsquery_or({written}, {words}) {alias}"


def _replace_statement(query_dict: dict[str, Any], lang: str, q: str, plain: bool, name: str | None,
                       statement: str) -> None:
    """CKAN's statement for this alias, as CKAN builds it, replaced by ``statement`` (left as it is
    if CKAN no longer builds it that way: its own search then, never an error)."""
    ckan_statement = _build_query_and_rank_statements(lang, q, plain, name)[0]
    ts_query = query_dict.get("ts_query") or ""
    if ckan_statement in ts_query:
        query_dict["ts_query"] = ts_query.replace(ckan_statement, statement, 1)


def _filter_through_full_text(query_dict: dict[str, Any], lang: str, name: str, wanted: str) -> None:
    """CKAN's filter on the column's own ``to_tsvector`` becomes: the row's ``_full_text`` matches
    and the column holds each Thai word of ``wanted`` (all required)."""
    column = identifier(name)
    alias = _ts_query_alias(name)
    ckan_clause = f"to_tsvector({literal_string(lang)}, cast({column} as text)) @@ {alias}"
    patterns = [f"%{_like_escape(w)}%" for run in THAI_RUN.findall(wanted) for w in thai_words(run)]
    where = query_dict.get("where") or []
    for i, clause in enumerate(where):
        if clause[0] == ckan_clause:
            placeholder = f"dgti_thai_{i}"  # the clause's place: one of its own per column searched
            where[i] = ((f"_full_text @@ {alias} AND cast({column} as text) ILIKE ALL(:{placeholder})",
                         {placeholder: patterns[:MAX_TERMS]}) if patterns else (f"_full_text @@ {alias}",))
            return


def typed_tsquery(text: str) -> str:
    """A ``to_tsquery`` text for what was typed in a search box: every word required, the last
    one a prefix (CKAN's preview asks ``:*`` of what is typed: a word may be typed in part).

    Alternatives, any of which may match: the text as written (whole cells of tables loaded
    without our words); its words as segmented; and, when it ends in Thai, a word typed halfway.
    ICU cuts a text ending in part of a word into pieces that are not the whole words'
    (สารบรรณอิเล็ก -> สาร บร รณ อิ เล็ก), so the text up to one of its last word boundaries is
    segmented on its own and the rest is the prefix (สารบรรณ + อิเล็ก:*, which finds
    สารบรรณอิเล็กทรอนิกส์)."""
    alternatives = [text.split(), segment(text).split()]
    runs = list(THAI_RUN.finditer(text))
    if runs and not text[runs[-1].end():].strip():
        head, run = text[:runs[-1].start()], runs[-1].group()
        cuts = list(accumulate(len(w) for w in thai_words(run)))[:-1]
        for cut in [0, *cuts[-_REJOINED:]]:
            alternatives.append([*segment(head + run[:cut]).split(), run[cut:]])
    unique = list(dict.fromkeys(_all_of(a) for a in alternatives if a))
    return " | ".join(f"({a})" for a in unique)


def segmented_tsquery(query: str) -> str:
    """A ``to_tsquery`` text with each Thai run replaced by its words, all required: the run's
    prefix marks (``:*``) go to its last word. Quoted operands are left as they are (those of
    ``typed_tsquery`` are words already)."""

    def words(match: Any) -> str:
        if match.group(1) is None:
            return match.group()
        found = [_quoted(w) for w in thai_words(match.group(1))] or [_quoted(match.group(1))]
        found[-1] += match.group(2) or ""
        return "(" + " & ".join(found) + ")"

    return _THAI_WITH_SUFFIX.sub(words, query)


def download_query(params: dict[str, Any], q: str | dict[str, str]) -> str | dict[str, str]:
    """The ``q`` for the preview's "download filtered rows": CKAN's (``q``, mangled as for the
    search) with each Thai text typed in the preview's boxes (``params``, what DataTables sends)
    as ``typed_tsquery`` of it."""
    if isinstance(q, dict):
        typed = {c.get("name"): c.get("search", {}).get("value", "") for c in params.get("columns", [])}
        return {name: typed_tsquery(typed[name]) if has_thai(typed.get(name) or "") else value
                for name, value in q.items()}
    text = str(params.get("search", {}).get("value", ""))
    return typed_tsquery(text) if has_thai(text) else q


def _all_of(tokens: list[str]) -> str:
    """Every token required, the last a prefix. A token without a word (punctuation) is dropped by
    ``to_tsquery`` itself: a query of nothing else finds no row, with no error."""
    quoted = [_quoted(t) for t in tokens[:MAX_TERMS]]
    quoted[-1] += ":*"
    return " & ".join(quoted)


def _quoted(token: str) -> str:
    """A ``to_tsquery`` operand: the text's parser, not the query syntax, reads what is inside."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

