"""A sync's deleted keys on the real hub's DataStore: many keys per ``datastore_delete`` call, and
exactly those rows gone (one-field and two-field primary keys)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import pytest

from dgti_data.ckan import CkanClient
from dgti_data.datasets import load_catalog
from dgti_data.publish.apply import delete_rows
from dgti_data.publish.metadata import package_dict
from dgti_data.publish.portal import Portal
from dgti_data.publish.steps import DatastoreStep, RowChanges
from dgti_data.settings import HubConnection, Settings

pytestmark = pytest.mark.integration

OFFICES = [f"{n:07d}" for n in range(1010101, 1010106)]


@pytest.fixture(scope="module")
def package(editor: CkanClient, sysadmin: CkanClient, hub: HubConnection, hub_settings: Settings,
            run_id: str) -> Iterator[str]:
    name = f"deletes-{run_id}-{uuid.uuid4().hex[:6]}"
    template = load_catalog(hub_settings.schemas_dir).get("local-digital-submissions")
    pkg = editor.call("package_create", private=True, **package_dict(template, name, hub.organization))
    try:
        yield pkg["id"]
    finally:
        sysadmin.dataset_purge(name)


def _table(editor: CkanClient, package: str, pk: list[str], rows: list[dict[str, str]]) -> str:
    fields = [{"id": f, "type": "text"} for f in [*pk, "note"]]
    return editor.datastore_create(resource={"package_id": package, "name": "-".join(pk)}, force=True,
                                   fields=fields, primary_key=pk, records=rows)["resource_id"]


def _keys(editor: CkanClient, rid: str, pk: list[str]) -> set[tuple[str, ...]]:
    rows = editor.datastore_search(resource_id=rid, limit=5000)["records"]
    return {tuple(r[f] for f in pk) for r in rows}


def _delete(editor: CkanClient, rid: str, pk: list[str], keys: list[tuple[str, ...]]) -> int:
    portal = Portal(editor)
    before = portal.counter.by_action["datastore_delete"]
    rows = RowChanges(before=0, after=0, removed=len(keys), deletes=keys)
    delete_rows(portal, rid, DatastoreStep("sync", [], pk, "", rows))
    return portal.counter.by_action["datastore_delete"] - before


def test_one_field_keys_are_deleted_five_hundred_a_call(editor: CkanClient, package: str) -> None:
    pk = ["submission_id"]
    rows = [{"submission_id": f"DGTi-2567-{i:06d}", "note": "แถว"} for i in range(1, 1301)]
    rid = _table(editor, package, pk, rows)
    gone = [(r["submission_id"],) for r in rows[:1100]]
    assert _delete(editor, rid, pk, gone) == 3
    assert _keys(editor, rid, pk) == {(r["submission_id"],) for r in rows[1100:]}


def test_two_field_keys_are_deleted_an_office_a_call_and_no_other_row(editor: CkanClient,
                                                                      package: str) -> None:
    pk = ["lao_code", "response_no"]
    table = list(itertools.product(OFFICES, [f"R{i:03d}" for i in range(1, 41)]))
    rid = _table(editor, package, pk, [{"lao_code": o, "response_no": n, "note": "x"} for o, n in table])
    gone = [k for k in table if int(k[1][1:]) % 2 == 0]  # 20 of each office's 40 rows
    assert _delete(editor, rid, pk, gone) == len(OFFICES)
    assert _keys(editor, rid, pk) == set(table) - set(gone)
    # One response number per office: the offices are listed, one call for all.
    assert _delete(editor, rid, pk, [(o, "R001") for o in OFFICES]) == 1
    assert _keys(editor, rid, pk) == set(table) - set(gone) - {(o, "R001") for o in OFFICES}
