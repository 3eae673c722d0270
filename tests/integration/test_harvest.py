"""Harvest by a central catalogue, as data.go.th's GD Catalog harvests the agencies' portals: a
second CKAN site on the hub's services (its own databases, Solr core and port) harvests the hub's
DCAT catalogue with ckanext-harvest and ckanext-dcat's DCAT RDF harvester, synchronously.

The pipeline publishes two datasets: one whose descriptor says ``allowHarvest: true``, one
``false``. The first must arrive with its Thai title, bilingual description, Thai tags and every
resource; the second must not arrive at all. Also: the hub's DCAT for one dataset (GD Catalog
fields mapped to DCAT, language-tagged) and the schema.org block of its page in Chromium.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dgti_data.app import publish_all
from dgti_data.ckan import CkanClient, NotFound
from dgti_data.datasets import Dataset, load_catalog
from dgti_data.hub import central
from dgti_data.publish import Portal, Target
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.metadata import package_name
from dgti_data.publish.screenshot import SETTLE_MS
from dgti_data.report.browser import _FLAGS, chromium
from dgti_data.settings import HubConnection, Settings

pytestmark = pytest.mark.integration

SUBMISSIONS, SURVEY = "local-digital-submissions", "lao-digital-readiness-survey"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"


def _consent(dataset: Dataset, allow: bool) -> Dataset:
    resource = {**dataset.resource, "gdCatalog": {**dataset.resource["gdCatalog"], "allowHarvest": allow}}
    return dataclasses.replace(dataset, resource=resource)


@pytest.fixture(scope="module")
def published(
    hub: HubConnection, hub_settings: Settings, sysadmin: CkanClient, run_id: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, dict[str, Any]]]:
    """The two datasets as the pipeline published them (submissions consenting, survey not), and
    under ``run`` the namespace, bundles and target that published them."""
    catalog = load_catalog(hub_settings.schemas_dir)
    namespace = f"{run_id}-harvest"
    folder = tmp_path_factory.mktemp("harvest")
    bundles = []
    for name, allow in ((SUBMISSIONS, True), (SURVEY, False)):
        bundle = example_bundle(catalog.get(name), folder / name, rows=15)
        bundle.dataset = _consent(bundle.dataset, allow)
        bundles.append(bundle)
    client = CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout)
    target = Target(Portal(client), hub.organization, namespace, lock_dir=hub_settings.lock_dir)
    names = [package_name(n, hub.organization, namespace) for n in (SUBMISSIONS, SURVEY)]
    try:
        outcomes = publish_all(bundles, target)
        assert [o.status for o in outcomes] == ["published", "published"]
        yield {"run": {"namespace": namespace, "bundles": bundles, "target": target},
               **{n: client.package_show(p) for n, p in zip((SUBMISSIONS, SURVEY), names, strict=True)}}
    finally:
        for name in names:
            with contextlib.suppress(NotFound):
                sysadmin.dataset_purge(name)


@pytest.fixture(scope="module")
def central_site(hub: HubConnection, hub_settings: Settings) -> Iterator[central.Central]:
    site = central.up(hub_settings)
    try:
        yield site
    finally:
        central.down(site)


def _catalogue(hub: HubConnection, namespace: str) -> str:
    """The hub's DCAT catalogue, narrowed to this run's datasets (the hub is shared by the tests)."""
    return f"{hub.ckan_url}/catalog.ttl?fq=name:*{namespace}"


def test_the_publisher_sets_allow_harvest_from_the_descriptor(published: dict[str, dict[str, Any]]) -> None:
    assert published[SUBMISSIONS]["allow_harvest"] == "True"
    assert published[SURVEY]["allow_harvest"] == "False"


def test_the_dcat_catalogue_lists_consenting_datasets_only(
    hub: HubConnection, published: dict[str, dict[str, Any]]
) -> None:
    ns = published["run"]["namespace"]
    # Turtle is UTF-8 by definition; CKAN sends text/turtle without a charset (requests would guess latin-1).
    answer = requests.get(f"{hub.ckan_url}/catalog.ttl", params={"fq": f"name:*{ns}"}, timeout=60)
    turtle = answer.content.decode()
    assert published[SUBMISSIONS]["title"] in turtle
    assert published[SURVEY]["title"] not in turtle and published[SURVEY]["id"] not in turtle
    # The dataset itself stays as public as it is: its own DCAT document answers.
    own = requests.get(f"{hub.ckan_url}/dataset/{published[SURVEY]['name']}.ttl", timeout=60)
    assert own.status_code == 200 and published[SURVEY]["title"] in own.content.decode()


def test_central_catalogue_harvests_consenting_datasets_with_their_thai_metadata(
    hub: HubConnection, hub_settings: Settings, published: dict[str, dict[str, Any]],
    central_site: central.Central,
) -> None:
    ns = published["run"]["namespace"]
    job = central.harvest(central_site, f"hub-{ns}", _catalogue(hub, ns))
    assert job["stats"].get("added") == 1 and not job["stats"].get("errored"), job
    gd = CkanClient(central_site.url, None, timeout=hub_settings.ckan_timeout)
    source = published[SUBMISSIONS]

    found = gd.package_search(q=f'"{source["title"]}"', fq=f"name:*{ns}*", rows=10)
    assert found["count"] == 1, found
    got = gd.package_show(found["results"][0]["name"])
    assert got["name"] == source["name"]
    assert got["title"] == source["title"]  # Thai, intact
    assert got["notes"] == source["notes"]  # Thai description, then the English title and description
    assert sorted(t["name"] for t in got["tags"]) == sorted(t["name"] for t in source["tags"])
    assert any(re.search("[\u0e00-\u0e7f]", t["name"]) and "\u0e49" in t["name"] for t in got["tags"])
    extras = {e["key"]: e["value"] for e in got["extras"]}
    assert extras["reference_url_catalog"] == f"{hub.ckan_url}/dataset/{source['name']}"
    assert extras["frequency"] == f"{EU}frequency/DAILY"  # updateFrequency 1 วัน
    assert extras["spatial_uri"] == f"{EU}country/THA"  # geoCoverage ประเทศ
    assert got["license_id"] == source["license_id"] == "Open Data Common"

    by_url = {r["url"]: r for r in got["resources"]}
    assert sorted(by_url) == sorted(r["url"] for r in source["resources"])
    for resource in source["resources"]:
        harvested = by_url[resource["url"]]
        assert harvested["name"] == resource["name"]
        assert harvested["description"] == resource["description"]  # Thai line, then English
        assert harvested["format"] == resource["format"]
    csv = next(r for r in got["resources"] if r["format"] == "CSV")
    assert csv["mimetype"] == "text/csv"

    # No consent, no copy: neither by name nor by its Thai title.
    with pytest.raises(NotFound):
        gd.package_show(published[SURVEY]["name"])
    assert gd.package_search(q=f'"{published[SURVEY]["title"]}"', rows=10)["count"] == 0


def _nodes(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc.get("@graph", [doc])


def _texts(value: Any) -> dict[str, str]:
    """{language: text} of a JSON-LD value (a string, a language object or a list of them)."""
    out: dict[str, str] = {}
    for v in value if isinstance(value, list) else [value]:
        if isinstance(v, dict):
            out[v.get("@language", "")] = v["@value"]
        else:
            out[""] = v
    return out


def test_dcat_of_a_dataset_maps_the_gd_catalog_fields(
    hub: HubConnection, hub_settings: Settings, published: dict[str, dict[str, Any]]
) -> None:
    source = published[SUBMISSIONS]
    doc = requests.get(f"{hub.ckan_url}/dataset/{source['name']}.jsonld", timeout=60).json()
    nodes = {n["@id"]: n for n in _nodes(doc)}
    dataset = next(n for n in nodes.values() if n.get("@type") == "dcat:Dataset")
    titles = _texts(dataset["dct:title"])
    assert titles["th"] == source["title"]
    dataset_spec = load_catalog(hub_settings.schemas_dir).get(SUBMISSIONS)
    gd = dataset_spec.resource["gdCatalog"]
    assert titles["en"] == dataset_spec.title
    notes = _texts(dataset["dct:description"])
    assert notes == {"th": gd["description"]["th"], "en": gd["description"]["en"]}
    assert dataset["dct:accrualPeriodicity"]["@id"] == f"{EU}frequency/DAILY"
    assert dataset["dct:spatial"]["@id"] == f"{EU}country/THA"
    assert dataset["dct:language"]["@id"] == f"{EU}language/THA"
    publisher = nodes[dataset["dct:publisher"]["@id"]]
    assert _texts(publisher["foaf:name"]) == {
        "th": "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน)", "en": "Digital Government Development Agency"}
    period = nodes[dataset["dct:temporal"]["@id"]]
    first, last = int(source["first_year_of_data"]) - 543, int(source["last_year_of_data"]) - 543
    assert (period["dcat:startDate"]["@value"], period["dcat:endDate"]["@value"]) == (str(first), str(last))
    distributions = [nodes[d["@id"]] for d in dataset["dcat:distribution"]]
    assert len(distributions) == len(source["resources"])
    csv = next(d for d in distributions if d["dct:format"]["@id"] == f"{EU}file-type/CSV")
    assert csv["dcat:mediaType"]["@id"] == f"{IANA}text/csv"
    assert nodes[csv["dct:license"]["@id"]]["rdfs:label"] == "Open Data Common"


@pytest.mark.browser
def test_dataset_page_carries_schema_org_json_ld_with_its_thai_text(
    hub: HubConnection, hub_settings: Settings, published: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """The JSON-LD block search engines read, from the DOM Chromium rendered (not the raw HTML)."""
    source = published[SUBMISSIONS]
    url = f"{hub.ckan_url}/dataset/{source['name']}"
    done = subprocess.run(
        [chromium(), *_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         f"--virtual-time-budget={SETTLE_MS}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    )
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', done.stdout, re.S)
    assert len(blocks) == 1, done.stdout[:500]
    doc = json.loads(html.unescape(blocks[0]) if "&quot;" in blocks[0] else blocks[0])
    dataset = next(n for n in _nodes(doc) if n.get("@type") == "schema:Dataset")
    assert _texts(dataset["schema:name"]) == {"th": source["title"]}
    english = load_catalog(hub_settings.schemas_dir).get(SUBMISSIONS).title
    assert _texts(dataset["schema:alternateName"]) == {"en": english}
    assert _texts(dataset["schema:description"])["th"] in source["notes"]
    assert dataset["schema:inLanguage"] == "th"
    assert sorted(dataset["schema:keywords"]) == sorted(t["name"] for t in source["tags"])


def test_withdrawn_consent_removes_the_central_copy_at_the_next_harvest(
    hub: HubConnection, hub_settings: Settings, published: dict[str, dict[str, Any]],
    central_site: central.Central,
) -> None:
    """The publisher withdraws consent (descriptor ``allowHarvest: false``): the hub's catalogue
    drops the dataset and the central catalogue's next harvest deletes its copy."""
    ns, source = published["run"]["namespace"], published[SUBMISSIONS]
    gd = CkanClient(central_site.url, None, timeout=hub_settings.ckan_timeout)
    central.harvest(central_site, f"hub-{ns}", _catalogue(hub, ns))  # no-op if harvested above
    assert gd.package_search(fq=f"name:{source['name']}")["count"] == 1

    bundle = published["run"]["bundles"][0]
    bundle.dataset = _consent(bundle.dataset, False)
    target = published["run"]["target"]
    (outcome,) = publish_all([bundle], target)
    assert outcome.status == "published" and outcome.plan.action != "unchanged", outcome
    assert target.portal.client.package_show(source["name"])["allow_harvest"] == "False"

    job = central.harvest(central_site, f"hub-{ns}", _catalogue(hub, ns))
    assert job["stats"].get("deleted") == 1, job
    assert gd.package_search(fq=f"name:{source['name']}")["count"] == 0
