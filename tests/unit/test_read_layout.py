"""Office layouts: the header row, the data sheet and the end of the data found as offices lay
their forms out (title lines, merged titles, two-row headers, instructions sheets, signatures)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from dgti_data.app import process_file, validate_file
from dgti_data.cli import main
from dgti_data.errors import UnusableInputError
from dgti_data.normalise.headers import matchers_for
from dgti_data.read import read_table
from dgti_data.read.layout import choose_header, two_row_headers
from dgti_data.sample.office import DATA_SHEET, FIRST_DATA_ROW, INSTRUCTIONS_SHEET
from tests.conftest import TEST_KEY, planted

SUBMISSIONS = "local-digital-submissions"
HEADER = ["รหัสผลงาน", "ปีประกวด", "วันที่ส่งผลงาน", "รหัส อปท.", "ชื่ออปท", "ประเภทอปท", "รหัสจังหวัด", "ภาค",
          "ประเภทผลงาน", "ชื่อผลงาน", "สถานะการคัดกรอง", "ชื่อผู้ประสานงาน"]
ROW = ["DGTi-2564-000001", "2564", "2021-09-21", "5960701", "เทศบาลตำบลศรีสาคร", "เทศบาลตำบล", "96", "ภาคใต้",
       "ด้านการมีส่วนร่วมของประชาชน", "ระบบโหวตงบประมาณ", "ผ่านการคัดกรอง", "นางสาววนิดา สายบุญ"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-cp874", "csv-utf8-bom"])
def test_office_layout_gives_the_planted_error_free_rows_as_valid(make_sample, catalog, tmp_path, fmt):
    """200 rows under two merged title lines, a two-row header, an instructions sheet first
    (xlsx) and a signature block below: every row without a planted error is valid, and the
    errors are reported at the rows of the office's own file."""
    raw = make_sample(SUBMISSIONS, fmt, rows=200, seed=7, office=True)
    done = process_file(raw, catalog, tmp_path, key=TEST_KEY)
    errors = planted(raw)
    assert errors and min(row for row, _, _ in errors) >= FIRST_DATA_ROW
    assert {(e.row, e.field, e.type) for e in done.result.errors} == errors
    assert done.result.rows_read == 200
    assert done.result.valid_rows == 200 - len({row for row, _, _ in errors})
    source = done.summary.source
    assert (source["header_row"], source["header_rows"]) == (FIRST_DATA_ROW - 2, 2)
    assert source["sheet"] == (DATA_SHEET if fmt == "xlsx" else None)
    layout = " | ".join(source["layout"])
    assert "row(s) 1-3 above it are titles" in layout and "22 of 22 fields" in layout
    assert f"rows {FIRST_DATA_ROW + 201}-{FIRST_DATA_ROW + 204} below the table" in layout
    if fmt == "xlsx":
        assert f"'{INSTRUCTIONS_SHEET}': no header row" in layout
    report = json.loads(done.json_report.read_text(encoding="utf-8"))["dgti"]
    assert report["source"]["header_row"] == 4 and report["source"]["layout"] == source["layout"]
    assert any("above it are titles" in w for w in report["warnings"])  # shown in the HTML report too


def test_office_sample_is_laid_out_as_an_office_form(make_sample):
    raw = make_sample(SUBMISSIONS, "xlsx", rows=200, seed=7, office=True)
    workbook = openpyxl.load_workbook(raw)
    assert workbook.sheetnames == [INSTRUCTIONS_SHEET, DATA_SHEET]
    sheet = workbook[DATA_SHEET]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:V1", "A2:V2", "A4:A5", "D4:F4"} <= merged  # titles across, a header down, a group over
    assert sheet["D5"].value and sheet["D4"].value and not sheet["E4"].value
    assert str(sheet.cell(FIRST_DATA_ROW + 201, 1).value).startswith("ลงชื่อ")


def test_the_cli_says_which_sheet_and_header_rows_it_read(make_sample, tmp_path):
    raw = make_sample(SUBMISSIONS, "xlsx", rows=200, seed=7, office=True)
    result = CliRunner().invoke(main, ["validate", str(raw), "--report-dir", str(tmp_path)])
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert result.exit_code == 1, result.output
    assert lines[1].startswith(f"read sheet '{DATA_SHEET}', header rows 4-5: ")
    assert INSTRUCTIONS_SHEET in lines[1] and "notes and signatures" in lines[1]


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def test_the_sheet_whose_header_matches_best_is_read_not_the_first(catalog, tmp_path):
    path = _workbook(tmp_path / "export.xlsx", {
        "สรุป": [["สรุปผล"], ["รหัสผลงาน", "จำนวน"], ["DGTi", 3]],  # one field: not enough
        "ข้อมูล": [HEADER, ROW],
    })
    table = read_table(path, matchers=matchers_for([catalog.get(SUBMISSIONS)]))
    assert table.sheet == "ข้อมูล" and table.header_row == 1 and table.row_numbers == [2]
    assert any("'สรุป'" in line for line in table.layout)


