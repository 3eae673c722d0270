"""Bundles, the generated datapackage.json, DataStore fields and value conversion."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dgti_data.datasets import Catalog, load_catalog
from dgti_data.errors import ConfigurationError
from dgti_data.publish import datastore as ds
from dgti_data.publish import render
from dgti_data.publish.bundle import (
    BundleError,
    bundle_from_files,
    datapackage_bytes,
    find_bundles,
    load_bundle,
    published_schema,
)
from dgti_data.publish.examples import example_bundle, from_pattern
from dgti_data.publish.service import ApprovalPolicy
from dgti_data.publish.steps import FieldChange, RowChanges
from dgti_data.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(PROJECT_ROOT / "schemas")


def test_published_schema_leaves_out_personal_fields(catalog: Catalog) -> None:
    ds_ = catalog.get("lao-digital-readiness-survey")
    schema = published_schema(ds_)
    names = [f["name"] for f in schema["fields"]]
    assert "respondent_name" not in names and "respondent_national_id" not in names
    assert "respondent_age" in names and schema["fields"][names.index("respondent_age")]["type"] == "string"
    assert all("sourceHeaders" not in f for f in schema["fields"])
    assert schema["primaryKey"] == ["response_id"]


def test_a_bundle_with_personal_columns_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    dataset = catalog.get("local-digital-submissions")
    good = example_bundle(dataset, tmp_path, rows=3)
    phone = dataset.field("contact_phone").descriptor
    leaking = dict(good.table_schema, fields=[*good.table_schema["fields"], phone])
    with pytest.raises(BundleError, match="contact_phone"):
        bundle_from_files(dataset, good.data_csv, table_schema=leaking)


def test_a_csv_whose_header_differs_from_the_schema_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    dataset = catalog.get("local-digital-submissions")
    good = example_bundle(dataset, tmp_path, rows=3)
    text = good.data_csv.read_text(encoding="utf-8").replace("lao_name", "lao_nam", 1)
    good.data_csv.write_text(text, encoding="utf-8")
    with pytest.raises(BundleError, match="header"):
        bundle_from_files(dataset, good.data_csv)


def test_manifest_round_trip_and_one_bundle_per_dataset(catalog: Catalog, tmp_path: Path) -> None:
    example_bundle(catalog.get("local-digital-submissions"), tmp_path / "a", rows=5)
    example_bundle(catalog.get("lao-digital-readiness-survey"), tmp_path / "b", rows=5)
    loaded = load_bundle(tmp_path / "a", catalog)
    assert loaded.rows == 5 and [p.name for p in loaded.reports] == ["report.json", "report.html"]
    assert {b.dataset.name for b in find_bundles(tmp_path, catalog)} == {
        "local-digital-submissions", "lao-digital-readiness-survey",
    }
    shutil.copytree(tmp_path / "a", tmp_path / "c")
    with pytest.raises(BundleError, match="more than one bundle"):
        find_bundles(tmp_path, catalog)


def test_datapackage_bytes_are_deterministic(catalog: Catalog, tmp_path: Path) -> None:
    bundle = example_bundle(catalog.get("local-digital-submissions"), tmp_path, rows=5)
    one = datapackage_bytes(bundle, "dga-x", "ab" * 32)
    assert one == datapackage_bytes(bundle, "dga-x", "ab" * 32)
    doc = json.loads(one)
    res = doc["resources"][0]
    assert res["hash"] == "sha256:" + "ab" * 32
    assert res["schema"]["fields"] == bundle.table_schema["fields"]
    # Foreign keys to reference tables the package does not carry would make it invalid.
    assert "foreignKeys" not in res["schema"]
    assert res["path"] == "local-digital-submissions.csv"
    assert datapackage_bytes(bundle, "dga-x", "cd" * 32) != one


def test_datastore_fields_are_typed_with_thai_labels(catalog: Catalog) -> None:
    schema = published_schema(catalog.get("local-digital-submissions"))
    fields = {f["id"]: f for f in ds.datastore_fields(schema)}
    assert fields["contest_year"]["type"] == "int4"  # bounded by its constraints
    assert fields["budget_thb"]["type"] == "numeric"
    assert fields["submitted_date"]["type"] == "date"
    assert fields["lao_code"]["type"] == "text"  # leading zeros kept
    assert fields["people_served"]["info"]["label"] == "จำนวนผู้รับบริการ (คน)"
    assert "People served" in fields["people_served"]["info"]["notes"]
    assert ds.datastore_type({"type": "integer"}) == "int8"
    assert ds.datastore_type({"type": "boolean"}) == "bool"
    assert ds.datastore_type({"type": "datetime"}) == "timestamp"


def test_thai_labels_longer_than_an_identifier_stay_whole_and_ids_are_bounded() -> None:
    label = "เลขประจำตัวประชาชนของผู้ประสานงานโครงการ"  # over 63 bytes in UTF-8
    assert len(label.encode()) > ds.PG_IDENTIFIER_BYTES
    info = ds.field_info({"name": "x", "titleTh": label})
    assert info["label"] == label
    with pytest.raises(ConfigurationError, match="63"):
        ds.datastore_fields({"fields": [{"name": "x" * 64}]})
    with pytest.raises(ConfigurationError):
        ds.datastore_fields({"fields": [{"name": "_id"}]})


def test_values_are_converted_to_their_declared_types() -> None:
    schema = {
        "fields": [
            {"name": "n", "type": "integer"},
            {"name": "x", "type": "number"},
            {"name": "b", "type": "boolean", "trueValues": ["มี"], "falseValues": ["ไม่มี"]},
            {"name": "d", "type": "date"},
            {"name": "s", "type": "string"},
        ],
        "missingValues": ["", "-"],
    }
    conv = ds.RecordConverter(schema)
    assert conv.record({"n": "7", "x": "1.50", "b": "มี", "d": "2024-01-02", "s": "-"}, 2) == {
        "n": 7, "x": "1.50", "b": True, "d": "2024-01-02", "s": None,
    }
    assert conv.value("b", "false", 3) is False
    with pytest.raises(ds.RowError, match="line 4, field n"):
        conv.value("n", "๗", 4)  # Thai digits never reach the DataStore as numbers
    assert ds.canonical(1.5, "numeric") == ds.canonical("1.50", "numeric")
    assert ds.canonical("2024-01-02T00:00:00", "date") == "2024-01-02"


def test_example_patterns_match() -> None:
    assert from_pattern("DGTi-[0-9]{4}-[0-9]{6}", 42) == "DGTi-2567-000042"
    assert from_pattern("p_[0-9a-f]{16}", 7) == "p_0000000000000007"
    assert from_pattern("(เว็บไซต์|LINE OA)(;(เว็บไซต์|LINE OA))*", 1) == "เว็บไซต์"


def test_approval_is_needed_only_for_warnings_or_many_changed_rows(catalog: Catalog, tmp_path: Path) -> None:
    from dgti_data.publish.steps import DatasetPlan, DatastoreStep

    bundle = example_bundle(catalog.get("local-digital-submissions"), tmp_path, rows=5)

    def plan(
        action: Any, rows: RowChanges, warnings: tuple[str, ...] = (), private: bool = False
    ) -> DatasetPlan:
        bundle.warnings = list(warnings)
        step = DatastoreStep("sync", [], [], "", rows)
        existing = None if action == "create" else {"id": "x", "private": private}
        return DatasetPlan(
            bundle, "x", "dga", {}, action, existing=existing, datastore=step, make_public=private
        )

    policy = ApprovalPolicy(max_changed_share=0.2)
    assert policy.reasons(plan("unchanged", RowChanges(100, 100))) == []
    assert policy.reasons(plan("update", RowChanges(100, 100, changed=20))) == []
    assert "21.0%" in policy.reasons(plan("update", RowChanges(100, 100, changed=21)))[0]
    assert policy.reasons(plan("create", RowChanges(0, 100, added=100))) == []
    # A create a crash interrupted (still private): nobody sees its rows yet.
    assert policy.reasons(plan("update", RowChanges(10, 100, added=90), private=True)) == []
    assert ApprovalPolicy(new_datasets=True).reasons(plan("create", RowChanges(0, 1))) == ["new dataset"]
    assert policy.reasons(plan("update", RowChanges(100, 100), ("3 rows quarantined",))) == [
        "warning: 3 rows quarantined"
    ]
    assert render.field_change(FieldChange("x", "a", "b")) == ["    x: 'a' → 'b'"]


def test_report_digest_ignores_generation_times(catalog: Catalog, tmp_path: Path) -> None:
    from dgti_data.publish.digest import content_digest
    from dgti_data.publish.examples import write_reports

    dataset = catalog.get("local-digital-submissions")
    one = [content_digest(p) for p in write_reports(tmp_path, dataset, 5, "2024-01-01T00:00:00+00:00")]
    two = [content_digest(p) for p in write_reports(tmp_path, dataset, 5, "2025-06-30T12:34:56Z")]
    three = [content_digest(p) for p in write_reports(tmp_path, dataset, 6, "2025-06-30T12:34:56Z")]
    assert one == two
    assert all(a != b for a, b in zip(two, three, strict=True))


def test_row_problems_are_found_locally(tmp_path: Path) -> None:
    fields = [{"name": "id", "type": "string"}, {"name": "n", "type": "integer"}]
    schema = {"fields": fields, "primaryKey": ["id"]}
    path = tmp_path / "t.csv"
    path.write_text("id,n\na,1\nb,x\na,2\n,3\n", encoding="utf-8")
    assert ds.row_problems(path, schema) == [
        "line 3, field n: 'x' is not a valid int8",
        "line 4: primary key {'id': 'a'} appears twice",
        "line 5: empty primary key {'id': None}",
    ]


@pytest.mark.parametrize("name", ["local-digital-submissions", "lao-digital-readiness-survey"])
def test_the_published_datapackage_validates_with_its_csv(
    catalog: Catalog, tmp_path: Path, name: str
) -> None:
    import frictionless

    from dgti_data.publish.bundle import data_file_name, sha256_file
    from dgti_data.publish.excel import excel_csv

    bundle = example_bundle(catalog.get(name), tmp_path, rows=30)
    published = tmp_path / "download"  # what a reader downloads: the CSV as published (with a BOM)
    published.mkdir()
    shutil.copyfile(excel_csv(bundle.data_csv), published / data_file_name(bundle))
    descriptor = json.loads(datapackage_bytes(bundle, "dga-x", sha256_file(excel_csv(bundle.data_csv))))
    with frictionless.system.use_context(trusted=True):
        report = frictionless.Package(descriptor, basepath=str(published)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
