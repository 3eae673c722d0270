"""The steward's HTML report fits a screen: changes grouped by kind, statuses that agree with the
counts beside them, and a bilingual "what to do next" that follows from the file's outcome."""

from __future__ import annotations

import re

import pytest

from dgti_data.app import process_file
from dgti_data.report.views import change_groups, next_steps, treatment_status
from tests.conftest import TEST_KEY


@pytest.fixture(scope="module")
def survey(make_sample, catalog, tmp_path_factory):
    raw = make_sample("lao-digital-readiness-survey", error_rate=0.0, rows=600)
    return process_file(raw, catalog, tmp_path_factory.mktemp("out"), key=TEST_KEY, k=5)


@pytest.fixture(scope="module")
def submissions(make_sample, catalog, tmp_path_factory):
    raw = make_sample("local-digital-submissions", fmt="xlsx", rows=400)
    return process_file(raw, catalog, tmp_path_factory.mktemp("out"), key=TEST_KEY, k=5)


def test_changes_are_one_row_per_kind_with_every_cell_counted(survey) -> None:
    changes = survey.summary.changes
    groups = change_groups(changes)
    by_cells = sorted(changes["counts"], key=lambda k: -sum(changes["counts"][k].values()))
    assert [g["kind"] for g in groups] == by_cells
    for g in groups:
        per_field = changes["counts"][g["kind"]]
        assert g["cells"] == sum(per_field.values())
        assert len(g["fields"]) + g["more_fields"] == len(per_field)
        assert [n for _, n in g["fields"]] == sorted((n for _, n in g["fields"]), reverse=True)
        rows = [r for r, _ in g["examples"]]
        assert 1 <= len(rows) <= 3 and len(set(rows)) == len(rows)
    html = survey.html_report.read_text(encoding="utf-8")
    section = html[html.index("what the normaliser changed"):html.index("column headers")]
    assert section.count("Whitespace cleaned") == 1
    # the generated sample cleans whitespace in most fields: that used to be a row for each
    assert len(changes["counts"]["whitespace"]) > 10


def test_a_kept_quasi_identifier_that_k_anonymity_changed_does_not_read_as_kept(survey) -> None:
    fields = {f["field"]: f for f in survey.summary.anonymisation["fields"]}
    gender = fields["respondent_gender"]
    assert gender["treatment"] == "keep" and gender["changed"] > 0  # the sample needs suppressions
    th, en = treatment_status(gender)
    assert f"{gender['changed']:,} cells" in en and "k-anonymity" in en and "k-anonymity" in th
    assert treatment_status(fields["response_id"]) == ("เผยแพร่ตามเดิม", "kept")
    html = survey.html_report.read_text(encoding="utf-8")
    anonymisation = html[html.index("anonymisation (PDPA)"):]
    row = re.search(r"<code>respondent_gender</code>.*?</tr>", anonymisation, re.S)
    assert row and "k-anonymity" in row.group(0)


def test_what_to_do_next_follows_the_outcome(survey, submissions) -> None:
    valid = next_steps(survey.summary.to_dict())
    assert len(valid) == 1 and "approve" in valid[0][1]
    partial = submissions.summary
    assert partial.quarantined_rows > 0 and partial.publishable
    fix, accept = next_steps(partial.to_dict())
    assert f"{partial.quarantined_rows:,} quarantined rows" in fix[1] and "resend" in fix[1]
    published = f"{partial.rows_published:,}"
    assert f"{published} valid rows" in accept[1] and published in accept[0]
    blocked = partial.to_dict() | {"publishable": False, "rows_published": 0}
    assert "nothing is published" in next_steps(blocked)[1][1]
    html = submissions.html_report.read_text(encoding="utf-8")
    assert "what to do next" in html and accept[0] in html
