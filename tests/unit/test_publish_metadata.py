"""GD Catalog mapping and the offline check against the portal's scheming schema."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dgti_data.datasets import Catalog, load_catalog
from dgti_data.errors import ConfigurationError
from dgti_data.publish import portal_schema
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.metadata import NAME_MAX, package_dict, package_name, tags_of
from dgti_data.settings import PROJECT_ROOT

HUB_SCHEMA = PROJECT_ROOT / "ckanext-dgti/ckanext/dgti/schemas/gd_catalog_dataset.yaml"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(PROJECT_ROOT / "schemas")


@pytest.fixture(scope="module")
def schema() -> dict:
    return portal_schema.load_yaml(HUB_SCHEMA)


def test_names_are_deterministic_slugs_within_ckan_limits() -> None:
    assert package_name("local-digital-submissions", "dga") == "dga-local-digital-submissions"
    named = package_name("local-digital-submissions", "dga", "Run 42")
    assert named == "dga-local-digital-submissions-run-42"
    long = package_name("x" * 150, "dga")
    assert len(long) == NAME_MAX and long == package_name("x" * 150, "dga")
    assert long != package_name("x" * 149 + "y", "dga")  # the hash tail keeps long names apart


@pytest.mark.parametrize("name", ["local-digital-submissions", "lao-digital-readiness-survey"])
def test_every_dataset_maps_to_metadata_the_portal_accepts(
    name: str, catalog: Catalog, schema: dict, tmp_path: Path
) -> None:
    bundle = example_bundle(catalog.get(name), tmp_path, rows=20)
    pkg = package_dict(bundle.dataset, "dga-x", "dga", bundle.data_csv)
    assert portal_schema.check(pkg, schema) == []
    assert pkg["license_id"] == "Open Data Common"
    assert isinstance(pkg["objective"], list) and isinstance(pkg["data_language"], list)
    assert pkg["title"] == bundle.dataset.title_th
    assert bundle.dataset.title in pkg["notes"]  # the English title goes into the description
    # Buddhist-Era years come from the data.
    assert 2560 <= int(pkg["first_year_of_data"]) <= int(pkg["last_year_of_data"]) <= 2575
    assert tags_of(pkg) == tags_of({"tags": [{"name": t} for t in tags_of(pkg)]})


def _with_gd(dataset, **gd):  # type: ignore[no-untyped-def]
    resource = dict(dataset.resource)
    resource["gdCatalog"] = {**resource["gdCatalog"], **gd}
    return dataclasses.replace(dataset, resource=resource)


def test_problems_name_each_field_with_its_portal_label(catalog: Catalog, schema: dict) -> None:
    bad = _with_gd(
        catalog.get("local-digital-submissions"),
        geoCoverage="ดาวอังคาร",
        objective="พันธกิจหน่วยงาน",  # a multiple-choice field needs a list
        maintainerEmail="not-an-email",
        dataFormat="อื่นๆ",  # "other" without saying what
        tags=["ท้องถิ่น", "ok", "a/b"],  # Thai marks are letters; "/" no portal accepts
        colour="blue",
    )
    pkg = package_dict(bad, "dga-x", "dga")
    del pkg["data_source"]
    problems = {p.field: p for p in portal_schema.check(pkg, schema)}
    assert set(problems) == {
        "geo_coverage", "objective", "maintainer_email", "data_format", "tag_string", "colour", "data_source",
    }
    assert "ขอบเขตเชิงภูมิศาสตร์" in str(problems["geo_coverage"])  # the Thai label
    assert "Geo Coverage" in str(problems["geo_coverage"])
    assert "list" in problems["objective"].message
    assert "data_format_other" in problems["data_format"].message
    assert "a/b" in problems["tag_string"].message and "ท้องถิ่น" not in problems["tag_string"].message
    assert "required" in problems["data_source"].message


def test_tag_string_is_required_on_create_only(catalog: Catalog, schema: dict) -> None:
    pkg = package_dict(catalog.get("local-digital-submissions"), "dga-x", "dga")
    del pkg["tag_string"]
    assert [p.field for p in portal_schema.check(pkg, schema, creating=True)] == ["tag_string"]
    assert portal_schema.check(pkg, schema, creating=False) == []


def test_missing_gd_metadata_is_a_configuration_error(catalog: Catalog) -> None:
    bare = dataclasses.replace(catalog.get("local-digital-submissions"), resource={"name": "x"})
    with pytest.raises(ConfigurationError, match="gdCatalog"):
        package_dict(bare, "dga-x", "dga")
