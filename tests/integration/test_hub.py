"""The local hub really works: Solr indexes, the GD Catalog schema validates, permissions
hold, and the DataStore keeps typed tables with Thai data-dictionary labels."""

from __future__ import annotations

import stat
from typing import Any

import pytest

from dgti_data.ckan import CkanClient, NotAuthorized, ValidationError, ping
from dgti_data.hub import service
from dgti_data.hub.layout import HubPaths
from dgti_data.settings import HubConnection, Settings

pytestmark = pytest.mark.integration

OTHER_ORG = "other-agency"


def gd_dataset(name: str, owner_org: str, **overrides: Any) -> dict[str, Any]:
    """A dataset with every GD Catalog field that is required, and a few optional ones."""
    data: dict[str, Any] = {
        "name": name,
        "title": f"จำนวนประชากรตามทะเบียนราษฎร ทดสอบ {name}",
        "owner_org": owner_org,
        "notes": "ชุดข้อมูลทดสอบของ dgti-data (integration test)",
        "data_type": "ข้อมูลสถิติ",
        "maintainer": "กองทดสอบระบบ",
        "maintainer_email": "test@example.org",
        "tag_string": "ประชากร,test-data",
        "objective": ["พันธกิจหน่วยงาน"],
        "update_frequency_unit": "ปี",
        "update_frequency_interval": "1",
        "geo_coverage": "จังหวัด",
        "data_source": "สำนักงานพัฒนารัฐบาลดิจิทัล",
        "data_format": "CSV",
        "data_category": "ข้อมูลสาธารณะ",
        "license_id": "Open Data Common",
        "data_language": ["ไทย"],
        "first_year_of_data": "2564",
        "last_year_of_data": "2567",
        "created_date": "2021-07-31",
        "allow_harvest": "True",
    }
    data.update(overrides)
    return data


def test_hub_file_is_private_and_complete(hub: HubConnection, hub_settings: Settings) -> None:
    mode = stat.S_IMODE(hub_settings.hub_file.stat().st_mode)
    assert mode == 0o600
    assert hub.organization == "dga"
    assert hub.solr_url and ping(f"{hub.solr_url}/admin/ping?wt=json")
    # The tokens are SecretStr: their values never print, nor reach the hub's (world-readable) logs.
    shown = " ".join(f"{x!r} {x}" for x in (hub, hub.editor_token, hub.sysadmin_token))
    logs = b"".join(p.read_bytes() for p in HubPaths(hub_settings).logs.glob("*.log"))
    for label, secret in (("editor", hub.editor_token), ("sysadmin", hub.sysadmin_token)):
        token = secret.get_secret_value()
        long, leaked = len(token) > 20, token in shown or token.encode() in logs  # never in a message
        assert long and not leaked, f"the {label} token is shown in a repr, str or hub log"


def test_status_and_second_up_reuse_everything(
    hub: HubConnection, hub_settings: Settings
) -> None:
    states = service.status(hub_settings)
    for part in ("postgres", "redis", "solr", "ckan"):
        assert states[part].startswith("running"), states
    again = service.up(hub_settings)  # idempotent: reuses processes, accounts and tokens
    assert again.editor_token.get_secret_value() == hub.editor_token.get_secret_value()
    assert again.sysadmin_token.get_secret_value() == hub.sysadmin_token.get_secret_value()


def test_ckan_runs_the_expected_plugins(editor: CkanClient, hub_settings: Settings) -> None:
    status = editor.status()
    assert status["ckan_version"] == hub_settings.hub_ckan_version
    assert {"activity", "datastore", "scheming_datasets"} <= set(status["extensions"])


def test_dataset_with_gd_fields_is_indexed_and_found(
    editor: CkanClient, hub: HubConnection, run_id: str, purge_later: list[str]
) -> None:
    name = f"dgti-test-search-{run_id}"
    purge_later.append(name)
    created = editor.package_create(**gd_dataset(name, hub.organization))
    assert created["organization"]["name"] == hub.organization
    assert created["objective"] == ["พันธกิจหน่วยงาน"]
    assert created["data_category"] == "ข้อมูลสาธารณะ"
    assert {t["name"] for t in created["tags"]} == {"ประชากร", "test-data"}

    # package_search goes to Solr: finding the dataset proves it was indexed.
    found = editor.package_search(q=f"name:{name}")
    assert found["count"] == 1
    assert found["results"][0]["name"] == name
    by_text = editor.package_search(fq=f"organization:{hub.organization}", q=f"{name}")
    assert name in {r["name"] for r in by_text["results"]}

    # package_patch keeps the GD fields (and the tags) it does not send.
    patched = editor.package_patch(id=name, update_frequency_unit="เดือน")
    assert patched["update_frequency_unit"] == "เดือน"
    assert patched["data_type"] == "ข้อมูลสถิติ"
    assert len(patched["tags"]) == 2
    assert editor.counter.writes >= 2 and editor.counter.reads >= 2


