"""The hub's bulk DataStore load (``dgti_datastore_load``, plugin ``dgti_bulk``) against the real hub.

A resource gets a CSV uploaded and a typed table from ``datastore_create`` (as publishing makes
them), then the action replaces the rows by COPY: types, values, full-text search in Thai and
English, re-runs, replacement, permissions and refusals with nothing changed. The swap path keeps
everything CKAN made on the table (indexes, trigger, grants, comments, sequence), leaves nothing
behind, clears what a crashed load left, lets readers read throughout, and gives way to the
in-place path where a view hangs on the table. Then publishing itself: it takes the bulk path on
this hub and an unchanged re-run still writes nothing.
"""

from __future__ import annotations

import csv
import io
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from dgti_data.app import publish_all
from dgti_data.ckan import CkanClient, NotAuthorized, ValidationError
from dgti_data.datasets import Catalog, load_catalog
from dgti_data.hub import postgres
from dgti_data.hub.layout import CKAN_ROLE, DATASTORE_DB, HubPaths
from dgti_data.publish import Portal, Target
from dgti_data.publish import datastore as ds
from dgti_data.publish.apply import BULK_ACTION, BULK_PLUGIN
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.metadata import package_dict, package_name
from dgti_data.publish.steps import KEY
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


def _sql(settings: Settings, query: str) -> list[str]:
    """Rows of a query on the hub's DataStore database, as PostgreSQL's superuser."""
    return postgres.psql(HubPaths(settings), query, db=DATASTORE_DB).splitlines()


def _catalogue(settings: Settings, rid: str) -> dict[str, list[str]]:
    """What CKAN made on a DataStore table besides its rows."""
    table = "'\"" + rid + "\"'::regclass"
    return {
        "columns": _sql(settings, f"SELECT attname || ' ' || format_type(atttypid, atttypmod) || ' ' "
                                  f"|| attnotnull FROM pg_attribute WHERE attrelid = {table} "
                                  "AND attnum > 0 AND NOT attisdropped ORDER BY attnum"),
        "indexes": _sql(settings, f"SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                                  f"WHERE indrelid = {table} ORDER BY 1"),
        "keys": _sql(settings, f"SELECT conname || ' ' || contype::text FROM pg_constraint "
                               f"WHERE conrelid = {table} ORDER BY 1"),
        "triggers": _sql(settings, f"SELECT pg_get_triggerdef(oid) || ' ' || tgenabled::text FROM pg_trigger "
                                   f"WHERE tgrelid = {table} ORDER BY 1"),
        "grants": _sql(settings, f"SELECT grantee::regrole || ' ' || privilege_type FROM pg_class "
                                 f"CROSS JOIN LATERAL aclexplode(relacl) WHERE oid = {table} ORDER BY 1"),
        "comments": _sql(settings, f"SELECT attname || ' ' || col_description(attrelid, attnum) "
                                   f"FROM pg_attribute WHERE attrelid = {table} AND attnum > 0 "
                                   "AND col_description(attrelid, attnum) IS NOT NULL ORDER BY 1"),
        "defaults": _sql(settings, f"SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef "
                                   f"WHERE adrelid = {table}"),
        "sequence": _sql(settings, f"SELECT pg_get_serial_sequence('\"{rid}\"', '_id')"),
    }


def _leftovers(settings: Settings) -> list[str]:
    return _sql(settings, "SELECT relname FROM pg_class WHERE relnamespace = "
                          "to_regnamespace('dgti_load') AND relkind IN ('r', 'u', 'i') ORDER BY 1")


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


def test_a_swap_keeps_what_ckan_made_on_the_table_and_leaves_nothing_behind(
    editor: CkanClient, resource: str, hub_settings: Settings
) -> None:
    before = _catalogue(hub_settings, resource)
    assert len(before["indexes"]) >= 3 and before["triggers"] and before["comments"], before
    assert any("datastore_default SELECT" in g for g in before["grants"]), before["grants"]
    assert _load(editor, resource)["how"] == "swap"
    assert _catalogue(hub_settings, resource) == before
    assert _load(editor, resource)["how"] == "swap"  # and again, from the swapped table
    assert _catalogue(hub_settings, resource) == before
    assert _leftovers(hub_settings) == []
    # Read through CKAN's read-only role, so the grant really is the old one's.
    assert [r["code"] for r in _records(editor, resource)] == ["A-001", "A-002", "A-003", "A-004"]


def test_what_a_crashed_load_left_is_cleared_by_the_next(
    editor: CkanClient, resource: str, hub_settings: Settings
) -> None:
    _load(editor, resource)
    # As a load killed after building its new table: both tables are the DataStore writer's.
    _sql(hub_settings, f'CREATE SCHEMA IF NOT EXISTS dgti_load AUTHORIZATION {CKAN_ROLE}; '
                       f'SET ROLE {CKAN_ROLE}; CREATE TABLE dgti_load."{resource}" (x int); '
                       f'CREATE UNLOGGED TABLE dgti_load."{resource}_stage" (y int)')
    assert len(_leftovers(hub_settings)) == 2
    assert _load(editor, resource)["rows"] == 4
    assert _leftovers(hub_settings) == []
    assert len(_records(editor, resource)) == 4


def _many_rows(n: int) -> list[list[str]]:
    return [[f"R-{i:06d}", "2566", str(i), "2023-01-05", "ใช่", "row", "แถว"] for i in range(n)]


def test_readers_see_the_old_rows_or_the_new_and_never_fail(
    editor: CkanClient, resource: str, hub: HubConnection, hub_settings: Settings
) -> None:
    _load(editor, resource)
    _replace_file(editor, resource, _csv(_many_rows(20_000)))
    # A reader holding the table keeps the swap waiting, so that more readers queue behind it on
    # the old table and must then find the new one.
    holder = threading.Thread(target=_sql, args=(
        hub_settings, f'BEGIN; SELECT count(*) FROM "{resource}"; SELECT pg_sleep(3); COMMIT;'))
    reader = CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout)
    totals: list[int] = []
    failures: list[Exception] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                totals.append(reader.datastore_search(resource_id=resource, limit=0)["total"])
            except Exception as exc:  # what the assertion below reports
                failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    holder.start()
    for t in readers:
        t.start()
    try:
        assert _load(editor, resource)["rows"] == 20_000
    finally:
        done.set()
        for t in [holder, *readers]:
            t.join()
    assert failures == []
    assert set(totals) <= {4, 20_000} and totals, sorted(set(totals))
    assert editor.datastore_search(resource_id=resource, limit=0)["total"] == 20_000


