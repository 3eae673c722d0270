"""Publishing to a portal with XLoader but without ckanext-dgti: the real hub, reconfigured for this
module (``hub_xloader`` on, ``hub_bulk`` off, XLoader loading CSV uploads by itself as on agencies'
portals) and put back as it was afterwards.

XLoader loads the typed table, a re-run writes nothing and a later sync upserts into it (its primary
key survived); a job that never starts, or a table XLoader types otherwise, falls back to upserts
with a warning; a bound too short for the job gives a complete table or one clear line, never a
public half-loaded table.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dgti_data.app import publish_all
from dgti_data.ckan import CkanClient
from dgti_data.datasets import Catalog, load_catalog
from dgti_data.hub import ckan_server, up
from dgti_data.hub.layout import HubPaths
from dgti_data.publish import Outcome, Portal, PublicationBundle, Target, bundle_from_files, render
from dgti_data.publish import datastore as ds
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.metadata import package_name
from dgti_data.publish.steps import KEY
from dgti_data.publish.xloader import ACTIVE
from dgti_data.settings import HubConnection, Settings

pytestmark = pytest.mark.integration

SURVEY = "lao-digital-readiness-survey"


@pytest.fixture(scope="module")
def agency_hub(hub: HubConnection, hub_settings: Settings) -> Iterator[Settings]:
    """The hub as an agency runs its portal: XLoader on, our bulk plugin off. Restored after."""
    agency = hub_settings.model_copy(update={"hub_xloader": True, "hub_bulk": False})
    up(agency)
    try:
        yield agency
    finally:
        up(hub_settings)


@pytest.fixture(scope="module")
def catalog(hub_settings: Settings) -> Catalog:
    return load_catalog(hub_settings.schemas_dir)


def _target(hub: HubConnection, settings: Settings, namespace: str, bound: float = 120.0,
            portal: type[Portal] = Portal) -> Target:
    client = CkanClient(hub.ckan_url, hub.editor_token, timeout=30, long_timeout=bound)
    client.long_timeout = bound  # the XLoader wait, even below the per-call timeout
    return Target(portal(client), hub.organization, namespace, lock_dir=settings.lock_dir)


Survey = Callable[..., tuple[PublicationBundle, str]]


@pytest.fixture
def survey(catalog: Catalog, hub: HubConnection, purge_later: list[str], run_id: str,
           tmp_path: Path) -> Survey:
    """``survey(suffix, rows, seed)``: an example survey bundle and a fresh namespace to publish it
    under (its dataset purged after the test)."""

    def make(suffix: str, rows: int, seed: int = 0) -> tuple[PublicationBundle, str]:
        dataset = catalog.get(SURVEY)
        namespace = f"{run_id}-{suffix}"
        purge_later.append(package_name(dataset.name, hub.organization, namespace))
        return example_bundle(dataset, tmp_path / suffix, rows=rows, seed=seed), namespace

    return make


def _edited(bundle: PublicationBundle, folder: Path, column: str, cells: dict[int, str]) -> PublicationBundle:
    """A copy of ``bundle`` whose CSV has ``column`` set in the given rows (0: the first data row)."""
    with bundle.data_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for i, value in cells.items():
        rows[i][column] = value
    folder.mkdir(parents=True)
    path = folder / bundle.data_csv.name
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return bundle_from_files(bundle.dataset, path, bundle.reports, table_schema=bundle.table_schema)


def _data(outcome: Outcome) -> dict[str, Any]:
    assert outcome.applied is not None and outcome.applied.package is not None
    return next(r for r in outcome.applied.package["resources"] if r.get(KEY) == "data")


def _assert_table(client: CkanClient, rid: str, bundle: PublicationBundle) -> None:
    """Every row of the bundle, with the schema's types, values as the upsert path stores them."""
    fields = ds.datastore_fields(bundle.table_schema)
    want = {f["id"]: f["type"] for f in fields}
    table = client.datastore_search(resource_id=rid, limit=5000, sort="_id")
    assert {f["id"]: f["type"] for f in table["fields"] if f["id"] != "_id"} == want
    assert table["total"] == bundle.rows
    expected = [ds.row_signature(r, want) for r in ds.read_records(bundle.data_csv, bundle.table_schema)]
    assert sorted(ds.row_signature(r, want) for r in table["records"]) == sorted(expected)


