"""The hub's bulk DataStore load (``dgti_datastore_load``, plugin ``dgti_bulk``) against the real hub.

A resource gets a CSV uploaded and a typed table from ``datastore_create`` (as publishing makes
them), then the action replaces the rows by COPY: types, values, full-text search in Thai and
English, re-runs, replacement, permissions and refusals with nothing changed. Then publishing
itself: it takes the bulk path on this hub and an unchanged re-run still writes nothing.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from dgti_data.ckan import CkanClient, NotAuthorized, ValidationError
from dgti_data.datasets import Catalog, load_catalog
from dgti_data.publish import Portal, Target, publish
from dgti_data.publish import datastore as ds
from dgti_data.publish.apply import BULK_ACTION, BULK_PLUGIN
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.metadata import package_dict, package_name
from dgti_data.publish.plan import KEY
from dgti_data.settings import HubConnection, Settings

pytestmark = pytest.mark.integration

SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "code", "type": "string"},
        {"name": "year", "type": "integer", "constraints": {"minimum": 2500, "maximum": 2600}},
        {"name": "amount", "type": "number"},
        {"name": "day", "type": "date"},
        {"name": "online", "type": "boolean", "trueValues": ["ใช่"], "falseValues": ["ไม่ใช่"]},
        {"name": "name_en", "type": "string"},
        {"name": "name_th", "type": "string"},
    ],
    "primaryKey": ["code"],
    "missingValues": ["", "-", "N/A"],
}
HEADER = [f["name"] for f in SCHEMA["fields"]]
ROWS = [
    ["A-001", "2566", "1500.25", "2023-01-05", "ใช่", "Bangkok metropolis", "กรุงเทพ มหานคร"],
    ["A-002", "2567", "-", "2024-02-29", "ไม่ใช่", "Chiang Mai", "เชียงใหม่ นครพิงค์"],
    ["A-003", "", "0", "", "N/A", "", "ขอนแก่น"],
    ["A-004", "2565", "99.5", "2022-12-31", "true", "Phuket island", "ภูเก็ต"],
]


def _csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


@pytest.fixture(scope="module")
def catalog(hub_settings: Settings) -> Catalog:
    return load_catalog(hub_settings.schemas_dir)


@pytest.fixture
def resource(editor: CkanClient, sysadmin: CkanClient, hub: HubConnection, run_id: str,
             catalog: Catalog) -> Iterator[str]:
    """A private dataset of the hub's organisation with one uploaded CSV and its typed table."""
    name = f"bulk-{run_id}-{uuid.uuid4().hex[:6]}"
    metadata = package_dict(catalog.get("lao-digital-readiness-survey"), name, hub.organization)
    pkg = editor.call("package_create", private=True, **metadata)
    portal = Portal(editor)
    res = portal.upload("resource_create", _csv(ROWS), "data.csv", package_id=pkg["id"], name="data.csv",
                        format="CSV")
    editor.datastore_create(resource_id=res["id"], force=True, fields=ds.datastore_fields(SCHEMA),
                            primary_key=ds.primary_key(SCHEMA), records=[])
    yield res["id"]
    sysadmin.dataset_purge(name)


def _replace_file(editor: CkanClient, rid: str, data: bytes) -> None:
    Portal(editor).upload("resource_patch", data, "data.csv", id=rid)


def _load(client: CkanClient, rid: str, **extra: Any) -> dict[str, Any]:
    return client.call(BULK_ACTION, resource_id=rid, **ds.load_conversions(SCHEMA), **extra)


def _records(client: CkanClient, rid: str, **params: Any) -> list[dict[str, Any]]:
    return client.datastore_search(resource_id=rid, sort="code", limit=100, **params)["records"]


def test_the_hub_offers_the_bulk_load(editor: CkanClient) -> None:
    assert BULK_PLUGIN in editor.extensions()


