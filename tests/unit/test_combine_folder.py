"""A drop folder of many files of one dataset: each file reported on its own, the union anonymised
and published as one dataset (the issue's 300 one-office survey files, at a smaller scale here;
``bench/programme_union.py`` runs the 300)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from dgti_data.anonymise import anonymise
from dgti_data.anonymise.policy import load_policy
from dgti_data.app import validate_folder
from dgti_data.combine.dataset import dataset_dir, load_submission, valid_rows_path
from dgti_data.publish.bundle import find_bundles
from tests.conftest import TEST_KEY

SURVEY = "lao-digital-readiness-survey"
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def _sample_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _office(row: list[str]) -> str:
    return "".join(c for c in row[3].translate(_THAI_DIGITS) if c.isdigit())


def _write(path: Path, header: list[str], rows: list[list[str]], mtime: float | None = None) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def one_office_files(sample: Path, drop: Path, files: int) -> None:
    """The sample's rows split into files of one office each, named as offices name them."""
    header, body = _sample_rows(sample)
    by_office: dict[str, list[list[str]]] = {}
    for row in body:
        by_office.setdefault(_office(row), []).append(row)
    drop.mkdir(parents=True)
    for office, rows in list(by_office.items())[:files]:
        _write(drop / f"{SURVEY}-{office}.csv", header, rows)


@pytest.fixture(scope="module")
def small_offices(make_sample, catalog, tmp_path_factory):
    root = tmp_path_factory.mktemp("offices")
    one_office_files(make_sample(SURVEY, rows=120, seed=11, error_rate=0.0), root / "drop", files=60)
    reports = validate_folder(root / "drop", catalog, root / "out", key=TEST_KEY, k=5)
    return root, reports


def test_rows_suppressed_file_by_file_are_published_once_the_union_has_k_5(small_offices, catalog):
    root, reports = small_offices
    dataset = catalog.get(SURVEY)
    assert len(reports) == 60 and {r.status for r in reports} == {"valid"}
    # As before: each office's file anonymised alone publishes nothing (every group is < 5 rows).
    alone = 0
    for r in reports:
        sub = load_submission(valid_rows_path(r.out_dir, SURVEY), r.source.name, 0.0, dataset)
        alone += len(anonymise(sub.frame, sub.row_numbers, dataset, TEST_KEY, 5).frame)
    assert alone == 0
    # The union: one bundle for the dataset, most rows published, every combination shared by ≥ 5.
    (bundle,) = find_bundles(root / "out", catalog)
    assert bundle.dataset.name == SURVEY and bundle.data_csv.parent == dataset_dir(root / "out", SURVEY)
    published = pd.read_csv(bundle.data_csv, dtype=str, keep_default_na=False)
    combined = sum(r.summary.valid_rows for r in reports)
    assert len(published) == bundle.rows and len(published) >= 0.8 * combined
    qis = [fp.name for fp in load_policy(dataset).quasi_identifiers]
    assert qis and published.groupby(qis).size().min() >= 5
    # No personal column reaches the published file.
    assert not {"respondent_name", "respondent_phone", "respondent_national_id"} & set(published.columns)


def test_each_file_report_says_what_becomes_of_its_rows(small_offices):
    root, reports = small_offices
    union_report = dataset_dir(root / "out", SURVEY) / "report.json"
    union = json.loads(union_report.read_text(encoding="utf-8"))["dgti"]
    total = 0
    for r in reports:
        part = r.summary.combined
        doc = json.loads((r.out_dir / "report.json").read_text(encoding="utf-8"))["dgti"]
        assert doc["combined"] == part and part["in_union"]
        assert part["published"] + part["suppressed"] + part["replaced"] + part["held_for_key_conflict"] \
            == part["rows"] == r.summary.valid_rows
        assert r.summary.rows_published == part["published"]
        assert union["files"][r.source.name] == part
        total += part["published"]
        html = (r.out_dir / "report.html").read_text(encoding="utf-8")
        assert "once combined with the dataset's other files" in html
    assert total == union["rows_published"]
    suppressed = [r for r in reports if r.summary.combined["suppressed"]]
    for r in suppressed:  # its own row numbers, the ones the office knows
        assert set(r.summary.combined["suppressed_rows"]) <= {2, 3, 4, 5, 6, 7}


