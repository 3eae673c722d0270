"""Quality over time: each run's counts per dataset and office appended beside the results, drawn
in the steward's local view, and never a change to what is published."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from dgti_data import app
from dgti_data.publish.digest import content_digest
from dgti_data.report.history import (
    HISTORY_FILE,
    UNKNOWN_OFFICE,
    FileCounts,
    OfficeCounts,
    append_run,
    office_counts,
    read_history,
)
from dgti_data.report.trend import QUALITY_FILE, chart, direction, office_rows, series, when
from tests.conftest import TEST_KEY, planted

SUBMISSIONS = "local-digital-submissions"


def counts(quarantined: int, errors: int, offices: dict[str, OfficeCounts] | None = None,
           dataset: str = SUBMISSIONS) -> FileCounts:
    return FileCounts(dataset, "partial", 100, 100 - quarantined, quarantined, errors, 100 - quarantined,
                      {"constraint-error": errors}, offices or {})


def test_office_counts_follow_the_raw_rows_and_keep_only_real_codes() -> None:
    offices = ["2110101", "2110101", "9999999", None, "2130101"]
    rows = [2, 3, 4, 5, 6]  # raw row numbers of the table's rows
    got = office_counts(offices, rows, valid_index=[0, 4], error_rows=[3, 3, 4, 5, None],
                        bad_office_rows=[4])
    assert got == {
        "2110101": OfficeCounts(rows=2, quarantined=1, errors=2),
        "2130101": OfficeCounts(rows=1, quarantined=0, errors=0),
        # a code not in the register (row 4), an empty one (row 5) and a table-level error
        UNKNOWN_OFFICE: OfficeCounts(rows=2, quarantined=2, errors=3),
    }


def test_runs_append_read_back_and_the_oldest_are_dropped(tmp_path) -> None:
    t0 = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)
    for i in range(5):
        append_run(tmp_path, [counts(i, i + 1), counts(1, 1, dataset="other")], now=t0 + dt.timedelta(days=i),
                   keep=3)
    history = read_history(tmp_path)
    assert [r.run[:10] for r in history] == ["2026-12-03", "2026-12-04", "2026-12-05"]
    assert [f.quarantined_rows for r in history for f in r.files if f.dataset == SUBMISSIONS] == [2, 3, 4]
    # two runs in the same second stay two runs; a damaged line (a run killed mid-write) is skipped
    same = t0 + dt.timedelta(days=4)
    append_run(tmp_path, [counts(9, 9)], now=same, keep=10)
    with (tmp_path / HISTORY_FILE).open("a", encoding="utf-8") as fh:
        fh.write('{"run": "2026-12-06T00:00:00+00:00", "file": {"dataset": \n')
    history = read_history(tmp_path)
    assert len(history) == 4 and history[-1].run.endswith("#1")
    assert history[-1].files[0].quarantined_rows == 9


def test_the_trend_draws_the_last_30_runs_and_says_which_way_it_goes(tmp_path) -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(35):
        append_run(tmp_path, [counts(40 - i, 50 - i, {"2110101": OfficeCounts(5, 40 - i, 50 - i)})],
                   now=t0 + dt.timedelta(days=i))
    history = read_history(tmp_path)
    points = series(history, SUBMISSIONS)
    assert len(points) == 30 and points[0].quarantined == 35 and points[-1].quarantined == 6
    svg = str(chart(points))
    assert svg.count("<circle") == 60  # errors and quarantined rows, one point each per run
    assert "ข้อผิดพลาด / errors" in svg and "แถวที่กักกัน / quarantined rows" in svg
    assert ">45<" in svg  # the y axis: the highest count drawn (errors of the oldest run shown)
    assert direction(points) == ("ดีขึ้นจากรอบก่อน", "better than the run before")
    (office,) = office_rows(history, SUBMISSIONS, {"2110101": "อบจ.สมุทรปราการ"})
    assert (office.name, office.quarantined, office.previous) == ("อบจ.สมุทรปราการ", 6, 7)
    assert len(office.series) == 30
    assert when("2026-12-03T17:30:00+00:00") == "4/12/2569 00:30"  # Buddhist Era, Bangkok time


def test_a_run_recorded_changes_no_published_report_and_holds_no_row_value(
    make_sample, catalog, tmp_path
) -> None:
    raw = make_sample(SUBMISSIONS, rows=300, error_rate=0.05)
    results = tmp_path / "results"
    published: list[dict[str, str]] = []
    for _ in range(2):
        report = app.validate_file(raw, catalog, results, key=TEST_KEY, k=5)
        assert app.record_run(results, [report], catalog) == results / QUALITY_FILE
        bundle = json.loads((report.out_dir / "publication.json").read_text(encoding="utf-8"))
        published.append({p: content_digest(report.out_dir / p) for p in bundle["reports"]})
    assert published[0] == published[1]  # what CKAN compares: the history is in none of them
    assert all("quality" not in p for p in published[0])

    history = read_history(results)
    assert len(history) == 2
    (file,) = history[-1].files
    assert (file.rows_read, file.errors) == (300, len(planted(raw)))
    assert sum(o.rows for o in file.offices.values()) == 300
    assert sum(o.errors for o in file.offices.values()) == file.errors
    assert sum(o.quarantined for o in file.offices.values()) == file.quarantined_rows
    # Counts only: office codes, numbers and the dataset's name, no cell of the file.
    line = json.loads((results / HISTORY_FILE).read_text(encoding="utf-8").splitlines()[-1])
    strings = {s for s in re.findall(r'"([^"]*)"', json.dumps(line, ensure_ascii=False))}
    assert all(s.isdigit() or s.isascii() for s in strings), strings
    assert raw.name not in json.dumps(line)
    view = (results / QUALITY_FILE).read_text(encoding="utf-8")
    assert "ไม่เผยแพร่" in view and "local-digital-submissions-csv-utf8-bom" in view  # the report link


def test_a_history_that_cannot_be_written_never_fails_the_run(make_sample, catalog, tmp_path) -> None:
    raw = make_sample(SUBMISSIONS, rows=300, error_rate=0.05)
    report = app.validate_file(raw, catalog, tmp_path / "out", key=TEST_KEY, k=5)
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    assert app.record_run(blocked, [report], catalog) is None
    assert app.record_run(tmp_path / "out", [app.failed(raw, RuntimeError("x"))], catalog) is None


@pytest.mark.parametrize("text", ["", "not json\n", '{"run": 1}\n'])
def test_a_damaged_history_starts_again(tmp_path, text) -> None:
    (tmp_path / HISTORY_FILE).write_text(text, encoding="utf-8")
    assert read_history(tmp_path) == []
    assert len(append_run(tmp_path, [counts(1, 1)])) == 1
