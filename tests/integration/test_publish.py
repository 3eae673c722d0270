"""Publishing against the real local hub: first run, unchanged re-run, changed input, dry run,
refusal before any write, the citizen's download, and crashes between steps.

Each test publishes under its own namespace (dataset names end with it) and purges afterwards.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from dgti_data.app import publish_all
from dgti_data.ckan import CkanClient, is_read_action
from dgti_data.datasets import Catalog, Dataset, load_catalog
from dgti_data.publish import BundleError, PublicationBundle, Target, publish_bundle, render
from dgti_data.publish.examples import example_bundle, write_csv, write_reports
from dgti_data.publish.excel import excel_csv
from dgti_data.publish.metadata import package_name
from dgti_data.publish.planner import plan_dataset
from dgti_data.publish.portal import Portal
from dgti_data.publish.service import portal_offer, portal_schema_of
from dgti_data.publish.steps import KEY, MARK_DATA
from dgti_data.settings import HubConnection, Settings

pytestmark = pytest.mark.integration

SUBMISSIONS, SURVEY = "local-digital-submissions", "lao-digital-readiness-survey"
KEYS = ["data", "datapackage", "report.html", "report.json"]


@pytest.fixture(scope="module")
def catalog(hub_settings: Settings) -> Catalog:
    return load_catalog(hub_settings.schemas_dir)


@pytest.fixture
def make_target(
    hub: HubConnection, hub_settings: Settings, run_id: str, purge_later: list[str], request: Any
) -> Callable[..., Target]:
    """A fresh editor client per call; every dataset name it can produce is purged after the test."""
    made = 0

    def make(portal_cls: Callable[[CkanClient], Portal] = Portal, suffix: str = "") -> Target:
        nonlocal made
        made += 1
        test = request.node.name.removeprefix("test_")[:18].replace("_", "-")
        namespace = f"{run_id}-{test}{suffix}"
        client = CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout)
        target = Target(portal_cls(client), hub.organization, namespace, lock_dir=hub_settings.lock_dir)
        purge_later.extend(package_name(n, hub.organization, namespace) for n in (SUBMISSIONS, SURVEY))
        return target

    return make


def _resources(pkg: dict[str, Any]) -> list[str]:
    return sorted(r.get(KEY, "?") for r in pkg["resources"])


@pytest.mark.both_ckan
def test_first_run_publishes_everything_then_an_unchanged_run_writes_nothing(
    make_target: Callable[..., Target], catalog: Catalog, sysadmin: CkanClient, tmp_path: Path
) -> None:
    target = make_target()
    bundles = [example_bundle(catalog.get(n), tmp_path / n, rows=120) for n in (SUBMISSIONS, SURVEY)]

    first = publish_all(bundles, target)
    assert [o.status for o in first] == ["published", "published"]
    editor = target.portal.client

    for outcome, bundle in zip(first, bundles, strict=True):
        pkg = editor.package_show(outcome.plan.name)
        assert pkg["private"] is False and pkg["state"] == "active"
        assert _resources(pkg) == KEYS
        gd = bundle.dataset.resource["gdCatalog"]
        assert pkg["data_category"] == gd["dataCategory"] and pkg["license_id"] == "Open Data Common"
        assert sorted(pkg["objective"]) == sorted(gd["objective"]) and pkg["title"] == bundle.dataset.title_th
        assert sorted(t["name"] for t in pkg["tags"]) == sorted(gd["tags"])
        assert pkg["first_year_of_data"] >= "2560" and pkg["last_year_of_data"] <= "2575"
        data = next(r for r in pkg["resources"] if r[KEY] == "data")
        assert data["datastore_active"] is True and data["url_type"] == "upload"
        views = editor.call("resource_view_list", id=data["id"])
        assert [v["view_type"] for v in views] == ["datatables_view"]  # the preview citizens see
        # package_search goes through Solr: citizens (anonymous) find the dataset.
        search = f"{target.url}/api/3/action/package_search"
        found = requests.get(search, params={"fq": f"name:{outcome.plan.name}"}, timeout=30).json()["result"]
        assert found["count"] == 1

    # Typed DataStore with the Thai data dictionary.
    sub_pkg = editor.package_show(first[0].plan.name)
    data = next(r for r in sub_pkg["resources"] if r[KEY] == "data")
    result = editor.datastore_search(resource_id=data["id"], sort="submission_id", limit=5)
    assert result["total"] == 120
    types = {f["id"]: f["type"] for f in result["fields"]}
    assert types["contest_year"] == "int4" and types["people_served"] == "int4"
    assert types["budget_thb"] == "numeric" and types["submitted_date"] == "date"
    assert types["lao_code"] == "text"
    row = result["records"][0]
    assert isinstance(row["people_served"], int) and isinstance(row["budget_thb"], float)
    assert row["lao_code"] == "0000001" and row["submission_id"] == "DGTi-2567-000001"
    labels = {f["id"]: (f.get("info") or {}).get("label") for f in result["fields"]}
    assert labels["people_served"] == "จำนวนผู้รับบริการ (คน)" and labels["lao_code"] == "รหัส อปท."
    survey_data = next(
        r for r in editor.package_show(first[1].plan.name)["resources"] if r[KEY] == "data"
    )
    survey = editor.datastore_search(resource_id=survey_data["id"], limit=1)
    assert isinstance(survey["records"][0]["has_website"], bool)
    # A Thai label longer than PostgreSQL's 63-byte identifiers arrives whole (ids stay English).
    label = {f["id"]: (f.get("info") or {}).get("label") for f in survey["fields"]}["e_document_system"]
    assert label == "ระบบเอกสารอิเล็กทรอนิกส์" and len(label.encode()) > 63

    # Second run with unchanged inputs (the reports made again, with a new time): read calls only.
    for bundle in bundles:
        write_reports(bundle.data_csv.parent, bundle.dataset, 120, generated_at="2025-01-01T01:02:03+00:00")
    again_target = make_target()
    offer = portal_offer(again_target, bundles)  # read calls only: what the portal offers, its schema
    probed = again_target.portal.counter.reads
    assert offer.usable and again_target.portal.counter.writes == 0
    again = publish_all(bundles, again_target, offer=offer)
    assert [o.status for o in again] == ["unchanged", "unchanged"]
    assert again_target.portal.counter.writes == 0
    assert again_target.portal.counter.reads - probed <= 2 * len(bundles)  # show + search each


def test_citizens_download_the_published_csv_byte_for_byte(
    make_target: Callable[..., Target], catalog: Catalog, tmp_path: Path
) -> None:
    target = make_target()
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=30)
    (outcome,) = publish_all([bundle], target)
    page = requests.get(outcome.url, timeout=30)  # anonymous, as a citizen
    assert page.status_code == 200 and bundle.dataset.title_th in page.text
    pkg = requests.get(
        f"{target.url}/api/3/action/package_show", params={"id": outcome.plan.name}, timeout=30
    ).json()["result"]
    data = next(r for r in pkg["resources"] if r[KEY] == "data")
    assert data["url"] in page.text or f"/resource/{data['id']}" in page.text
    download = requests.get(data["url"], timeout=30)
    assert download.status_code == 200
    assert download.content == codecs.BOM_UTF8 + bundle.data_csv.read_bytes()
    assert data["hash"] == outcome.plan.resources[0].sha256
    # Excel reads a CSV that starts with a UTF-8 BOM as UTF-8 (without one, in the ANSI code page:
    # cp874 mojibake on a Thai Windows): the Thai header and cells come out as written.
    assert download.content.startswith(codecs.BOM_UTF8)
    as_excel = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"), newline="")))
    with bundle.data_csv.open(encoding="utf-8", newline="") as fh:
        assert as_excel == list(csv.reader(fh))
    assert any(any("\u0e00" <= ch <= "\u0e7f" for ch in cell) for row in as_excel[1:] for cell in row)


def _edit(bundle: PublicationBundle, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    with bundle.data_csv.open(encoding="utf-8", newline="") as fh:
        rows = change(list(csv.DictReader(fh)))
    write_csv(bundle.data_csv, bundle.table_schema, rows)
    bundle.rows = len(rows)


@pytest.mark.both_ckan
def test_a_changed_input_updates_only_what_changed(
    make_target: Callable[..., Target], catalog: Catalog, tmp_path: Path
) -> None:
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=100)
    publish_all([bundle], make_target())

    def change(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        rows = [dict(r) for r in rows]
        rows[0]["people_served"] = "1"  # one value changed
        extra = dict(rows[1], submission_id="DGTi-2567-999999")  # one row added
        return [*rows[:50], *rows[51:], extra]  # one row removed

    _edit(bundle, change)
    dry = make_target()
    (planned,) = publish_all([bundle], dry, dry_run=True)
    assert planned.status == "planned" and dry.portal.counter.writes == 0
    rows = planned.plan.datastore.rows  # type: ignore[union-attr]
    assert (rows.added, rows.changed, rows.removed) == (1, 1, 1)
    text = render.dataset_plan(planned.plan)
    assert "1 rows added, 1 changed, 1 removed (100 published before): 3.0% of 101 rows" in text
    assert "file sha256" in text
    # The rows were compared with the file the table was loaded from, kept beside the locks: the
    # table itself was not read (one datastore_search: its fields and total).
    assert dry.loaded_dir is not None and len(list(dry.loaded_dir.glob("*.csv"))) >= 1
    assert dry.portal.counter.by_action["datastore_search"] == 1
    # A publisher without that file (another machine) reads the table and finds the same rows.
    elsewhere = dataclasses.replace(make_target(), lock_dir=tmp_path / "other-locks")
    (read,) = publish_all([bundle], elsewhere, dry_run=True)
    assert read.plan.datastore.rows.upserts == rows.upserts  # type: ignore[union-attr]
    assert read.plan.datastore.rows.deletes == rows.deletes  # type: ignore[union-attr]
    assert elsewhere.portal.counter.by_action["datastore_search"] > 1

    target = make_target()
    (second,) = publish_all([bundle], target)
    assert second.status == "published"
    writes = dict(target.portal.counter.write_actions)
    # The CSV and the datapackage.json (which carries the CSV's hash) are re-uploaded; the
    # reports are not; the DataStore gets one upsert and one delete. The package is patched only
    # if its last_updated_date moved (a run after midnight in Bangkok).
    assert writes.pop("package_patch", 0) <= 1
    assert writes == {"resource_patch": 2, "datastore_upsert": 1, "datastore_delete": 1}, writes
    editor = target.portal.client
    pkg = editor.package_show(second.plan.name)
    assert _resources(pkg) == KEYS
    data = next(r for r in pkg["resources"] if r[KEY] == "data")
    assert editor.datastore_search(resource_id=data["id"], limit=0)["total"] == 100
    row = editor.datastore_search(resource_id=data["id"], filters={"submission_id": "DGTi-2567-000001"})
    assert row["records"][0]["people_served"] == 1
    gone = editor.datastore_search(resource_id=data["id"], filters={"submission_id": "DGTi-2567-000051"})
    assert gone["total"] == 0
    assert requests.get(data["url"], timeout=30).content == codecs.BOM_UTF8 + bundle.data_csv.read_bytes()

    third = make_target()
    publish_all([bundle], third)
    assert third.portal.counter.writes == 0


@pytest.mark.both_ckan
def test_a_type_change_recreates_the_datastore_table(
    make_target: Callable[..., Target], catalog: Catalog, tmp_path: Path
) -> None:
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=20)
    publish_all([bundle], make_target())
    fields = [
        dict(f, type="number") if f["name"] == "people_served" else f for f in bundle.table_schema["fields"]
    ]
    bundle.table_schema = dict(bundle.table_schema, fields=fields)
    target = make_target()
    (rejected,) = publish_all([bundle], target)  # every row is rewritten: a steward must approve
    assert rejected.status == "rejected" and target.portal.counter.writes == 0
    (outcome,) = publish_all(
        [bundle], target, approve=lambda waiting: [o.dataset for o in waiting if "100.0%" in o.reasons[0]])
    assert outcome.status == "published"
    assert outcome.plan.datastore.action == "recreate"  # type: ignore[union-attr]
    pkg = target.portal.client.package_show(outcome.plan.name)
    data = next(r for r in pkg["resources"] if r[KEY] == "data")
    result = target.portal.client.datastore_search(resource_id=data["id"], limit=0)
    assert {f["id"]: f["type"] for f in result["fields"]}["people_served"] == "numeric"
    assert result["total"] == 20


def _with_gd(dataset: Dataset, **gd: Any) -> Dataset:
    resource = dict(dataset.resource)
    resource["gdCatalog"] = {**resource["gdCatalog"], **gd}
    return dataclasses.replace(dataset, resource=resource)


def test_metadata_the_portal_schema_refuses_is_refused_before_any_write(
    make_target: Callable[..., Target], catalog: Catalog, tmp_path: Path
) -> None:
    target = make_target()
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=5)
    bundle.dataset = _with_gd(bundle.dataset, geoCoverage="ดาวอังคาร", dataCategory=None)
    (outcome,) = publish_all([bundle], target)
    assert outcome.status == "refused"
    assert target.portal.counter.writes == 0
    assert {p.field for p in outcome.plan.problems} == {"geo_coverage", "data_category"}
    text = render.dataset_plan(outcome.plan)
    assert "REFUSED" in text and "ขอบเขตเชิงภูมิศาสตร์" in text
    found = target.portal.client.package_search(fq=f"name:{outcome.plan.name}", include_private=True)
    assert found["count"] == 0


def test_metadata_change_is_a_readable_patch(
    make_target: Callable[..., Target], catalog: Catalog, tmp_path: Path
) -> None:
    bundle = example_bundle(catalog.get(SURVEY), tmp_path, rows=10)
    publish_all([bundle], make_target())
    bundle.dataset = _with_gd(bundle.dataset, updateFrequencyUnit="เดือน", tags=["อปท", "DGTi"])
    target = make_target()
    (outcome,) = publish_all([bundle], target)
    text = render.dataset_plan(outcome.plan)
    assert "update_frequency_unit: 'ปี' → 'เดือน'" in text and "tags:" in text
    assert target.portal.counter.write_actions == {"package_patch": 1}
    pkg = target.portal.client.package_show(outcome.plan.name)
    assert pkg["update_frequency_unit"] == "เดือน"
    assert sorted(t["name"] for t in pkg["tags"]) == ["DGTi", "อปท"]
    assert pkg["data_type"] == "ข้อมูลสถิติ" and _resources(pkg) == KEYS  # nothing else touched


# Crashes: a portal that stops after N writes, in front of the real hub.


class Crash(Exception):
    """Stands for the process dying: not a CKAN error, nothing catches it."""


def crashing(after_writes: int, lose_response: bool = False) -> Callable[[CkanClient], Portal]:
    """A ``Portal`` that dies before its (N+1)th write, or, with ``lose_response``, right after
    its (N+1)th write reached CKAN (the answer is lost, as when a connection drops)."""

    class CrashingPortal(Portal):
        writes = 0

        def _guard(self, action: str, send: Callable[[], Any]) -> Any:
            if is_read_action(action):
                return send()
            if self.writes == after_writes:
                if lose_response:
                    send()
                raise Crash(f"crash at write {after_writes + 1} ({action})")
            self.writes += 1
            return send()

        def call(self, action: str, **data: Any) -> Any:
            return self._guard(action, lambda: super(CrashingPortal, self).call(action, **data))

        def upload(self, action: str, source: Any, file_name: str, **data: Any) -> Any:
            return self._guard(
                action, lambda: super(CrashingPortal, self).upload(action, source, file_name, **data)
            )

    return CrashingPortal


# package, 4 resources, DataStore (datastore_create, then dgti_datastore_load: the hub runs the bulk
# plugin), preview view, marker, public
FIRST_PUBLISH_WRITES = 10


@pytest.fixture
def crash_bundle(catalog: Catalog, tmp_path: Path) -> Iterator[PublicationBundle]:
    yield example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=40)


@pytest.mark.parametrize("lose_response", [False, True], ids=["before-write", "answer-lost"])
def test_a_run_killed_between_steps_converges_on_rerun(
    lose_response: bool, make_target: Callable[..., Target], crash_bundle: PublicationBundle
) -> None:
    reference = make_target(suffix="-ref")
    publish_all([crash_bundle], reference)
    assert reference.portal.counter.writes == FIRST_PUBLISH_WRITES, reference.portal.counter.write_actions

    for n in range(FIRST_PUBLISH_WRITES):
        suffix = f"-{n}"
        broken = make_target(crashing(n, lose_response), suffix=suffix)
        with pytest.raises(Crash):
            publish_all([crash_bundle], broken)
        rerun = make_target(suffix=suffix)
        (outcome,) = publish_all([crash_bundle], rerun)
        assert outcome.status in ("published", "unchanged"), n
        editor = rerun.portal.client
        found = editor.package_search(fq=f"name:{outcome.plan.name}", include_private=True)
        assert found["count"] == 1, n
        pkg = editor.package_show(outcome.plan.name)
        assert pkg["private"] is False, n
        assert _resources(pkg) == KEYS, (n, _resources(pkg))  # each exactly once
        data = next(r for r in pkg["resources"] if r[KEY] == "data")
        assert editor.datastore_search(resource_id=data["id"], limit=0)["total"] == 40, n
        assert data[MARK_DATA] == outcome.plan.datastore.marker  # type: ignore[union-attr]
        assert requests.get(data["url"], timeout=30).content == excel_csv(crash_bundle.data_csv).read_bytes()
        settled = make_target(suffix=suffix)
        publish_all([crash_bundle], settled)
        assert settled.portal.counter.writes == 0, (n, settled.portal.counter.write_actions)


def test_a_crash_during_an_update_converges(
    make_target: Callable[..., Target], crash_bundle: PublicationBundle
) -> None:
    (first,) = publish_all([crash_bundle], make_target())
    # 2 rows changed, 2 removed of 40: under the share that needs approval.
    _edit(crash_bundle, lambda rows: [dict(r, people_served="7") for r in rows[:2]] + rows[2:38])
    for n in range(3):  # each crash lands further on: upsert, delete, CSV upload + marker...
        broken = make_target(crashing(n))
        with pytest.raises(Crash):
            publish_all([crash_bundle], broken)
        # An existing dataset stays public while it is updated.
        assert broken.portal.client.package_show(first.plan.name)["private"] is False
    rerun = make_target()
    (outcome,) = publish_all([crash_bundle], rerun)
    editor = rerun.portal.client
    data = next(r for r in editor.package_show(outcome.plan.name)["resources"] if r[KEY] == "data")
    result = editor.datastore_search(resource_id=data["id"], limit=100, sort="submission_id")
    assert result["total"] == 38 and [r["people_served"] for r in result["records"][:2]] == [7, 7]
    assert requests.get(data["url"], timeout=30).content == excel_csv(crash_bundle.data_csv).read_bytes()
    settled = make_target()
    publish_all([crash_bundle], settled)
    assert settled.portal.counter.writes == 0


def test_already_exists_after_a_retried_create_is_success(
    make_target: Callable[..., Target], crash_bundle: PublicationBundle
) -> None:
    """A create whose answer was lost and which is sent again gets "already in use": the
    publisher looks again at what exists and finishes, with one dataset."""

    class RetryingPortal(Portal):
        def call(self, action: str, **data: Any) -> Any:
            if action == "package_create":
                super().call(action, **data)  # reaches CKAN; the answer is lost
            return super().call(action, **data)

    target = make_target(RetryingPortal)
    schema = portal_schema_of(target)
    outcome = publish_bundle(crash_bundle, target, schema)
    assert outcome.status == "published"
    assert target.portal.counter.by_action["package_create"] == 2
    pkg = target.portal.client.package_show(outcome.plan.name)
    assert _resources(pkg) == KEYS and pkg["private"] is False


def test_duplicates_and_leftovers_of_our_resources_are_removed_others_kept(
    make_target: Callable[..., Target], crash_bundle: PublicationBundle
) -> None:
    target = make_target()
    (outcome,) = publish_all([crash_bundle], target)
    editor = target.portal.client
    pid = outcome.plan.package_id or editor.package_show(outcome.plan.name)["id"]
    link = "http://x.invalid/"
    editor.call("resource_create", package_id=pid, name="report.json", url=link, **{KEY: "report.json"})
    editor.call("resource_create", package_id=pid, name="old", url=link, **{KEY: "gone.pdf"})
    editor.call("resource_create", package_id=pid, name="a steward's link", url=link)
    schema = portal_schema_of(target)
    plan = plan_dataset(crash_bundle, target.portal, target.organization, schema, namespace=target.namespace)
    assert sorted(r.name for r in plan.resources if r.action == "delete") == ["old", "report.json"]
    publish_all([crash_bundle], target)
    names = sorted(r["name"] for r in editor.package_show(outcome.plan.name)["resources"])
    ours = ["datapackage.json", f"{SUBMISSIONS}.csv", "report.html", "report.json"]
    assert names == sorted(["a steward's link", *ours])


def test_cli_dry_run_prints_the_plan_and_writes_nothing(
    catalog: Catalog, hub: HubConnection, run_id: str, purge_later: list[str], tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from dgti_data.cli.publish import command as publish_cmd

    example_bundle(catalog.get(SUBMISSIONS), tmp_path / "results" / "a", rows=10)
    example_bundle(catalog.get(SURVEY), tmp_path / "results" / "b", rows=10)
    namespace = f"{run_id}-cli"
    names = [package_name(n, hub.organization, namespace) for n in (SUBMISSIONS, SURVEY)]
    purge_later.extend(names)
    args = ["--from-results", str(tmp_path / "results"), "--namespace", namespace]

    dry = CliRunner().invoke(publish_cmd, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: 0 write calls" in dry.output
    assert dry.output.count(": CREATE") == 2 and "datastore: create typed table, 10 rows" in dry.output

    real = CliRunner().invoke(publish_cmd, args)
    assert real.exit_code == 0, real.output
    for name in names:
        assert f"{hub.ckan_url}/dataset/{name}" in real.output
    # the run ends with a table per dataset: status, rows, write calls, time; writes add up to the total
    table = run_table_rows(real.output)
    total = int(real.output.split(" write calls")[0].rsplit("\n", 1)[-1])
    assert {r[0] for r in table} == {SUBMISSIONS, SURVEY} and {r[1] for r in table} == {"published"}
    assert all(r[2] == "10" and int(r[3]) > 0 for r in table) and sum(int(r[3]) for r in table) == total

    again = CliRunner().invoke(publish_cmd, args)
    assert again.exit_code == 0 and "0 write calls" in again.output
    assert again.output.count(": UNCHANGED") == 2
    unchanged = [[n, "unchanged", "10", "0"] for n in (SUBMISSIONS, SURVEY)]
    assert sorted(run_table_rows(again.output)) == sorted(unchanged)


def run_table_rows(output: str) -> list[list[str]]:
    """The run table's dataset rows: name, status, rows, write calls (time left out: it varies)."""
    row = re.compile(rf"^({SUBMISSIONS}|{SURVEY}) +([a-z]+) +([\d,]+) +(\d+) +[\d.]+$")
    return [list(m.groups()) for line in output.splitlines() if (m := row.match(line))]


