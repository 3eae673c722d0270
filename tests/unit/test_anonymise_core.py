"""The anonymise stage on small frames: columns, row mapping, invalid values, leak gate, report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pydantic import SecretStr

from dgti_data.anonymise import INVALID, anonymise
from dgti_data.anonymise.leakgate import Leak, scan
from dgti_data.anonymise.redact import known_value
from dgti_data.datasets import Catalog
from dgti_data.errors import ConfigurationError

SUBMISSIONS = "local-digital-submissions"
SURVEY = "lao-digital-readiness-survey"
KEY = SecretStr("core-test-key-0123456789")
PERSONAL = ["นายสมชาย ใจดี", "081-234-5678", "somchai.j@gmail.com", "1-1014-00123-45-1", "somchai99"]


def submission(i: int, **over: str | None) -> dict[str, str | None]:
    row = {
        "submission_id": f"DGTi-2566-{i:06d}", "contest_year": "2566", "submitted_date": "2023-05-01",
        "lao_code": "5200101", "lao_name": "เทศบาลตำบลบ้านดู่", "lao_type": "เทศบาลตำบล",
        "province_code": "20", "region": "ภาคกลาง", "category": "ด้านการบริการประชาชน",
        "project_title": "ระบบจองคิวออนไลน์", "summary": "ลดเวลารอจาก 45 นาทีเหลือ 10 นาที งบ 1,250,000 บาท",
        "service_channels": "เว็บไซต์;LINE OA", "launch_date": "2023-01-10", "people_served": "3245",
        "budget_thb": "1250000", "screening_status": "ผ่านการคัดกรอง", "award": "รางวัลชมเชย",
        "contact_name": "นายสมชาย ใจดี", "contact_position": "ปลัดเทศบาล", "contact_phone": "081-234-5678",
        "contact_email": "somchai.j@gmail.com", "contact_national_id": "1-1014-00123-45-1",
    }
    row.update(over)
    return row


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows), dtype=object)


def test_published_columns_and_rows(catalog: Catalog) -> None:
    ds = catalog.get(SUBMISSIONS)
    f = frame(
        submission(1, summary="ติดต่อ นายสมชาย ใจดี โทร ๐๘๑-๒๓๔-๕๖๗๘ LINE: somchai99 อีเมล somchai.j@gmail.com"),
        submission(2, summary="สมชาย ใจดี เป็นผู้ดูแล เลขบัตร 1101400123451"),
        submission(3, contact_email="-", summary=None),
    ).assign(extra_column="นายสมชาย ใจดี")
    result = anonymise(f, [10, 11, 12], ds, KEY)
    assert list(result.frame.columns) == [x["name"] for x in result.published_schema["fields"]]
    assert "contact_name" not in result.frame.columns and "extra_column" not in result.frame.columns
    assert result.row_numbers == [10, 11, 12]
    assert not result.blocked
    blob = result.frame.to_csv() + json.dumps(result.report.to_dict(), ensure_ascii=False)
    for value in [*PERSONAL, "0812345678", "๐๘๑-๒๓๔-๕๖๗๘", "1101400123451", "สมชาย"]:
        assert value not in blob
    assert result.frame.loc[0, "summary"] == (
        "ติดต่อ [ชื่อบุคคล] โทร [โทรศัพท์] LINE: [ไลน์ไอดี] อีเมล [อีเมล]")
    assert result.frame.loc[1, "summary"] == "[ชื่อบุคคล] เป็นผู้ดูแล เลขบัตร [เลขบัตรประชาชน]"
    assert result.frame.loc[0, "contact_email"] == result.frame.loc[1, "contact_email"]  # one person
    assert result.frame.loc[2, "contact_email"] is None  # "-" is a missing value
    assert result.frame.loc[0, "summary"] is not None and result.frame.loc[2, "summary"] is None
    report = result.report.to_dict()
    assert report["unexpected_columns"] == ["extra_column"]
    assert report["redactions_by_kind"] == {"email": 1, "line_id": 1, "name": 2, "national_id": 1, "phone": 1}
    summary = next(f for f in report["fields"] if f["field"] == "summary")
    assert summary["changed"] == 2 and summary["non_empty"] == 2
    assert report["key_id"] and KEY.get_secret_value() not in json.dumps(report)


def test_missing_key_is_a_configuration_error(catalog: Catalog) -> None:
    with pytest.raises(ConfigurationError, match="key"):
        anonymise(frame(submission(1)), [2], catalog.get(SUBMISSIONS), None)


def test_survey_needs_no_key(catalog: Catalog) -> None:
    f = pd.DataFrame([{"response_id": "SRV-2566-000001", "respondent_age": "45", "region": "ภาคกลาง"}])
    result = anonymise(f, [2], catalog.get(SURVEY), None, k=1)
    assert result.frame.loc[0, "respondent_age"] == "40-49"
    assert result.report.missing_columns  # the frame lacks most fields: they are empty, not an error


def test_invalid_values_do_not_crash_and_are_not_published(catalog: Catalog) -> None:
    f = frame(submission(1, contact_email="somchai at home", project_title="x" * 300))
    result = anonymise(f, [2], catalog.get(SUBMISSIONS), KEY)
    assert result.frame.loc[0, "contact_email"] == INVALID
    assert result.frame.loc[0, "project_title"] == "x" * 300  # validation flags maxLength
    assert "somchai" not in result.frame.to_csv()


def test_leak_in_a_kept_field_blocks_and_names_field_and_row(catalog: Catalog, tmp_path: Path) -> None:
    f = frame(submission(1), submission(2, lao_name="เทศบาลตำบลบ้านดู่ โทร 081-999-8888"),
              submission(3, lao_name="สมชาย ใจดี"))
    result = anonymise(f, [5, 6, 7], catalog.get(SUBMISSIONS), KEY)
    assert result.blocked
    assert Leak("lao_name", 6, "phone") in result.leaks
    assert Leak("lao_name", 7, "name", "known-value") in result.leaks
    paths = result.write(tmp_path, SUBMISSIONS)
    assert "csv" not in paths and not (tmp_path / f"{SUBMISSIONS}.csv").exists()
    report = paths["report"].read_text(encoding="utf-8")
    assert json.loads(report)["blocked"] is True
    assert "081-999-8888" not in report and "สมชาย" not in report


def test_write_when_clean(catalog: Catalog, tmp_path: Path) -> None:
    result = anonymise(frame(submission(1)), [2], catalog.get(SUBMISSIONS), KEY)
    paths = result.write(tmp_path, SUBMISSIONS)
    header = paths["csv"].read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == [f["name"] for f in json.loads(paths["schema"].read_text(encoding="utf-8"))["fields"]]


def test_scan_directly() -> None:
    f = pd.DataFrame({"a": ["ok", "โทร 0812345678", None], "b": ["x", "y", "z 1101400123451"]})
    leaks = scan(f, [2, 3, 4])
    assert leaks == [Leak("a", 3, "phone"), Leak("b", 4, "national_id")]
    known = [[], [], [known_value("phone", "0899999999")]]
    f2 = pd.DataFrame({"t": ["a", "b", "เบอร์ 089 999 9999 (ไม่ใช่รูปแบบปกติ)"]})
    assert scan(f2, [2, 3, 4], known, ["t"]) == [Leak("t", 4, "phone")]
    f3 = pd.DataFrame({"t": ["a", "b", "รหัส A0899999999"]})  # inside a word: only the known value finds it
    assert scan(f3, [2, 3, 4], known, ["t"]) == [Leak("t", 4, "phone", "known-value")]


def test_report_markdown(catalog: Catalog) -> None:
    result = anonymise(frame(submission(1)), [2], catalog.get(SUBMISSIONS), KEY)
    md = result.report.to_markdown()
    assert "Anonymisation" in md and "contact_email" in md and "pseudonymised" in md