def test_two_loads_of_one_table_at_once_take_turns(editor: CkanClient, resource: str,
                                                   hub: HubConnection, hub_settings: Settings) -> None:
    """Watched from PostgreSQL while they run: each load holds the table's load lock (taken before
    its first write, released after its swap) in turn, never both at once, the other waiting."""
    _replace_file(editor, resource, _csv(_many_rows(20_000)))
    results: list[dict[str, Any]] = []
    seen: list[tuple[float, str, str]] = []  # (time, backend pid, granted) of the load locks
    done = threading.Event()

    def run() -> None:
        client = CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout)
        results.append(_load(client, resource))

    def watch() -> None:
        while not done.is_set():
            rows = _sql(hub_settings, "SELECT pid || ' ' || granted FROM pg_locks WHERE locktype = "
                                      "'advisory' AND database = (SELECT oid FROM pg_database "
                                      "WHERE datname = current_database())")
            seen.extend((time.monotonic(), *row.split()) for row in rows)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        done.set()
        watcher.join()
    assert [r["rows"] for r in results] == [20_000, 20_000]
    assert editor.datastore_search(resource_id=resource, limit=0)["total"] == 20_000
    assert _leftovers(hub_settings) == []
    held: dict[str, list[float]] = {}
    for at, pid, granted in seen:
        if granted == "true":
            held.setdefault(pid, []).append(at)
    assert len(held) == 2, f"load lock holders seen: {sorted(held)}"
    (a, b) = sorted(held.values())
    assert max(a) < min(b), "both loads held the table at once"
    assert any(granted == "false" for _, _, granted in seen), "neither load was seen waiting for the other"


def test_a_table_a_view_hangs_on_is_loaded_in_place(editor: CkanClient, resource: str,
                                                    run_id: str) -> None:
    alias = f"bulk-alias-{run_id}-{uuid.uuid4().hex[:6]}"
    editor.datastore_create(resource_id=resource, force=True, aliases=alias)
    result = _load(editor, resource)
    assert result["how"] == "in place" and result["rows"] == 4
    assert editor.datastore_search(resource_id=alias, limit=0)["total"] == 4
    assert [r["code"] for r in _records(editor, resource, q="เชียงใหม่")] == ["A-002"]


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
@pytest.mark.parametrize("how", ["swap", "in place"])
def test_a_bad_value_is_refused_naming_line_and_field_and_nothing_changes(
    editor: CkanClient, resource: str, row: list[str], line: str, field: str | None, message: str,
    how: str
) -> None:
    if how == "in place":  # a view on the table keeps the load in place
        editor.datastore_create(resource_id=resource, force=True, aliases=f"bad-{uuid.uuid4().hex[:8]}")
    assert _load(editor, resource)["how"] == how
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
        return Target(Portal(client), hub.organization, namespace, lock_dir=hub_settings.lock_dir)

    first_target = target()
    (first,) = publish_all([bundle], first_target)
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
    (again,) = publish_all([bundle], again_target)
    assert again.status == "unchanged" and again_target.portal.counter.writes == 0