def _wait_for_xloader(client: CkanClient, rid: str, bound: float = 180.0) -> dict[str, Any]:
    start = time.monotonic()
    while time.monotonic() - start < bound:
        status = client.call("xloader_status", resource_id=rid)
        if status["status"] not in ACTIVE:
            return status
        time.sleep(1.0)
    raise AssertionError(f"XLoader's job on {rid} still {status['status']} after {bound} s")


def test_xloader_loads_the_typed_table_a_rerun_writes_nothing_and_a_sync_upserts(
    agency_hub: Settings, hub: HubConnection, survey: Survey, tmp_path: Path,
) -> None:
    bundle, namespace = survey("xl", rows=300)

    dry = _target(hub, agency_hub, namespace)
    (planned,) = publish_all([bundle], dry, dry_run=True)
    assert planned.status == "planned" and dry.portal.counter.writes == 0
    assert planned.plan is not None and planned.plan.datastore is not None
    assert planned.plan.datastore.load == "xloader"
    assert "load by an XLoader job" in render.dataset_plan(planned.plan)

    first = _target(hub, agency_hub, namespace)
    (done,) = publish_all([bundle], first)
    assert done.status == "published" and done.applied is not None, done.error
    assert done.applied.datastore_load == "xloader" and done.applied.warnings == []
    writes = first.portal.counter.write_actions
    assert "datastore_upsert" not in writes and "dgti_datastore_load" not in writes, writes
    assert writes["datastore_create"] == 1  # the typed, empty table; XLoader filled it
    data = _data(done)
    editor = first.portal.client
    _assert_table(editor, data["id"], bundle)
    info = {f["id"]: f.get("info", {}) for f in editor.call("datastore_info", id=data["id"])["fields"]}
    assert info["has_website"]["label"] == "มีเว็บไซต์"  # the Thai dictionary survived XLoader
    assert done.applied.package is not None and done.applied.package["private"] is False

    again = _target(hub, agency_hub, namespace)
    (unchanged,) = publish_all([bundle], again)
    assert unchanged.status == "unchanged" and again.portal.counter.writes == 0

    # Three rows change: upserts into XLoader's table, keyed by the primary key it kept.
    changed = _edited(bundle, tmp_path / "v2", "it_staff_count", dict.fromkeys(range(3), "999"))
    sync = _target(hub, agency_hub, namespace)
    (synced,) = publish_all([changed], sync)
    assert synced.status == "published" and synced.applied is not None, synced.error
    assert synced.applied.datastore_load == "upsert"
    assert synced.plan is not None and synced.plan.datastore is not None
    assert synced.plan.datastore.rows.changed == 3
    assert sync.portal.counter.write_actions.get("datastore_upsert") == 1
    _assert_table(editor, data["id"], changed)


def test_a_job_that_never_starts_falls_back_to_upserts_and_never_reloads_later(
    agency_hub: Settings, hub: HubConnection, survey: Survey,
) -> None:
    bundle, namespace = survey("xl-stopped", rows=200, seed=3)
    paths = HubPaths(agency_hub)
    ckan_server.stop_worker(paths)
    try:
        target = _target(hub, agency_hub, namespace, bound=4.0)
        (done,) = publish_all([bundle], target)
    finally:
        ckan_server.start_worker(paths)
    assert done.status == "published" and done.applied is not None, done.error
    assert done.applied.datastore_load == "upsert"
    (warning,) = done.applied.warnings
    assert "did not start within 4 s" in warning and "datastore_upsert instead" in warning
    data = _data(done)
    editor = target.portal.client
    _assert_table(editor, data["id"], bundle)

    # The worker is back and runs the job left pending: it finds the file loaded (XLoader's own
    # hash) and leaves the table alone; the publication is still in sync.
    status = _wait_for_xloader(editor, data["id"])
    assert status["status"] == "complete"
    messages = " ".join(e["message"] for e in (status.get("task_info") or {}).get("logs") or [])
    assert "hash hasn't changed" in messages
    _assert_table(editor, data["id"], bundle)
    again = _target(hub, agency_hub, namespace)
    (unchanged,) = publish_all([bundle], again)
    assert unchanged.status == "unchanged" and again.portal.counter.writes == 0