def test_a_table_without_primary_key_is_reloaded_when_it_changes(
    make_target: Callable[..., Target], catalog: Catalog, tmp_path: Path
) -> None:
    bundle = example_bundle(catalog.get(SURVEY), tmp_path, rows=20)
    bundle.table_schema = {k: v for k, v in bundle.table_schema.items() if k != "primaryKey"}
    publish_all([bundle], make_target())
    _edit(bundle, lambda rows: [*rows[:19], dict(rows[0], it_staff_count="3")])
    target = make_target()
    (outcome,) = publish_all([bundle], target, approve=lambda waiting: [o.dataset for o in waiting])
    store = outcome.plan.datastore
    assert store is not None and store.action == "recreate" and "no primary key" in store.reason
    assert (store.rows.added, store.rows.removed) == (1, 1)
    editor = target.portal.client
    data = next(r for r in editor.package_show(outcome.plan.name)["resources"] if r[KEY] == "data")
    assert editor.datastore_search(resource_id=data["id"], limit=0)["total"] == 20
    settled = make_target()
    publish_all([bundle], settled)
    assert settled.portal.counter.writes == 0


@pytest.mark.parametrize("private", [False, True])
def test_a_name_taken_by_another_organisation_is_refused(
    private: bool, make_target: Callable[..., Target], catalog: Catalog, sysadmin: CkanClient,
    tmp_path: Path,
) -> None:
    from dgti_data.publish.metadata import package_dict

    target = make_target(suffix=f"-{private}")
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=5)
    name = package_name(SUBMISSIONS, target.organization, target.namespace)
    sysadmin.package_create(**package_dict(bundle.dataset, name, "other-agency"), private=private)
    (outcome,) = publish_all([bundle], target)
    assert outcome.status == "refused" and target.portal.counter.writes == 0
    text = render.dataset_plan(outcome.plan)
    assert "other-agency" in text or "may not see" in text