def test_a_bulk_load_stores_typed_values_and_full_text(editor: CkanClient, resource: str) -> None:
    result = _load(editor, resource)
    assert result["rows"] == 4 and result["resource_id"] == resource
    search = editor.datastore_search(resource_id=resource, limit=0)
    types = {f["id"]: f["type"] for f in search["fields"]}
    assert types == {"_id": "int", "code": "text", "year": "int4", "amount": "numeric", "day": "date",
                     "online": "bool", "name_en": "text", "name_th": "text"}
    labels = {f["id"]: (f.get("info") or {}).get("label") for f in search["fields"]}
    assert labels["code"] == "code"  # the data dictionary made by datastore_create is kept
    rows = _records(editor, resource)
    assert [r["_id"] for r in rows] == [1, 2, 3, 4]  # ids are the file's data lines
    first, second, third, fourth = rows
    assert first["year"] == 2566 and first["amount"] == 1500.25 and first["day"].startswith("2023-01-05")
    assert first["online"] is True and second["online"] is False and fourth["online"] is True
    assert first["name_th"] == "กรุงเทพ มหานคร"
    # The schema's missing values are NULL in every type, text included (as the upsert path sends them).
    assert second["amount"] is None
    assert (third["year"], third["day"], third["online"], third["name_en"]) == (None, None, None, None)
    # datastore_search q= uses _full_text: English, Thai, a number, across columns.
    for q, expected in (("Chiang", ["A-002"]), ("เชียงใหม่", ["A-002"]), ("ภูเก็ต", ["A-004"]),
                        ("island", ["A-004"]), ("2566", ["A-001"]), ("ขอนแก่น", ["A-003"])):
        assert [r["code"] for r in _records(editor, resource, q=q)] == expected, q


def test_full_text_equals_what_the_upsert_path_makes(editor: CkanClient, resource: str,
                                                     sysadmin: CkanClient) -> None:
    _load(editor, resource)
    bulk = {r["code"]: r["rank"] for r in _records(editor, resource, q="Bangkok กรุงเทพ")}
    records = [ds.RecordConverter(SCHEMA).record(dict(zip(HEADER, row, strict=True)), 2) for row in ROWS]
    editor.call("datastore_upsert", resource_id=resource, force=True, method="upsert", records=records)
    upserted = {r["code"]: r["rank"] for r in _records(editor, resource, q="Bangkok กรุงเทพ")}
    assert bulk == upserted and list(bulk) == ["A-001"]


def test_a_rerun_converges_and_a_new_file_replaces_the_rows(editor: CkanClient, resource: str) -> None:
    _load(editor, resource)
    again = _load(editor, resource)
    assert again["rows"] == 4
    assert editor.datastore_search(resource_id=resource, limit=0)["total"] == 4
    _replace_file(editor, resource, _csv([ROWS[3], ["B-001", "2560", "1", "2017-01-01", "ใช่", "new", "ใหม่"]]))
    assert _load(editor, resource)["rows"] == 2
    assert [r["code"] for r in _records(editor, resource)] == ["A-004", "B-001"]
    assert _records(editor, resource, q="Chiang") == []
    # Later API upserts get ids after the loaded rows.
    editor.call("datastore_upsert", resource_id=resource, force=True, method="insert",
                records=[{"code": "C-001"}])
    assert [r["_id"] for r in _records(editor, resource)] == [1, 2, 3]


def test_only_who_may_upsert_may_load(editor: CkanClient, sysadmin: CkanClient, hub: HubConnection,
                                      hub_settings: Settings, resource: str, run_id: str) -> None:
    anonymous = CkanClient(hub.ckan_url, None, timeout=hub_settings.ckan_timeout)
    with pytest.raises(NotAuthorized):
        _load(anonymous, resource)
    user = f"bulk-other-{run_id}"
    sysadmin.call("user_create", name=user, email=f"{user}@hub.invalid", password=uuid.uuid4().hex)
    try:
        sysadmin.call("organization_member_create", id="other-agency", username=user, role="editor")
        token = SecretStr(sysadmin.call("api_token_create", user=user, name="t")["token"])
        other = CkanClient(hub.ckan_url, token, timeout=hub_settings.ckan_timeout)
        with pytest.raises(NotAuthorized):
            _load(other, resource)
        with pytest.raises(NotAuthorized):
            other.call("datastore_upsert", resource_id=resource, force=True, records=[{"code": "X"}])
    finally:
        sysadmin.call("user_delete", id=user)
    assert _load(sysadmin, resource)["rows"] == 4


