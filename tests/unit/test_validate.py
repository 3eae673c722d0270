"""Validation: planted errors found exactly, nothing lost, raw input untouched, personal data masked."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from dgti_data.app import process_file
from dgti_data.validate.privacy import MASK
from tests.conftest import TEST_KEY, planted
from tests.personal import found_in, planted_forms


def run(*args, **kwargs):
    return process_file(*args, key=TEST_KEY, **kwargs)


FORMATS = ["csv-utf8-bom", "csv-cp874", "xlsx"]
DATASETS = ["local-digital-submissions", "lao-digital-readiness-survey"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dataset", DATASETS)
def test_messy_sample_finds_exactly_the_planted_errors(make_sample, catalog, tmp_path, dataset, fmt):
    raw = make_sample(dataset, fmt)
    before = hashlib.sha256(raw.read_bytes()).hexdigest()
    outcome = run(raw, catalog, tmp_path)
    found = {(e.row, e.field, e.type) for e in outcome.result.errors}
    assert planted(raw), "the sample should carry planted errors"
    assert found == planted(raw)
    assert not outcome.result.table_errors
    assert hashlib.sha256(raw.read_bytes()).hexdigest() == before, "raw input must never change"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_rows_in_equal_valid_plus_quarantined(make_sample, catalog, tmp_path):
    raw = make_sample("local-digital-submissions", "csv-utf8-bom")
    outcome = run(raw, catalog, tmp_path)
    result = outcome.result
    valid, quarantined = _rows(outcome.data_csv), _rows(result.quarantine_path)
    suppressed = outcome.anonymised.report.k_anonymity.rows_suppressed
    assert len(valid) + suppressed + len(quarantined) == result.rows_read == 1000
    assert len(quarantined) == result.quarantined_rows == len({r for r, _, _ in planted(raw)})
    # every quarantined row says why, and points at its raw row
    bad_rows = {r for r, _, _ in planted(raw)}
    assert {int(q["_raw_row"]) for q in quarantined} == bad_rows
    for q in quarantined:
        reasons = json.loads(q["_errors"])
        assert reasons and all(r["row"] == int(q["_raw_row"]) for r in reasons)
    # nothing valid is lost: valid ids + quarantined ids cover every row's id once
    ids = [r["submission_id"] for r in valid] + [q["submission_id"] for q in quarantined]
    assert len(ids) == 1000


def test_policy_decides_publishability(make_sample, catalog, tmp_path):
    subs = run(make_sample("local-digital-submissions"), catalog, tmp_path / "a")
    survey = run(make_sample("lao-digital-readiness-survey"), catalog, tmp_path / "b")
    assert not subs.result.valid and subs.publishable, "submissions publish their valid rows"
    assert subs.bundle and subs.bundle.name == "publication.json"
    assert not survey.result.valid and not survey.publishable, "the survey blocks on any error"
    assert survey.bundle is None and not (survey.out_dir / "publication.json").exists()
    clean = run(make_sample("lao-digital-readiness-survey", error_rate=0.0), catalog, tmp_path / "c")
    assert clean.result.valid and clean.publishable and clean.result.quarantined_rows == 0
    assert clean.exit_code == 0


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dataset", DATASETS)
def test_nothing_that_leaves_the_machine_shows_personal_values(make_sample, catalog, tmp_path, dataset, fmt):
    """Every planted value, in every form (as written, ASCII digits, digits only, without the
    title...), is absent from each file that leaves the machine; the quarantine, which stays,
    holds them, so the search does find what is there."""
    raw = make_sample(dataset, fmt)
    outcome = run(raw, catalog, tmp_path)
    needles = planted_forms([Path(f"{raw}.manifest.json")])
    assert len(needles) > 500
    leaving = [outcome.json_report, outcome.html_report, outcome.data_csv,
               outcome.out_dir / "anonymisation-report.json", outcome.out_dir / f"{dataset}.schema.json"]
    for report in [r for r in leaving if r is not None]:  # no data CSV when publication is refused
        leaked = list(found_in(report.read_text(encoding="utf-8"), needles))
        assert not leaked, f"{report.name} shows personal values: {leaked[:5]}"
    quarantine = outcome.out_dir / f"{dataset}.quarantine.csv"
    assert any(found_in(quarantine.read_text(encoding="utf-8"), needles))


def test_error_in_personal_field_is_masked(catalog, tmp_path):
    ds = catalog.get("lao-digital-readiness-survey")
    header = [f.source_headers[0] for f in ds.fields]
    good = {
        "response_id": "SRV-2566-000001", "survey_year": "2566", "survey_date": "2023-06-01",
        "lao_code": "2110101", "lao_name": "สมุทรปราการ", "lao_type": "อบจ.", "province_code": "11",
        "region": "ภาคกลาง", "has_website": "มี", "website_url": "https://www.spao.go.th",
        "e_service_count": "3", "e_document_system": "ไม่มี", "internet_bandwidth_mbps": "100",
        "it_staff_count": "2", "digital_budget_thb": "150000", "readiness_level": "3", "obstacles": "",
        "respondent_name": "นายสมชาย ใจดี", "respondent_position": "ปลัด อปท.", "respondent_gender": "ชาย",
        "respondent_age": "45", "respondent_phone": "0812345678",
        "respondent_email": "not-an-email-somchai", "respondent_national_id": "",
    }
    path = tmp_path / "survey.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerow([good[f.name] for f in ds.fields])
    outcome = run(path, catalog, tmp_path / "out", "lao-digital-readiness-survey")
    (error,) = outcome.result.errors
    assert (error.field, error.type, error.value) == ("respondent_email", "type-error", MASK)
    report = outcome.json_report.read_text(encoding="utf-8")
    assert "not-an-email-somchai" not in report and "สมชาย" not in report


def test_missing_required_column_blocks(catalog, tmp_path):
    ds = catalog.get("local-digital-submissions")
    path = tmp_path / "subs.csv"
    path.write_text(",".join(f.source_headers[0] for f in ds.fields if f.name != "lao_code") + "\n",
                    encoding="utf-8")
    outcome = run(path, catalog, tmp_path / "out", ds.name)
    assert [(e.field, e.type) for e in outcome.result.table_errors] == [("lao_code", "missing-label")]
    assert not outcome.publishable


def test_concurrent_files_validate_independently(make_sample, catalog, tmp_path):
    """Flows validate files in parallel threads: no file may see another's validation state."""
    from concurrent.futures import ThreadPoolExecutor

    raws = [make_sample(ds, fmt, rows=300) for ds in DATASETS for fmt in ("csv-utf8-bom", "csv-cp874")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda r: run(r, catalog, tmp_path / r.name), raws * 2))
    for raw, outcome in zip(raws * 2, outcomes, strict=True):
        assert {(e.row, e.field, e.type) for e in outcome.result.errors} == planted(raw)
        assert not outcome.result.table_errors