class OldXLoader(Portal):
    """A portal whose XLoader ignores the data dictionary's ``type_override`` (as releases before
    it existed): our typed table is sent without them, so XLoader makes every column text."""

    def call(self, action: str, **data: Any) -> Any:
        if action == "datastore_create" and any("type_override" in f.get("info", {})
                                                 for f in data.get("fields", [])):
            data["fields"] = [{**f, "info": {k: v for k, v in f["info"].items() if k != "type_override"}}
                              for f in data["fields"]]
        return super().call(action, **data)


def test_a_table_xloader_types_otherwise_is_reloaded_by_upserts_with_a_warning(
    agency_hub: Settings, hub: HubConnection, survey: Survey,
) -> None:
    bundle, namespace = survey("xl-old", rows=150, seed=5)
    target = _target(hub, agency_hub, namespace, portal=OldXLoader)
    (done,) = publish_all([bundle], target)
    assert done.status == "published" and done.applied is not None, done.error
    assert done.applied.datastore_load == "upsert"
    (warning,) = done.applied.warnings
    assert "the columns came out as" in warning and "'survey_year': 'text'" in warning
    _assert_table(target.portal.client, _data(done)["id"], bundle)


def test_a_bound_shorter_than_the_job_never_leaves_a_public_half_table(
    agency_hub: Settings, hub: HubConnection, survey: Survey, sysadmin: CkanClient,
) -> None:
    """Half a second is less than any job takes: a job not yet started falls back to upserts, one
    already running stops the publication with one line while the dataset stays private; then a
    re-run once the job is done completes it."""
    bundle, namespace = survey("xl-short", rows=2000, seed=7)
    name = package_name(SURVEY, hub.organization, namespace)
    target = _target(hub, agency_hub, namespace, bound=0.5)
    (done,) = publish_all([bundle], target)
    if done.status == "failed":
        message = str(done.error)
        assert "\n" not in message and "XLoader's job is still running after 0.5 s" in message
        package = sysadmin.package_show(name)
        assert package["private"] is True  # nobody saw the table XLoader was filling
        data = next(r for r in package["resources"] if r.get(KEY) == "data")
        _wait_for_xloader(sysadmin, data["id"])
        retry = _target(hub, agency_hub, namespace)
        (done,) = publish_all([bundle], retry)
    assert done.status == "published" and done.applied is not None, done.error
    _assert_table(target.portal.client, _data(done)["id"], bundle)
    assert done.applied.package is not None and done.applied.package["private"] is False


def test_thai_booleans_go_by_upserts_and_xloaders_own_job_leaves_the_table_alone(
    agency_hub: Settings, hub: HubConnection, survey: Survey, tmp_path: Path,
) -> None:
    """Offices spell has_website มี / ไม่มี, which XLoader cannot type as a boolean: the plan takes
    upserts and says why; the upload tells XLoader's automatic job the file is loaded already."""
    plain, namespace = survey("xl-thai", rows=120, seed=9)
    bundle = _edited(plain, tmp_path / "thai", "has_website", {i: ("มี", "ไม่มี")[i % 2] for i in range(120)})
    target = _target(hub, agency_hub, namespace)
    (done,) = publish_all([bundle], target)
    assert done.status == "published" and done.applied is not None, done.error
    assert done.plan is not None and done.plan.datastore is not None
    assert done.plan.datastore.load_reason == (
        "the portal runs XLoader, but column has_website spells a boolean 'มี', which PostgreSQL "
        "cannot read")
    assert done.applied.datastore_load == "upsert" and "xloader_submit" not in target.portal.counter.by_action
    data = _data(done)
    status = _wait_for_xloader(target.portal.client, data["id"])  # the job the upload started
    messages = " ".join(e["message"] for e in (status.get("task_info") or {}).get("logs") or [])
    assert status["status"] == "complete" and "hash hasn't changed" in messages
    _assert_table(target.portal.client, data["id"], bundle)
    again = _target(hub, agency_hub, namespace)
    (unchanged,) = publish_all([bundle], again)
    assert unchanged.status == "unchanged" and again.portal.counter.writes == 0