@pytest.mark.parametrize(
    ("row", "line", "field", "message"),
    [
        (["A-009", "25x6", "1", "2023-01-01", "ใช่", "", ""], "4", "year", "integer"),
        (["A-009", "2566", "abc", "2023-01-01", "ใช่", "", ""], "4", "amount", "numeric"),
        (["A-009", "2566", "1", "2023-02-30", "ใช่", "", ""], "4", "day", "date"),
        (["A-009", "2566", "1", "2023-01-01", "yes", "", ""], "4", "online", "boolean"),
        (["A-001", "2566", "1", "2023-01-01", "ใช่", "", ""], "4", "code", "A-001"),
        (["A-009", "2566", "1"], "4", None, "missing data"),
    ],
)
def test_a_bad_value_is_refused_naming_line_and_field_and_nothing_changes(
    editor: CkanClient, resource: str, row: list[str], line: str, field: str | None, message: str
) -> None:
    _load(editor, resource)
    before = _records(editor, resource)
    _replace_file(editor, resource, _csv([ROWS[0], ROWS[1], row, ROWS[3]]))
    with pytest.raises(ValidationError) as refused:
        _load(editor, resource)
    errors = refused.value.errors
    assert errors["line"] == [line], errors
    assert errors.get("field") == ([field] if field else None), errors
    assert message in errors["records"][0], errors
    assert _records(editor, resource) == before


def test_a_file_other_than_the_expected_one_is_refused(editor: CkanClient, resource: str) -> None:
    with pytest.raises(ValidationError) as refused:
        _load(editor, resource, hash="0" * 64)
    assert "hash" in refused.value.errors
    _replace_file(editor, resource, _csv([ROWS[0]], header=[*HEADER[:-1], "surprise"]))
    with pytest.raises(ValidationError) as wrong:
        _load(editor, resource)
    assert "surprise" in wrong.value.errors["records"][0] and wrong.value.errors["line"] == ["1"]


def test_publishing_takes_the_bulk_path_and_an_unchanged_rerun_writes_nothing(
    hub: HubConnection, hub_settings: Settings, catalog: Catalog, purge_later: list[str], run_id: str,
    tmp_path: Path,
) -> None:
    dataset = catalog.get("lao-digital-readiness-survey")
    bundle = example_bundle(dataset, tmp_path, rows=300)
    namespace = f"{run_id}-bulk"
    purge_later.append(package_name(dataset.name, hub.organization, namespace))

    def target() -> Target:
        client = CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout)
        return Target(Portal(client), hub.organization, namespace)

    first_target = target()
    (first,) = publish([bundle], first_target)
    assert first.status == "published" and first.applied is not None
    assert first.applied.datastore_load == "bulk"
    writes = first_target.portal.counter.write_actions
    assert writes.get(BULK_ACTION) == 1 and "datastore_upsert" not in writes, writes
    data = next(r for r in first.applied.package["resources"] if r[KEY] == "data")  # type: ignore[index]
    editor = first_target.portal.client
    result = editor.datastore_search(resource_id=data["id"], limit=0)
    assert result["total"] == 300
    types = {f["id"]: f["type"] for f in result["fields"]}
    assert types["has_website"] == "bool" and types["survey_date"] == "date"
    assert types["digital_budget_thb"] == "numeric" and types["survey_year"] == "int4"
    expected = list(ds.read_records(bundle.data_csv, bundle.table_schema))
    types = {f["id"]: f["type"] for f in result["fields"] if f["id"] != "_id"}
    stored = editor.datastore_search(resource_id=data["id"], limit=1000, sort="_id")["records"]
    assert [ds.row_signature(r, types) for r in stored] == [ds.row_signature(r, types) for r in expected]

    again_target = target()
    (again,) = publish([bundle], again_target)
    assert again.status == "unchanged" and again_target.portal.counter.writes == 0
