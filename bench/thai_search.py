"""Thai catalog search quality: ckanext-dgti's Solr schema against CKAN's stock schema and ICU.

    python bench/thai_search.py

The search set (``tests/data/thai_search/catalog.json``: 20 datasets, 54 hand-judged queries) is
published to the local hub (CKAN indexes it into the ``ckan`` core, ckanext-dgti's schema). Its
Solr documents are then copied into side cores of the same Solr, one per schema variant:

- ``icu``: ckanext-dgti's schema (``ICUTokenizerFactory``, ICU's Thai dictionary; the hub's Solr
  has Solr's analysis-extras jars on its classpath);
- ``thai``: the same with Lucene's ``ThaiTokenizerFactory`` (the JDK's Thai dictionary; in Solr's
  core, no module needed);
- ``stock``: CKAN's own schema (whitespace tokenizer), what a portal runs without ours.

Each query is sent as CKAN sends it (``dgti_data.hub.search_set.CKAN_QUERY``: dismax, CKAN's
fields and minimum-match), and as ``dgti_thai`` sends it, and scored (recall@10, precision).
Writes ``bench/results/thai_search.json``.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.stamp import stamped, write  # noqa: E402
from dgti_data.ckan import CkanClient, NotFound  # noqa: E402
from dgti_data.datasets import load_catalog  # noqa: E402
from dgti_data.hub import ckan_install, ensure_hub, search_set, solr_server  # noqa: E402
from dgti_data.hub.layout import HubPaths, portal_solr_schema  # noqa: E402
from dgti_data.publish.metadata import package_dict  # noqa: E402
from dgti_data.settings import get_settings  # noqa: E402

OUT = ROOT / "bench" / "results" / "thai_search.json"
TAG = "dgti-search-bench"
# Fields Solr fills by copyField: never copied between cores.
COPIED = {"text", "urls", "title_ngram", "name_ngram", "_version_"}


def solr(paths: HubPaths, path: str, **params: Any) -> dict[str, Any]:
    base = solr_server.url(paths).rsplit("/", 1)[0]
    query = urllib.parse.urlencode({**params, "wt": "json"}, doseq=True)
    with urllib.request.urlopen(f"{base}/{path}?{query}", timeout=120) as r:
        return json.load(r)


def post(paths: HubPaths, core: str, body: Any) -> None:
    base = solr_server.url(paths).rsplit("/", 1)[0]
    req = urllib.request.Request(f"{base}/{core}/update?commit=true", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=120).read()


def publish_set(client: CkanClient, organization: str) -> dict[str, str]:
    """The set's datasets on the hub (made once, kept for re-runs); name -> key."""
    template = load_catalog(get_settings().schemas_dir).get("local-digital-submissions")
    names = {}
    for key, meta in search_set.load().datasets.items():
        name = f"thai-search-{key}-bench"
        pkg = search_set.package(package_dict(template, name, organization), name, meta, TAG)
        try:
            client.package_show(name)
            client.package_patch(id=name, **pkg)
        except NotFound:
            client.package_create(**pkg)
        names[name] = key
    return names


def variant_schemas(paths: HubPaths) -> dict[str, Path | str]:
    ours = portal_solr_schema().read_text(encoding="utf-8")
    thai = ours.replace('<tokenizer class="solr.ICUTokenizerFactory"/>',
                        '<tokenizer class="solr.ThaiTokenizerFactory"/>')
    assert thai != ours
    return {"icu": portal_solr_schema(), "thai": thai, "stock": ckan_install.stock_solr_schema(paths)}


def make_core(paths: HubPaths, core: str, schema: Path | str) -> None:
    home = paths.solr_home / core
    shutil.rmtree(home, ignore_errors=True)
    conf = home / "conf"
    conf.mkdir(parents=True)
    for name in ("solrconfig.xml", "stopwords.txt"):
        shutil.copyfile(solr_server.SOLR_FILES / name, conf / name)
    for name in ("synonyms.txt", "protwords.txt"):
        shutil.copyfile(portal_solr_schema().with_name(name), conf / name)
    text = schema if isinstance(schema, str) else schema.read_text(encoding="utf-8")
    (conf / "schema.xml").write_text(text, encoding="utf-8")
    with contextlib.suppress(urllib.error.HTTPError):
        solr(paths, "admin/cores", action="UNLOAD", core=core)
    solr(paths, "admin/cores", action="CREATE", name=core, instanceDir=str(home))


def search(paths: HubPaths, core: str, names: dict[str, str], query: str, params: dict[str, str]
           ) -> list[str]:
    q = query if query.strip() else "*:*"
    got = solr(paths, f"{core}/select", q=q, fq=f'tags:"{TAG}"', rows=search_set.TOP, fl="name",
               **params)
    return [names[d["name"]] for d in got["response"]["docs"] if d["name"] in names]


def main() -> int:
    settings = get_settings()
    hub = ensure_hub(settings)
    paths = HubPaths(settings)
    client = CkanClient(hub.ckan_url, hub.sysadmin_token, timeout=60)
    names = publish_set(client, hub.organization)
    time.sleep(2)
    docs = solr(paths, "ckan/select", q="*:*", fq=f'tags:"{TAG}"', rows=1000)["response"]["docs"]
    docs = [{k: v for k, v in d.items() if k not in COPIED} for d in docs]
    assert len(docs) == len(names), (len(docs), len(names))
    parsers = {"ckan": dict(search_set.CKAN_QUERY),
               "dgti_thai": dict(search_set.CKAN_QUERY) | search_set.THAI_QUERY}
    results: dict[str, Any] = {}
    the_set = search_set.load()
    doc: dict[str, Any] = {}
    with stamped(doc):
        measure(paths, docs, names, parsers, the_set, results)
    doc |= {"datasets": len(the_set.datasets), "queries": len(the_set.queries), "results": results}
    write(OUT, doc)
    print(f"wrote {OUT}")
    return 0


def measure(paths: HubPaths, docs: list[dict[str, Any]], names: dict[str, str],
            parsers: dict[str, dict[str, str]], the_set: Any, results: dict[str, Any]) -> None:
    """Each schema variant in a core of its own, searched with each query parser."""
    for variant, schema in variant_schemas(paths).items():
        core = f"bench_{variant}"
        make_core(paths, core, schema)
        post(paths, core, docs)
        for parser, params in parsers.items():
            score = search_set.score(the_set, lambda q, c=core, p=params: search(paths, c, names, q, p))
            results[f"{variant}/{parser}"] = score.as_dict()
            print(f"{variant:6} {parser:10} recall@10 {score.recall_at_10:.3f}  "
                  f"precision {score.precision:.3f}  ({score.returned} results, "
                  f"{len(score.misses)} queries missing some)")
        solr(paths, "admin/cores", action="UNLOAD", core=core, deleteInstanceDir="true")


if __name__ == "__main__":
    sys.exit(main())
