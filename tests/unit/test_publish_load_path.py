"""Which DataStore load path publishing takes: one bulk call where the portal offers the hub's
``dgti_bulk`` plugin, ``datastore_upsert`` batches elsewhere, and the order of the writes.

A recording stand-in for the CKAN client answers each action with a canned result (no network);
the real hub is exercised in tests/integration/test_bulk_load.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from dgti_data.ckan import CallCounter, NotFound, PortalOffer
from dgti_data.datasets import Catalog
from dgti_data.publish import Portal, apply_plan, loadpath, plan_dataset, portal_schema
from dgti_data.publish import datastore as ds
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.loadpath import BATCH_ROWS, BULK_ACTION, BULK_PLUGIN, BULK_SYNC_SHARE
from dgti_data.publish.steps import DatasetPlan, DatastoreStep, RowChanges
from dgti_data.settings import PROJECT_ROOT

SURVEY = "lao-digital-readiness-survey"


class RecordingClient:
    """Plays a portal: records every call, answers from ``results``; ``extensions`` as configured."""

    url = "http://portal.invalid"

    def __init__(self, extensions: list[str]) -> None:
        self.counter = CallCounter()
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._extensions = extensions
        self.status_calls = 0

    def extensions(self) -> frozenset[str]:
        """Asked once per client, like ``CkanClient.extensions`` (the plan and the apply both ask)."""
        if self.status_calls == 0:
            self.status_calls += 1
            self.counter.record("status_show")
        return frozenset(self._extensions)

    def call(self, action: str, files: Any = None, **data: Any) -> Any:
        self.counter.record(action)
        if action == "help_show":  # does a listed plugin's action exist: a read, kept out of ``calls``
            return "the action's docstring"
        self.calls.append((action, data))
        if action == "package_show" and data["id"] != "p1":
            raise NotFound(action, "not found")
        if action in ("package_create", "package_patch", "package_show"):
            return {"id": "p1", "resources": []}
        if action == "resource_create":
            return {"id": f"r{len(self.calls)}"}
        if action == BULK_ACTION:
            return {"rows": 30, "seconds": {"total": 0.1}}
        return {}

    @property
    def actions(self) -> list[str]:
        return [a for a, _ in self.calls]


def _plan(catalog: Catalog, tmp_path: Path, client: RecordingClient) -> DatasetPlan:
    bundle = example_bundle(catalog.get(SURVEY), tmp_path, rows=30)
    bundle.rows = 30
    schema = portal_schema.load_yaml(
        PROJECT_ROOT / "ckanext-dgti/ckanext/dgti/schemas/gd_catalog_dataset.yaml")
    plan = plan_dataset(bundle, Portal(client), "dga", schema, today="2025-01-01")  # type: ignore[arg-type]
    assert plan.action == "create", plan.problems
    return plan


def test_a_new_table_is_loaded_by_one_bulk_call_where_the_portal_offers_it(
    catalog: Catalog, tmp_path: Path
) -> None:
    client = RecordingClient(["datastore", BULK_PLUGIN])
    plan = _plan(catalog, tmp_path, client)
    applied = apply_plan(plan, Portal(client))  # type: ignore[arg-type]
    assert applied.datastore_load == "bulk"
    assert "datastore_upsert" not in client.actions
    create = next(d for a, d in client.calls if a == "datastore_create")
    assert create["records"] == [] and create["primary_key"] == ["response_id"]
    load = next(d for a, d in client.calls if a == BULK_ACTION)
    assert load["resource_id"] == plan.resources[0].resource_id
    assert load["hash"] == plan.resources[0].sha256  # the server loads this file or refuses
    assert load["true_values"]["has_website"] == sorted(ds.RecordConverter(plan.bundle.table_schema)
                                                       .true["has_website"])
    # The file is uploaded before the load and the marker written after it.
    order = client.actions
    assert order.index("resource_create") < order.index(BULK_ACTION) < order.index("resource_patch")


def test_planning_takes_the_load_path_from_the_runs_probe(catalog: Catalog, tmp_path: Path) -> None:
    """The probe (which also checks the plugin's action exists) and planning never disagree: a
    portal listing ``dgti_bulk`` whose probe found no bulk action is planned by upserts, unasked."""
    client = RecordingClient(["datastore", BULK_PLUGIN])
    portal = Portal(client)  # type: ignore[arg-type]
    portal.adopt(PortalOffer(url=client.url, ckan_version="2.11.6", extensions=frozenset({BULK_PLUGIN}),
                             datastore=True, xloader=False, bulk=False, dcat=False, scheming=True,
                             organization="dga"))
    bundle = example_bundle(catalog.get(SURVEY), tmp_path, rows=30)
    schema = portal_schema.load_yaml(
        PROJECT_ROOT / "ckanext-dgti/ckanext/dgti/schemas/gd_catalog_dataset.yaml")
    plan = plan_dataset(bundle, portal, "dga", schema, today="2025-01-01")
    assert plan.datastore.load == "upsert" and "neither" in plan.datastore.load_reason
    assert "help_show" not in client.counter.by_action  # the probe answered; planning asked nothing more


def test_a_portal_without_the_plugin_gets_upsert_batches(catalog: Catalog, tmp_path: Path) -> None:
    client = RecordingClient(["datastore", "scheming_datasets"])
    plan = _plan(catalog, tmp_path, client)
    applied = apply_plan(plan, Portal(client), batch_rows=10)  # type: ignore[arg-type]
    assert applied.datastore_load == "upsert"
    assert BULK_ACTION not in client.actions
    create = next(d for a, d in client.calls if a == "datastore_create")
    assert len(create["records"]) == 10
    assert client.actions.count("datastore_upsert") == 2
    assert client.status_calls == 1


def _sync(plan: DatasetPlan, client: RecordingClient, changed: int, rows: int = 1_000_000) -> DatasetPlan:
    """The plan turned into an update of an existing dataset whose CSV changed ``changed`` rows,
    with the load path the planner would choose."""
    assert plan.datastore is not None
    data = dataclasses.replace(plan.resources[0], action="update", upload=True, resource_id="r-old")
    upserts = [{"response_id": f"k{i}"} for i in range(changed)]
    step = DatastoreStep("sync", plan.datastore.fields, plan.datastore.primary_key, plan.datastore.marker,
                         RowChanges(before=rows, after=rows, changed=changed, upserts=upserts))
    step.load, step.load_reason = loadpath.choose(Portal(client), step, plan.bundle)  # type: ignore[arg-type]
    return dataclasses.replace(plan, action="update", existing={"id": "p1"}, make_public=False,
                               resources=[data], datastore=step)


@pytest.mark.parametrize(("changed", "rows", "path"), [
    (1, 1_000_000, "upsert"),
    (int(BULK_SYNC_SHARE * 1_000_000) - 1, 1_000_000, "upsert"),
    (int(BULK_SYNC_SHARE * 1_000_000), 1_000_000, "bulk"),
    (BATCH_ROWS, BATCH_ROWS, "upsert"),  # one upsert call either way: the other rows are kept
    (BATCH_ROWS + 1, BATCH_ROWS + 1, "bulk"),
])
def test_a_sync_reloads_in_bulk_only_when_many_rows_change(
    catalog: Catalog, tmp_path: Path, changed: int, rows: int, path: str
) -> None:
    client = RecordingClient([BULK_PLUGIN])
    plan = _sync(_plan(catalog, tmp_path, client), client, changed, rows)
    client.calls.clear()
    applied = apply_plan(plan, Portal(client))  # type: ignore[arg-type]
    assert applied.datastore_load == path
    if path == "bulk":
        # The new file goes up first (the load reads it), the marker only after the load.
        assert client.actions[:3] == ["resource_patch", BULK_ACTION, "resource_patch"]
        upload, _, marker = (d for a, d in client.calls[:3])
        assert "dgti_datastore" not in upload and "dgti_datastore" in marker
    else:
        assert BULK_ACTION not in client.actions and client.actions[0] == "datastore_upsert"
        assert client.actions.count("datastore_upsert") == -(-changed // BATCH_ROWS)
        (patch,) = [(i, d) for i, (a, d) in enumerate(client.calls) if a == "resource_patch"]
        assert "dgti_datastore" in patch[1]  # the new file and the marker, after every upsert
        assert patch[0] > max(i for i, a in enumerate(client.actions) if a == "datastore_upsert")


def test_an_unchanged_table_does_not_even_ask_which_paths_the_portal_offers(
    catalog: Catalog, tmp_path: Path
) -> None:
    client = RecordingClient([BULK_PLUGIN])
    plan = _sync(_plan(catalog, tmp_path, client), client, 0)
    assert plan.datastore is not None
    plan.datastore.action = "unchanged"
    plan.resources[0].action, plan.resources[0].upload = "unchanged", False
    client.status_calls = 0  # the plan (a new dataset's Thai tags) may have asked: the apply must not
    applied = apply_plan(plan, Portal(client))  # type: ignore[arg-type]
    assert applied.datastore_load is None and client.status_calls == 0


def test_load_conversions_are_the_converters() -> None:
    schema = {"fields": [{"name": "ok", "type": "boolean", "trueValues": ["ใช่"], "falseValues": ["ไม่"]},
                         {"name": "n", "type": "integer"}], "missingValues": ["", "-"]}
    assert ds.load_conversions(schema) == {
        "missing_values": ["", "-"],
        "true_values": {"ok": ["1", "TRUE", "True", "true", "ใช่"]},
        "false_values": {"ok": ["0", "FALSE", "False", "false", "ไม่"]},
    }