def test_every_table_export_in_a_folder_gets_an_outcome(make_sample, catalog, tmp_path):
    """Files are picked by the read stage, not by a second list of suffixes: .xls and .ods get its
    clear refusal, .xlsm is read, and files that are no table export (notes) are left alone."""
    import shutil
    import zipfile

    from dgti_data.app import validate_folder

    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(make_sample("lao-digital-readiness-survey", "xlsx", rows=120),
                drop / "lao-digital-readiness-survey-macro.xlsm")
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    (drop / "local-digital-submissions-old.xls").write_bytes(ole2 + b"\0" * 600)
    with zipfile.ZipFile(drop / "local-digital-submissions-calc.ods", "w") as ods:
        ods.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        ods.writestr("content.xml", "<office:document-content/>")
    (drop / "notes.md").write_text("not an export", encoding="utf-8")

    reports = {r.source.name: r for r in validate_folder(drop, catalog, tmp_path / "out", key=TEST_KEY, k=5)}

    assert set(reports) == {"lao-digital-readiness-survey-macro.xlsm", "local-digital-submissions-old.xls",
                            "local-digital-submissions-calc.ods"}
    xls, ods = reports["local-digital-submissions-old.xls"], reports["local-digital-submissions-calc.ods"]
    assert xls.status == "unusable" and "legacy Excel .xls" in xls.reason
    assert ods.status == "unusable" and "OpenDocument spreadsheet" in ods.reason
    assert xls.to_dict() == {"unusable": True, "file": xls.source.name, "reason": xls.reason}
    xlsm = reports["lao-digital-readiness-survey-macro.xlsm"]
    assert xlsm.summary is not None and xlsm.summary.rows_read == 120
    assert xlsm.to_dict()["source"]["file"] == xlsm.source.name