def test_resubmission_conflict_and_a_blocked_file(make_sample, catalog, tmp_path):
    header, body = _sample_rows(make_sample(SURVEY, rows=100, seed=5, error_rate=0.0))
    offices: dict[str, list[str]] = {}
    for row in body:
        offices.setdefault(_office(row), row)
    a, b, c, d, *rest = list(offices.values())
    drop = tmp_path / "drop"
    drop.mkdir()
    _write(drop / "round-1.csv", header, [a, b], mtime=1_000_000)
    again = [*a]
    again[0] = "SRV-2567-999001"
    _write(drop / "resent.csv", header, [again], mtime=2_000_000)  # office of a, newer
    clash = [*d]
    clash[0] = c[0]  # another office sends the same response id
    _write(drop / "office-c.csv", header, [c])
    _write(drop / "office-d.csv", header, [clash])
    bad = [*rest[0]]
    bad[3] = "9999999"  # not in the register: the survey's policy blocks such a file
    _write(drop / "office-bad.csv", header, [bad])
    for i, row in enumerate(rest[1:25]):
        _write(drop / f"{SURVEY}-{i}.csv", header, [row])

    reports = {r.source.name: r for r in validate_folder(drop, catalog, tmp_path / "out", key=TEST_KEY, k=5)}
    first = reports["round-1.csv"].summary.combined
    assert first["replaced"] == 1 and first["replaced_by"] == ["resent.csv"]
    for name in ("office-c.csv", "office-d.csv"):
        part = reports[name].summary.combined
        assert part["held_for_key_conflict"] == 1 and part["published"] == 0
        assert part["held_keys"] == [f"{c[0].strip()} (row 2)"]
    blocked = reports["office-bad.csv"]
    assert blocked.status == "invalid" and not blocked.summary.combined["in_union"]
    assert "policy blocks" in blocked.summary.combined["withheld"]
    union = json.loads((dataset_dir(tmp_path / "out", SURVEY) / "report.json").read_text(encoding="utf-8"))
    assert union["dgti"]["union"]["conflict_count"] == 1
    assert union["dgti"]["quarantined_rows"] == 1
    (bundle,) = find_bundles(tmp_path / "out", catalog)
    published = pd.read_csv(bundle.data_csv, dtype=str, keep_default_na=False)
    assert c[0].strip() not in set(published["response_id"])  # never resolved silently
    assert a[0].strip() not in set(published["response_id"])  # replaced by the office's newer file


def test_coverage_counts_offices_of_the_register_per_round_province_and_type(small_offices, catalog):
    root, reports = small_offices
    folder = dataset_dir(root / "out", SURVEY)
    union = pd.concat([load_submission(valid_rows_path(r.out_dir, SURVEY), r.source.name, 0.0,
                                       catalog.get(SURVEY)).frame for r in reports])
    sent = union.groupby("survey_year")["lao_code"].agg(set)
    register = pd.read_csv(catalog.root / "reference" / "lao-registry.csv", dtype=str)
    counts = pd.read_csv(folder / "coverage.csv", dtype={"round": str, "province_code": str})
    local = {rc["round"]: rc for rc in json.loads((folder / "coverage.json").read_text(encoding="utf-8"))}
    assert set(local) == set(sent.index) == set(counts["round"])
    for rnd, offices in sent.items():
        rows = counts[counts["round"] == rnd]
        assert rows["offices"].sum() == len(register) == local[rnd]["expected"]
        assert rows["submitted"].sum() == len(offices & set(register["lao_code"])) == local[rnd]["submitted"]
        assert set(local[rnd]["missing"]) == set(register["lao_code"]) - offices
        one = register[register["lao_code"] == sorted(offices)[0]].iloc[0]
        cell = rows[(rows["province_code"] == one["province_code"]) & (rows["lao_type"] == one["lao_type"])]
        assert int(cell["submitted"].iloc[0]) >= 1
    # The published resource holds counts only: no code of an office, no respondent column.
    assert list(counts.columns) == ["round", "province_code", "province_th", "province_en", "lao_type",
                                    "offices", "submitted", "missing"]
    (bundle,) = find_bundles(root / "out", catalog)
    assert folder / "coverage.csv" in bundle.reports and folder / "coverage.json" not in bundle.reports
    assert "offices that have submitted" in (folder / "report.html").read_text(encoding="utf-8")


