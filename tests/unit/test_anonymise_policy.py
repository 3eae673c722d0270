"""Policy as data: treatments read from the schema, fail closed, published schema derived."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pydantic import SecretStr

from dgti_data.anonymise import anonymise, load_policy, published_schema
from dgti_data.anonymise.pseudonym import PATTERN
from dgti_data.datasets import Catalog, load_catalog
from dgti_data.errors import ConfigurationError
from dgti_data.settings import PROJECT_ROOT

SURVEY = "lao-digital-readiness-survey"
SUBMISSIONS = "local-digital-submissions"


def modified_catalog(tmp_path: Path, dataset: str, edit) -> Catalog:
    """A copy of schemas/ with one dataset schema changed by ``edit(schema_dict)``."""
    root = tmp_path / "schemas"
    shutil.copytree(PROJECT_ROOT / "schemas", root)
    path = root / f"{dataset}.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    return load_catalog(root)


def test_every_raw_field_of_the_real_schemas_has_a_treatment(catalog: Catalog) -> None:
    for name in catalog.names():
        policy = load_policy(catalog.get(name))
        assert {f.treatment for f in policy.fields} <= {"keep", "drop", "pseudonymise", "generalise",
                                                       "redact"}


def test_a_field_without_treatment_stops_the_run(tmp_path: Path) -> None:
    def add_field(schema: dict) -> None:
        schema["fields"].append({"name": "respondent_line_id", "type": "string", "title": "LINE ID"})

    cat = modified_catalog(tmp_path, SURVEY, add_field)
    ds = cat.get(SURVEY)
    with pytest.raises(ConfigurationError) as err:
        load_policy(ds)
    message = str(err.value)
    assert "respondent_line_id" in message and "lao-digital-readiness-survey.schema.json" in message
    assert "treatment" in message
    with pytest.raises(ConfigurationError):
        published_schema(ds)
    import pandas as pd
    with pytest.raises(ConfigurationError):
        anonymise(pd.DataFrame({"response_id": ["SRV-2566-000001"]}), [2], ds, SecretStr("k" * 32))


@pytest.mark.parametrize(("change", "words"), [
    ({"treatment": "hide"}, "unknown treatment"),
    ({"treatment": "generalise"}, "needs a \"generalise\" property"),
    ({"treatment": "generalise", "generalise": {"to": "band", "bands": [40, 30]}}, "increasing"),
    ({"treatment": "generalise", "generalise": {"to": "month"}}, "needs a date field"),
    ({"treatment": "keep", "personalData": "name"}, "use drop or pseudonymise"),
    ({"treatment": "generalise", "generalise": {"to": "band", "bands": [0, 10]},
      "quasiIdentifier": True, "kAnonymityLadder": [{"to": "suppress"}, {"to": "band", "bands": [0, 5]}]},
     "last step"),
    ({"treatment": "drop", "quasiIdentifier": True}, "quasi-identifier"),
    ({"treatment": "keep", "kAnonymityLadder": [{"to": "suppress"}]}, "without \"quasiIdentifier\""),
])
def test_malformed_policies_are_refused(tmp_path: Path, change: dict, words: str) -> None:
    def edit(schema: dict) -> None:
        field = next(f for f in schema["fields"] if f["name"] == "it_staff_count")
        field.pop("treatment")
        field.update(change)

    with pytest.raises(ConfigurationError, match="it_staff_count") as err:
        load_policy(modified_catalog(tmp_path, SURVEY, edit).get(SURVEY))
    assert words in str(err.value)


def test_published_survey_schema(catalog: Catalog) -> None:
    schema = published_schema(catalog.get(SURVEY))
    names = [f["name"] for f in schema["fields"]]
    for dropped in ("respondent_name", "respondent_phone", "respondent_email", "respondent_national_id"):
        assert dropped not in names
    fields = {f["name"]: f for f in schema["fields"]}
    age = fields["respondent_age"]
    assert age["type"] == "string"
    assert age["constraints"]["enum"] == ["18-29", "30-39", "40-49", "50-59", "60-75", "18-39", "40-59"]
    assert fields["respondent_position"]["constraints"]["enum"] == ["ผู้บริหาร", "ผู้ปฏิบัติงานและอื่นๆ"]
    assert "required" not in fields["respondent_gender"].get("constraints", {})
    assert fields["region"]["constraints"]["required"] is True  # a QI that cannot be suppressed
    assert fields["obstacles"]["type"] == "string"
    assert "[โทรศัพท์]" in fields["obstacles"]["descriptionTh"]
    assert fields["respondent_age"]["titleTh"] == "อายุผู้ตอบ (ปี)"
    for f in schema["fields"]:
        assert f["treatment"] == "keep"
        assert "sourceHeaders" not in f and "generalise" not in f and "personalData" not in f
        assert "anonymisation" in f
    assert schema["primaryKey"] == ["response_id"]
    assert [fk["fields"] for fk in schema["foreignKeys"]] == ["lao_code", "province_code"]
    assert "(published, anonymised)" in schema["title"]
    assert schema["anonymisation"]["derivedFrom"] == "lao-digital-readiness-survey.schema.json"


def test_published_submissions_schema(catalog: Catalog) -> None:
    fields = {f["name"]: f for f in published_schema(catalog.get(SUBMISSIONS))["fields"]}
    assert fields["contact_email"]["type"] == "string"
    assert fields["contact_email"]["constraints"] == {"pattern": PATTERN}
    assert "format" not in fields["contact_email"]
    assert "contact_name" not in fields and "contact_national_id" not in fields
    assert fields["budget_thb"]["type"] == "number"  # kept fields keep type and constraints
    assert fields["budget_thb"]["constraints"] == {"minimum": 0, "maximum": 500000000}


def test_published_schema_follows_the_raw_one(tmp_path: Path) -> None:
    """Adding a field to the raw schema adds (or, when dropped, omits) it in the published one."""
    def add(treatment: str, extra: dict | None = None):
        def edit(schema: dict) -> None:
            schema["fields"].append({"name": "launch_month", "type": "date", "title": "Launch",
                                     "treatment": treatment, **(extra or {})})
        return edit

    kept = published_schema(modified_catalog(tmp_path / "a", SUBMISSIONS, add("keep")).get(SUBMISSIONS))
    assert kept["fields"][-1]["name"] == "launch_month" and kept["fields"][-1]["type"] == "date"
    dropped = published_schema(modified_catalog(tmp_path / "b", SUBMISSIONS, add("drop")).get(SUBMISSIONS))
    assert "launch_month" not in [f["name"] for f in dropped["fields"]]
    month = published_schema(modified_catalog(
        tmp_path / "c", SUBMISSIONS, add("generalise", {"generalise": {"to": "month"}})).get(SUBMISSIONS))
    field = month["fields"][-1]
    assert field["type"] == "string" and field["constraints"]["pattern"] == "[0-9]{4}-(0[1-9]|1[0-2])"


def test_dropping_a_key_field_drops_the_key(tmp_path: Path) -> None:
    def edit(schema: dict) -> None:
        next(f for f in schema["fields"] if f["name"] == "lao_code")["treatment"] = "drop"

    schema = published_schema(modified_catalog(tmp_path, SURVEY, edit).get(SURVEY))
    assert [fk["fields"] for fk in schema["foreignKeys"]] == ["province_code"]


def test_published_schemas_are_valid_table_schemas(catalog: Catalog) -> None:
    import frictionless

    for name in catalog.names():
        report = frictionless.Schema.validate_descriptor(published_schema(catalog.get(name)))
        assert report.valid, report.flatten(["message"])
