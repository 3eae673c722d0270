"""The Thai catalog search set (``tests/data/thai_search/catalog.json``) and how a search is scored.

One place for the datasets, the hand-judged queries and the measures, so the integration test
(through CKAN's ``package_search`` on the hub) and ``bench/thai_search.py`` (CKAN's query sent to
Solr cores with other schemas) judge the same way.

- recall@10: per query, the share of its relevant datasets among the first 10 results; averaged.
- precision: of all results returned (first 10 of each query), the share that are relevant.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dgti_data.settings import PROJECT_ROOT

SET_FILE = PROJECT_ROOT / "tests" / "data" / "thai_search" / "catalog.json"
TOP = 10
# CKAN's dataset search (ckan/lib/search/query.py): dismax over these fields, AND between words.
CKAN_QUERY = {"defType": "dismax", "qf": "name^4 title^4 tags^2 groups^2 text", "tie": "0.1",
              "mm": "2<-1 5<80%", "q.op": "AND", "df": "text"}
# What dgti_thai changes in it (ckanext-dgti/ckanext/dgti/thai.py): edismax, which analyses the
# query as a whole (sow=false) so the words Solr segments out of a Thai run become clauses that
# the minimum-match counts (dismax would OR them inside one clause).
THAI_QUERY = {"defType": "edismax"}


@dataclass(frozen=True)
class SearchSet:
    datasets: dict[str, dict[str, Any]]
    queries: list[tuple[str, frozenset[str]]]


def load(path: Path = SET_FILE) -> SearchSet:
    data = json.loads(path.read_text(encoding="utf-8"))
    datasets = data["datasets"]
    queries = [(q, frozenset(rel)) for q, rel in data["queries"]]
    unknown = {k for _, rel in queries for k in rel} - set(datasets)
    if unknown:
        raise ValueError(f"{path}: queries name datasets it does not hold: {sorted(unknown)}")
    return SearchSet(datasets, queries)


@dataclass
class Score:
    queries: int = 0
    recall_sum: float = 0.0
    returned: int = 0
    relevant_returned: int = 0
    misses: dict[str, list[str]] = field(default_factory=dict)  # query -> relevant not in the top 10
    noise: dict[str, list[str]] = field(default_factory=dict)  # query -> irrelevant in the top 10

    @property
    def recall_at_10(self) -> float:
        return self.recall_sum / self.queries if self.queries else 0.0

    @property
    def precision(self) -> float:
        return self.relevant_returned / self.returned if self.returned else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"queries": self.queries, "recall_at_10": round(self.recall_at_10, 4),
                "precision": round(self.precision, 4), "returned": self.returned,
                "misses": self.misses, "noise": self.noise}


def score(search_set: SearchSet, search: Callable[[str], list[str]]) -> Score:
    """Run every query through ``search`` (query -> dataset keys, best first) and score it."""
    out = Score()
    for query, relevant in search_set.queries:
        found = search(query)[:TOP]
        out.queries += 1
        out.recall_sum += len(relevant & set(found)) / len(relevant)
        out.returned += len(found)
        out.relevant_returned += sum(1 for k in found if k in relevant)
        if missed := sorted(relevant - set(found)):
            out.misses[query] = missed
        if extra := [k for k in found if k not in relevant]:
            out.noise[query] = extra
    return out


def package(template: dict[str, Any], name: str, meta: dict[str, Any], tag: str) -> dict[str, Any]:
    """A set dataset as a GD Catalog package: ``template`` (a valid package dict) with the set's
    title, description and tags, and its other free-text fields made neutral, so that only what
    was judged can match."""
    return template | {
        "name": name, "title": meta["title"], "notes": meta["notes"], "private": False,
        "tag_string": ",".join([*meta["tags"], tag]),
        "data_source": "หน่วยงานเจ้าของข้อมูล", "maintainer": "ผู้ดูแลข้อมูล",
        "objective": ["พันธกิจหน่วยงาน"],
    }
