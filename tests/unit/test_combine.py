"""Many files, one dataset: the combination rule declared in schemas/, and the union it makes."""

from __future__ import annotations

import dataclasses
import random

import pandas as pd
import pytest

from dgti_data.combine import CombineRule, Submission, combine_rule, union_submissions
from dgti_data.errors import ConfigurationError

SUBMISSIONS = "local-digital-submissions"


def test_every_dataset_declares_how_its_submissions_combine(catalog):
    rounds = {SUBMISSIONS: "contest_year", "lao-digital-readiness-survey": "survey_year"}
    for name in catalog.names():
        rule = combine_rule(catalog.get(name))
        assert rule == CombineRule("lao_code", "replace-office-rows", "hold-and-report", rounds[name])


@pytest.mark.parametrize(("spec", "message"), [
    ({"officeField": "office"}, "'office' is not a field"),
    ({"officeField": "lao_code", "roundField": "round"}, "roundField 'round' is not a field"),
    ({"officeField": "lao_code", "onResubmission": "append"}, "onResubmission 'append'"),
    ({"officeField": "lao_code", "onKeyConflict": "last-wins"}, "onKeyConflict 'last-wins'"),
    ({"onResubmission": "replace-office-rows"}, "needs an object with officeField"),
])
def test_a_rule_the_code_does_not_know_stops_the_run(catalog, spec, message):
    dataset = catalog.get(SUBMISSIONS)
    broken = dataclasses.replace(dataset, resource={**dataset.resource, "submissions": spec})
    with pytest.raises(ConfigurationError, match=message):
        combine_rule(broken)


def _file(catalog, name, received, rows):
    """rows: (row number in the office's file, submission id, lao_code)."""
    fields = catalog.get(SUBMISSIONS).field_names
    frame = pd.DataFrame([{f: None for f in fields} | {"submission_id": key, "lao_code": office,
                                                         "project_title": f"{name}:{row}"}
                          for row, key, office in rows], columns=fields)
    return Submission(name, received, frame, [row for row, _, _ in rows])


def test_a_resubmission_replaces_that_offices_rows_and_nothing_else(catalog):
    dataset = catalog.get(SUBMISSIONS)
    first = _file(catalog, "round1.xlsx", 1.0, [(6, "A-1", "1100101"), (7, "A-2", "2200202")])
    again = _file(catalog, "office-1100101.csv", 2.0, [(2, "A-3", "1100101")])
    union = union_submissions(dataset, combine_rule(dataset), [again, first])
    assert list(union.frame["submission_id"]) == ["A-2", "A-3"]
    assert union.sources == [("round1.xlsx", 7), ("office-1100101.csv", 2)]
    assert union.replaced == {"round1.xlsx": {"office-1100101.csv": 1}}
    assert union.files["round1.xlsx"] == {"rows": 2, "kept": 1, "replaced": 1, "held": 0}
    assert not union.conflicts
    assert union.lines() == ["round1.xlsx: 1 row(s) replaced by the newer submission office-1100101.csv "
                             "(same offices)"]


def test_a_key_sent_by_two_offices_is_held_out_and_reported_never_resolved(catalog):
    dataset = catalog.get(SUBMISSIONS)
    a = _file(catalog, "a.csv", 1.0, [(2, "K-1", "1100101"), (3, "K-2", "1100101")])
    b = _file(catalog, "b.csv", 1.0, [(2, "K-2", "3300303"), (3, "K-3", "3300303")])
    union = union_submissions(dataset, combine_rule(dataset), [a, b])
    assert sorted(union.frame["submission_id"]) == ["K-1", "K-3"]
    (conflict,) = union.conflicts
    assert conflict.key == ("K-2",)
    assert conflict.rows == (("a.csv", 3, "1100101"), ("b.csv", 2, "3300303"))
    assert union.held_rows == 2 and union.to_dict()["conflict_count"] == 1
    assert "K-2: a.csv row 3 (1100101), b.csv row 2 (3300303)" in union.lines()[0]


def test_the_union_does_not_depend_on_the_order_files_are_listed_in(catalog):
    dataset = catalog.get(SUBMISSIONS)
    files = [_file(catalog, f"f{i}.csv", float(i % 3), [(r + 2, f"K-{(i * 7 + r) % 11}", f"{1100100 + i % 4}")
                                                          for r in range(4)]) for i in range(8)]
    expected = union_submissions(dataset, combine_rule(dataset), files)
    rng = random.Random(5)
    for _ in range(5):
        shuffled = rng.sample(files, len(files))
        got = union_submissions(dataset, combine_rule(dataset), shuffled)
        assert got.sources == expected.sources and got.to_dict() == expected.to_dict()
    counts = expected.files.values()
    kept, replaced = sum(f["kept"] for f in counts), sum(f["replaced"] for f in counts)
    assert kept + expected.held_rows + replaced == 32  # every row is kept, replaced or held: none lost


def test_submissions_read_together_equal_each_file_read_alone(catalog, tmp_path):
    """The union reads thousands of files' valid rows at once (one frame, sliced): the same cells,
    ``None`` for an empty one, and row numbers as each file read on its own gives them."""
    from dgti_data.combine.dataset import Member, load_submission, load_submissions, save_valid_rows

    dataset = catalog.get(SUBMISSIONS)
    members = []
    for i, rows in enumerate(([2, 5], [3], [2, 3, 4])):
        folder = tmp_path / f"f{i}"
        folder.mkdir()
        frame = pd.DataFrame({"submission_id": [f"DGTi-2567-{i}{r:05d}" for r in rows],
                              "lao_code": ["1010101" if i else None] * len(rows)})  # a column left empty
        path = save_valid_rows(folder, dataset, frame, rows)
        members.append(Member(f"f{i}.csv", float(i), path))
    members.append(Member("withheld.csv", 9.0, None, "blocked"))
    together = load_submissions(members, dataset)
    assert list(together) == ["f0.csv", "f1.csv", "f2.csv"]
    for m in members[:3]:
        alone = load_submission(m.rows_file, m.name, m.received, dataset)
        got = together[m.name]
        assert got.row_numbers == alone.row_numbers and got.received == alone.received
        pd.testing.assert_frame_equal(got.frame.reset_index(drop=True), alone.frame)
    assert together["f0.csv"].frame["lao_code"].tolist() == [None, None]