def test_an_office_whose_rows_were_all_quarantined_has_submitted(make_sample, catalog, tmp_path):
    """Coverage counts the offices that sent a file, not only those with valid rows: an office whose
    every row was quarantined is 'submitted' (with its quarantined rows, locally), never 'missing'."""
    header, body = _sample_rows(make_sample(SURVEY, rows=100, seed=17, error_rate=0.0))
    by_office: dict[str, list[list[str]]] = {}
    for row in body:
        by_office.setdefault(_office(row), []).append(row)
    drop = tmp_path / "drop"
    drop.mkdir()
    (bad_office, bad_rows), *others = list(by_office.items())[:12]
    region = 7  # the schema's enum of regions: a region no office is in quarantines the row
    _write(drop / f"{SURVEY}-{bad_office}.csv", header,
           [[*r[:region], "ภาคที่ไม่มีอยู่จริง", *r[region + 1:]] for r in bad_rows])
    for office, rows in others:
        _write(drop / f"{SURVEY}-{office}.csv", header, rows)

    reports = {r.source.name: r for r in validate_folder(drop, catalog, tmp_path / "out", key=TEST_KEY, k=5)}
    bad = reports[f"{SURVEY}-{bad_office}.csv"].summary
    assert bad.valid_rows == 0 and bad.quarantined_rows == len(bad_rows)
    folder = dataset_dir(tmp_path / "out", SURVEY)
    local = json.loads((folder / "coverage.json").read_text(encoding="utf-8"))
    register = set(pd.read_csv(catalog.root / "reference" / "lao-registry.csv", dtype=str)["lao_code"])
    assert bad_office in register
    for r in local:
        assert r["submitted"] == r["expected"] - len(r["missing"])
    submitted = sum(rc["submitted"] for rc in local)
    (rc,) = [rc for rc in local if bad_office in rc["quarantined_only"]]
    assert rc["quarantined_only"] == {bad_office: len(bad_rows)}
    assert rc["submitted_all_rows_quarantined"] == 1
    assert all(bad_office not in r["missing"] for r in local)
    counts = pd.read_csv(folder / "coverage.csv", dtype={"round": str, "province_code": str})
    assert counts["submitted"].sum() == submitted
    # Published: the counts, never which office sent only quarantined rows.
    published = json.loads((folder / "report.json").read_text(encoding="utf-8"))["dgti"]["coverage"]
    assert [p["submitted_all_rows_quarantined"] for p in published] == [r["submitted_all_rows_quarantined"]
                                                                        for r in local]
    assert bad_office not in json.dumps(published)
    assert "sent only quarantined rows" in (folder / "report.html").read_text(encoding="utf-8")


def test_a_quarantined_row_whose_round_is_the_error_makes_no_round_of_its_own(catalog):
    from dgti_data.combine.coverage import coverage

    register = pd.read_csv(catalog.root / "reference" / "lao-registry.csv", dtype=str)["lao_code"].tolist()
    a, b, c, d = register[:4]
    union = pd.DataFrame({"lao_code": [a], "survey_year": ["2567"]}, dtype=object)
    rounds = coverage(union, "lao_code", "survey_year", catalog.root / "reference",
                      [(b, "2567"), (b, "2567"), (c, ""), (d, "2657")])
    (rc,) = rounds  # no "" or "2657" round beside the union's
    assert rc.round == "2567" and rc.submitted == 2 and rc.quarantined_only == {b: 2}
    assert c in rc.missing and d in rc.missing
    # With no valid row at all, the quarantined rows' rounds are the only rounds there are.
    empty = union.iloc[0:0]
    assert [r.round for r in coverage(empty, "lao_code", "survey_year", catalog.root / "reference",
                                      [(b, "2567"), (c, "2568")])] == ["2567", "2568"]