def test_a_workbook_where_no_sheet_matches_is_refused_naming_the_sheets(catalog, tmp_path):
    path = _workbook(tmp_path / "export.xlsx", {"คำชี้แจง": [["กรอกข้อมูล"]], "Sheet2": [["a", "b"], [1, 2]]})
    with pytest.raises(UnusableInputError, match="sheets tried: 'คำชี้แจง', 'Sheet2'"):
        read_table(path, matchers=matchers_for([catalog.get(SUBMISSIONS)]))
    report = validate_file(path, catalog, tmp_path / "out", key=TEST_KEY, k=5, dataset_name=SUBMISSIONS)
    assert report.status == "unusable" and "no sheet has a header row" in report.reason


def test_csv_title_lines_blank_lines_and_a_note_in_the_data(catalog, tmp_path):
    """Title lines are skipped and counted; a note line with data after it stays a row (nothing is
    dropped); the signature block the file ends with is not."""
    lines = ["รายงานผลงาน อปท.", "", ",".join(HEADER), ",".join(ROW), "หมายเหตุ: แถวถัดไปแก้ไขแล้ว",
             ",".join(["DGTi-2564-000002", *ROW[1:]]), "", "ลงชื่อ ............ ผู้รายงาน", "(............)"]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_table(path, matchers=matchers_for([catalog.get(SUBMISSIONS)]))
    assert table.header_row == 3 and table.headers == HEADER
    assert table.row_numbers == [4, 5, 6]  # the note line is kept: a full row follows it
    assert any("rows 8-9 below the table" in w for w in table.warnings)


def test_without_a_good_header_row_the_first_non_blank_row_is_read(catalog, tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    table = read_table(path, matchers=matchers_for([catalog.get(SUBMISSIONS)]))
    assert table.headers == ["a", "b", "c"] and table.header_scores == {} and table.layout == []


def test_two_row_header_joins_group_titles_with_their_sub_columns(catalog):
    matchers = matchers_for([catalog.get(SUBMISSIONS)])
    top = ["รหัสผลงาน", "ข้อมูล อปท.", None, None, "ผลงาน", None, "ปีประกวด", "ภาค"]
    sub = [None, "รหัส อปท.", "ชื่ออปท", "อื่น ๆ", "ชื่อผลงาน", "สรุปผลงาน"]
    assert two_row_headers(top, sub, matchers) == [
        "รหัสผลงาน", "รหัส อปท.", "ชื่ออปท", "ข้อมูล อปท. อื่น ๆ", "ชื่อผลงาน", "สรุปผลงาน", "ปีประกวด", "ภาค"]
    choice = choose_header([(1, ["แบบรายงาน"]), (3, top), (4, sub), (5, ["x"] * 8)], matchers)
    assert choice is not None and (choice.row, choice.rows) == (3, 2)
    assert choice.scores[SUBMISSIONS] == (7, 22)
    assert choose_header([(3, top[:3]), (4, sub[:3])], matchers) is None  # 3 of 22: not a header


def test_a_regular_csv_ending_in_signature_lines_loses_them_on_the_fast_path_too(catalog, tmp_path):
    """Excel pads every line to the table's width, so a form with no blank line before its
    signature block is still regular: Arrow reads it, and the same lines are held back."""
    pad = "," * (len(HEADER) - 1)
    lines = [",".join(HEADER), ",".join(ROW), ",".join(["DGTi-2564-000002", *ROW[1:]]),
             "ลงชื่อ ............ ผู้รายงาน" + pad, "(............)" + pad, "หมายเหตุ: ข้อมูล ณ วันที่รายงาน" + pad]
    path = tmp_path / "export.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    matchers = matchers_for([catalog.get(SUBMISSIONS)])
    table = read_table(path, matchers=matchers)
    assert table.row_numbers == [2, 3] and table.rows == 2
    assert any("rows 4-6 below the table" in w for w in table.warnings)
    assert read_table(path).row_numbers == [2, 3]  # the end of the data needs no schema


@pytest.mark.parametrize("batch_rows", [1, 7, 50_000])
def test_batches_of_an_office_workbook_join_to_the_same_table(make_sample, catalog, batch_rows):
    from dgti_data.read import iter_batches
    from dgti_data.read.table import concat_batches

    raw = make_sample(SUBMISSIONS, "xlsx", rows=200, seed=7, office=True)
    matchers = matchers_for([catalog.get(SUBMISSIONS)])
    whole = concat_batches(list(iter_batches(raw, batch_rows=batch_rows, matchers=matchers)))
    assert whole.row_numbers == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + 200))
    assert whole.layout == read_table(raw, matchers=matchers).layout