@pytest.mark.parametrize(
    "missing", ["data_category", "tag_string", "objective", "maintainer_email", "title"]
)
def test_missing_required_gd_field_is_rejected(
    missing: str, editor: CkanClient, hub: HubConnection, run_id: str, purge_later: list[str]
) -> None:
    name = f"dgti-test-invalid-{missing.replace('_', '-')}-{run_id}"
    purge_later.append(name)
    data = gd_dataset(name, hub.organization)
    del data[missing]
    with pytest.raises(ValidationError) as caught:
        editor.package_create(**data)
    assert missing in caught.value.fields
    assert missing in str(caught.value)


def test_choice_field_refuses_a_value_outside_its_list(
    editor: CkanClient, hub: HubConnection, run_id: str, purge_later: list[str]
) -> None:
    name = f"dgti-test-choice-{run_id}"
    purge_later.append(name)
    with pytest.raises(ValidationError) as caught:
        editor.package_create(**gd_dataset(name, hub.organization, geo_coverage="ดาวอังคาร"))
    assert caught.value.fields == ["geo_coverage"]


def test_editor_cannot_write_to_another_organisation(
    editor: CkanClient, sysadmin: CkanClient, run_id: str, purge_later: list[str]
) -> None:
    name = f"dgti-test-other-{run_id}"
    purge_later.append(name)
    with pytest.raises(NotAuthorized):
        editor.package_create(**gd_dataset(name, OTHER_ORG))

    sysadmin.package_create(**gd_dataset(name, OTHER_ORG))
    with pytest.raises(NotAuthorized):
        editor.package_patch(id=name, title="ไม่ควรแก้ได้")
    with pytest.raises(NotAuthorized):
        editor.call("organization_member_create", id=OTHER_ORG, username="dgti-editor",
                    role="admin")


def test_datastore_table_with_thai_labels_returns_typed_values(
    editor: CkanClient, hub: HubConnection, run_id: str, purge_later: list[str]
) -> None:
    name = f"dgti-test-datastore-{run_id}"
    purge_later.append(name)
    editor.package_create(**gd_dataset(name, hub.organization))
    fields = [
        {"id": "province_code", "type": "text",
         "info": {"label": "รหัสจังหวัด", "notes": "รหัส 2 หลัก ขึ้นต้นด้วยศูนย์ได้"}},
        {"id": "province", "type": "text", "info": {"label": "จังหวัด"}},
        {"id": "population", "type": "int", "info": {"label": "จำนวนประชากร (คน)"}},
        {"id": "density", "type": "numeric", "info": {"label": "ความหนาแน่น (คน/ตร.กม.)"}},
        {"id": "as_of", "type": "date", "info": {"label": "ข้อมูล ณ วันที่"}},
        {"id": "is_capital", "type": "bool", "info": {"label": "เป็นเมืองหลวง"}},
    ]
    records = [
        {"province_code": "10", "province": "กรุงเทพมหานคร", "population": 5494932,
         "density": 3502.5, "as_of": "2024-12-31", "is_capital": True},
        {"province_code": "01", "province": "จังหวัดทดสอบ", "population": 1200,
         "density": 0.75, "as_of": "2024-12-31", "is_capital": False},
    ]
    created = editor.datastore_create(
        resource={"package_id": name, "name": "ประชากรรายจังหวัด", "format": "CSV"},
        fields=fields,
        records=records,
        primary_key=["province_code"],
        force=True,
    )
    resource_id = created["resource_id"]

    result = editor.datastore_search(resource_id=resource_id, sort="province_code")
    assert result["total"] == 2
    rows = result["records"]
    assert [r["province_code"] for r in rows] == ["01", "10"]  # text keeps leading zeros
    bangkok = rows[1]
    assert bangkok["population"] == 5494932 and isinstance(bangkok["population"], int)
    assert bangkok["density"] == pytest.approx(3502.5)
    assert isinstance(bangkok["density"], float)
    assert str(bangkok["as_of"]).startswith("2024-12-31")
    assert bangkok["is_capital"] is True
    labels = {f["id"]: f.get("info", {}).get("label") for f in result["fields"]}
    assert labels["population"] == "จำนวนประชากร (คน)"
    assert labels["province_code"] == "รหัสจังหวัด"
    types = {f["id"]: f["type"] for f in result["fields"]}
    assert types["population"] == "int4" and types["density"] == "numeric"

    filtered = editor.datastore_search(resource_id=resource_id, filters={"province": "กรุงเทพมหานคร"})
    assert filtered["total"] == 1
