"""The XLoader path's choice and its file check, without a portal: which path a plan takes from what
the portal offers, why, and which published CSVs XLoader would store differently (then: upserts).
The path itself runs against the real hub in tests/integration/test_xloader_load.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dgti_data.datasets import Catalog
from dgti_data.publish import Portal, plan_dataset, portal_schema, render
from dgti_data.publish import datastore as ds
from dgti_data.publish.bundle import published_schema
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.loadpath import BULK_PLUGIN, DESCRIPTIONS
from dgti_data.publish.xloader import PLUGIN, unsuitable, with_type_overrides
from dgti_data.settings import PROJECT_ROOT
from tests.unit.test_publish_load_path import SURVEY, RecordingClient, _plan


def _rewrite(path: Path, column: str, value: str, row: int = 7) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[row][column] = value
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(("extensions", "path", "why"), [
    ([PLUGIN, BULK_PLUGIN], "bulk", "runs ckanext-dgti"),
    ([PLUGIN, "datastore"], "xloader", "runs XLoader, not ckanext-dgti"),
    (["datastore"], "upsert", "neither ckanext-dgti nor XLoader"),
])
def test_a_new_table_takes_the_fastest_path_the_portal_offers_and_the_plan_says_why(
    catalog: Catalog, tmp_path: Path, extensions: list[str], path: str, why: str
) -> None:
    plan = _plan(catalog, tmp_path, RecordingClient(extensions))
    assert plan.datastore is not None and plan.datastore.load == path
    assert why in plan.datastore.load_reason
    text = render.dataset_plan(plan)
    assert f"load by {DESCRIPTIONS[plan.datastore.load]}: {plan.datastore.load_reason}" in text


def test_a_csv_xloader_would_store_otherwise_goes_by_upserts_with_the_reason(
    catalog: Catalog, tmp_path: Path
) -> None:
    bundle = example_bundle(catalog.get(SURVEY), tmp_path / "b", rows=30)
    _rewrite(bundle.data_csv, "obstacles", "-")
    client = RecordingClient([PLUGIN])
    schemas = PROJECT_ROOT / "ckanext-dgti/ckanext/dgti/schemas"
    schema = portal_schema.load_yaml(schemas / "gd_catalog_dataset.yaml")
    plan = plan_dataset(bundle, Portal(client), "dga", schema, today="2025-01-01")  # type: ignore[arg-type]
    assert plan.datastore is not None and plan.datastore.load == "upsert"
    assert plan.datastore.load_reason == (
        "the portal runs XLoader, but column obstacles holds a missing value spelt '-', which it "
        "would load as is")


@pytest.mark.parametrize(("column", "value", "why"), [
    ("obstacles", "N/A", "column obstacles holds a missing value spelt 'N/A'"),
    ("has_website", "ใช่", "column has_website spells a boolean 'ใช่', which PostgreSQL cannot read"),
    ("lao_name", " ชื่อ อปท.", "column lao_name has cells with spaces around them"),
])
def test_unsuitable_names_the_column_and_what_xloader_would_do(
    catalog: Catalog, tmp_path: Path, column: str, value: str, why: str
) -> None:
    bundle = example_bundle(catalog.get(SURVEY), tmp_path, rows=30)
    assert unsuitable(bundle.data_csv, bundle.table_schema) is None  # the pipeline's own spelling
    _rewrite(bundle.data_csv, column, value)
    reason = unsuitable(bundle.data_csv, bundle.table_schema)
    assert reason is not None and reason.startswith(why)


def test_booleans_postgresql_reads_and_empty_cells_are_fine(catalog: Catalog, tmp_path: Path) -> None:
    bundle = example_bundle(catalog.get(SURVEY), tmp_path, rows=30)
    for row, value in enumerate(["TRUE", "f", "0", ""]):
        _rewrite(bundle.data_csv, "has_website", value, row)
    assert unsuitable(bundle.data_csv, bundle.table_schema) is None


def test_type_overrides_are_the_column_types_and_keep_the_thai_dictionary(catalog: Catalog) -> None:
    fields = ds.datastore_fields(published_schema(catalog.get(SURVEY)))
    typed = with_type_overrides(fields)
    assert [f["info"]["type_override"] for f in typed] == [f["type"] for f in fields]
    assert [{k: v for k, v in f["info"].items() if k != "type_override"} for f in typed] == [
        f["info"] for f in fields]
    assert "type_override" not in fields[0]["info"]  # the planner's fields are left as they were