def test_rows_the_datastore_would_refuse_are_refused_before_any_write(
    make_target: Callable[..., Target], catalog: Catalog, tmp_path: Path
) -> None:
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=10)
    _edit(bundle, lambda rows: [*rows, dict(rows[3], people_served="many")])  # duplicate key, bad integer
    target = make_target()
    (outcome,) = publish_all([bundle], target)
    assert outcome.status == "refused" and target.portal.counter.writes == 0
    text = render.dataset_plan(outcome.plan)
    assert "line 12, field people_served: 'many' is not a valid int4" in text


def test_one_dataset_failing_does_not_stop_the_others(
    make_target: Callable[..., Target], catalog: Catalog, tmp_path: Path
) -> None:
    """Failures are isolated per dataset: a bundle whose file vanished fails with one line, and the
    next dataset is still published (the old loop stopped at the first error)."""
    broken = example_bundle(catalog.get(SUBMISSIONS), tmp_path / "a", rows=5)
    good = example_bundle(catalog.get(SURVEY), tmp_path / "b", rows=5)
    broken.data_csv.unlink()
    target = make_target()
    failed, published = publish_all([broken, good], target)
    assert failed.status == "failed" and isinstance(failed.error, BundleError)
    assert str(broken.data_csv.name) in str(failed.error) and failed.url is None
    assert published.status == "published" and published.url
    assert failed.to_dict()["error"] and published.to_dict()["status"] == "published"
