"""Which dataset a file is: its name says, or its header decides above a threshold; an unmatched
or ambiguous header is refused with every dataset's score, never guessed."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from dgti_data.app import detect_dataset, process_file, validate_folder
from dgti_data.app.process import DETECT_MARGIN, DETECT_MIN_SHARE
from dgti_data.cli import main
from dgti_data.errors import UnusableInputError
from tests.conftest import TEST_KEY

SURVEY = "lao-digital-readiness-survey"
SUBMISSIONS = "local-digital-submissions"
# Office and contact columns: both schemas have them, so a header of these alone is ambiguous.
SHARED = ["รหัส อปท.", "ชื่ออปท", "ประเภทอปท", "รหัสจังหวัด", "ภาค", "ตำแหน่ง", "เบอร์โทรศัพท์", "อีเมล",
          "เลขประจำตัวประชาชน"]


@pytest.mark.parametrize(("fmt", "office"), [("csv-cp874", False), ("xlsx", True)])
def test_a_file_named_as_an_office_likes_is_told_by_its_header(make_sample, catalog, tmp_path, fmt, office):
    raw = make_sample(SURVEY, fmt, rows=200, seed=3, office=office)
    renamed = tmp_path / f"ส่งข้อมูล-อบต-2567{raw.suffix}"
    shutil.copy(raw, renamed)
    done = process_file(renamed, catalog, tmp_path / "out", key=TEST_KEY)
    assert done.dataset.name == SURVEY and done.result.rows_read == 200


def test_a_header_matching_two_datasets_is_refused_as_ambiguous(catalog, tmp_path):
    fields = [f for name in (SUBMISSIONS, SURVEY) for f in catalog.get(name).fields]
    both = list(dict.fromkeys(f.source_headers[0] for f in fields))
    path = tmp_path / "export.csv"
    path.write_text(",".join(both) + "\n" + ",".join(["x"] * len(both)) + "\n", encoding="utf-8")
    with pytest.raises(UnusableInputError, match=r"more than one dataset about as well .*22 of 22 fields"):
        process_file(path, catalog, tmp_path / "out", key=TEST_KEY)


def test_a_header_of_shared_columns_only_is_refused_with_the_scores(catalog, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(",".join(SHARED) + "\n" + ",".join(["x"] * len(SHARED)) + "\n", encoding="utf-8")
    with pytest.raises(UnusableInputError) as caught:
        process_file(path, catalog, tmp_path / "out", key=TEST_KEY)
    reason = caught.value.reason
    assert reason.startswith("cannot tell which dataset") and "matches no dataset well enough" in reason
    assert f"{SUBMISSIONS} 9 of 22 fields" in reason and f"{SURVEY} 9 of 24 fields" in reason

    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copy(path, drop / path.name)
    (report,) = validate_folder(drop, catalog, tmp_path / "results", key=TEST_KEY, k=5)
    assert report.status == "unusable" and "9 of 22 fields" in report.reason

    result = CliRunner().invoke(main, ["validate", str(path), "--report-dir", str(tmp_path / "cli")])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "9 of 24 fields" in lines[0]
    assert not (tmp_path / "cli").exists()


def test_an_unmatched_header_is_refused_with_the_scores(catalog, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    with pytest.raises(UnusableInputError, match=f"matches no dataset well enough .*{SUBMISSIONS} 0 of 22"):
        process_file(path, catalog, tmp_path / "out", key=TEST_KEY)


def test_a_name_the_header_contradicts_is_refused_with_the_scores(make_sample, catalog, tmp_path):
    """An office's survey export sent under the submissions' name is not validated as submissions
    (every row would be quarantined): refused with the scores; --dataset still decides."""
    raw = make_sample(SURVEY, "csv-utf8-bom", rows=100)
    named = tmp_path / f"{SUBMISSIONS}-from-a-survey.csv"
    shutil.copy(raw, named)
    with pytest.raises(UnusableInputError, match=f"its name says {SUBMISSIONS} but its header is {SURVEY}'s"):
        process_file(named, catalog, tmp_path / "out", key=TEST_KEY)
    chosen = process_file(named, catalog, tmp_path / "out", dataset_name=SURVEY, key=TEST_KEY)
    assert chosen.dataset.name == SURVEY


def test_thresholds(catalog, tmp_path):
    path = tmp_path / "x.csv"
    half = round(22 * DETECT_MIN_SHARE)
    assert detect_dataset(path, {SUBMISSIONS: (half, 22), SURVEY: (2, 24)}, catalog).name == SUBMISSIONS
    with pytest.raises(UnusableInputError, match="no dataset well enough"):
        detect_dataset(path, {SUBMISSIONS: (half - 1, 22), SURVEY: (0, 24)}, catalog)
    close = round(24 * (half / 22 - DETECT_MARGIN)) + 1
    with pytest.raises(UnusableInputError, match="more than one dataset"):
        detect_dataset(path, {SUBMISSIONS: (half, 22), SURVEY: (close, 24)}, catalog)
