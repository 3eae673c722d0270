"""The normalise stage: each normaliser, header mapping, exact change counts, the CSV it writes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from dgti_data.datasets import load_catalog
from dgti_data.normalise import ChangeLog, map_headers, normalise
from dgti_data.normalise.cells import cell_text, number_text
from dgti_data.normalise.dates import date_text
from dgti_data.normalise.digits import thai_digits, thousands_separator
from dgti_data.normalise.pipeline import normalise_column, steps_for
from dgti_data.normalise.text import unicode_nfc, whitespace, whitespace_multiline, zero_width
from dgti_data.read import read_table
from dgti_data.read.table import RawTable
from dgti_data.settings import PROJECT_ROOT

CATALOG = load_catalog(PROJECT_ROOT / "schemas")
SURVEY = CATALOG.get("lao-digital-readiness-survey")
SUBMISSIONS = CATALOG.get("local-digital-submissions")


def raw_table(headers: list[str], rows: list[list[object]], fmt: str = "csv") -> RawTable:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(headers)
    dtype = "str" if fmt == "csv" else object
    frame = pd.DataFrame({i: pd.Series(list(c), dtype=dtype) for i, c in enumerate(columns)})
    return RawTable(
        path=Path("raw.csv"),
        format=fmt,  # type: ignore[arg-type]
        encoding=None,
        headers=headers,
        frame=frame,
        row_numbers=list(range(2, len(rows) + 2)),
    )


# --- cell normalisers ------------------------------------------------------------------------


def test_unicode_nfc_composes_and_orders_thai_marks():
    assert unicode_nfc("cafe\u0301") == "café"
    # tone mark (ccc 107) typed before a below vowel (ccc 103): canonical order puts the vowel first
    assert unicode_nfc("ป\u0e48\u0e39") == "ป\u0e39\u0e48"
    assert unicode_nfc("ภาคเหนือ") == "ภาคเหนือ"


def test_zero_width_removed():
    assert zero_width("\ufeff32\u200b004\u200c0\u200d8\u2060") == "3200408"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  เทศบาล\u00a0ตำบล   บ้านใหม่ ", "เทศบาล ตำบล บ้านใหม่"),
        ("a\tb\r\nc\u3000d\u2009e", "a b c d e"),
        ("clean", "clean"),
        (" \u00a0 ", ""),
    ],
)
def test_whitespace_single_line(value, expected):
    assert whitespace(value) == expected


def test_whitespace_keeps_line_breaks_in_free_text():
    assert whitespace_multiline("\n  ปัญหา   ๑  \r\nอุปสรรค\u00a0 ๒\n\nจบ \n") == "ปัญหา ๑\nอุปสรรค ๒\n\nจบ"


def test_thai_digits():
    assert thai_digits("๐๑๒๓๔๕๖๗๘๙ บาท") == "0123456789 บาท"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1,250,000.50", "1250000.50"),
        ("1,250,000", "1250000"),
        ("-12,345", "-12345"),
        ("999", "999"),
        ("1,2,3", "1,2,3"),
        ("12,34", "12,34"),
        ("1250,000", "1250,000"),
        ("1,2500", "1,2500"),
        ("1,250.5,0", "1,250.5,0"),
    ],
)
def test_thousands_separator_only_for_valid_grouping(value, expected):
    assert thousands_separator(value) == expected


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [
        ("15/07/2564", "2021-07-15", "be_date"),
        ("15/7/2564", "2021-07-15", "be_date"),
        ("5/7/2564", "2021-07-05", "be_date"),
        ("15-07-2564", "2021-07-15", "be_date"),
        ("15.07.2564", "2021-07-15", "be_date"),
        ("2564-07-15", "2021-07-15", "be_date"),
        ("2564/7/15", "2021-07-15", "be_date"),
        ("15 ก.ค. 2564", "2021-07-15", "be_date"),
        ("15 ก.ค. 64", "2021-07-15", "be_date"),
        ("15 กค 64", "2021-07-15", "be_date"),
        ("15ก.ค.64", "2021-07-15", "be_date"),
        ("15 กรกฎาคม 2564", "2021-07-15", "be_date"),
        ("15 กรกฏาคม 2564", "2021-07-15", "be_date"),
        ("15 ก. ค. 2564", "2021-07-15", "be_date"),
        ("1 ม.ค. 2567", "2024-01-01", "be_date"),
        ("29 ก.พ. 2567", "2024-02-29", "be_date"),
        ("31 ธันวาคม 2566", "2023-12-31", "be_date"),
        ("15 มีนา 2564", "2021-03-15", "be_date"),
        ("15 ก.ค. พ.ศ. 2564", "2021-07-15", "be_date"),
        ("2564-07-15 00:00:00", "2021-07-15", "be_date"),
        ("15/07/2021", "2021-07-15", "date_format"),
        ("2021-7-5", "2021-07-05", "date_format"),
        ("15 July 2021", "15 July 2021", None),
        ("44392", "2021-07-15", "excel_serial"),
        ("2021-07-15", "2021-07-15", None),
    ],
)
def test_dates(value, expected, kind):
    assert date_text(value) == (expected, kind)


@pytest.mark.parametrize(
    "value",
    [
        "31/02/2564",  # no such day
        "29 ก.พ. 2566",  # 2023 is not a leap year
        "15/13/2564",
        "15/07/64",  # numeric two-digit year: CE or BE cannot be told
        "15 ก.ค. 2564 10:30",  # a real time of day is not dropped
        "15 ค.ศ. 64",
        "12345",  # not a plausible Excel serial
        "ไม่ทราบ",
        "2564",
    ],
)
def test_invalid_or_unclear_dates_are_left_as_they_are(value):
    assert date_text(value) == (value, None)


@pytest.mark.parametrize(
    ("value", "field_type", "expected"),
    [
        (dt.datetime(2021, 7, 15), "date", ("2021-07-15", "excel_datetime")),
        (dt.datetime(2564, 7, 15), "date", ("2021-07-15", "be_date")),
        (dt.datetime(2021, 7, 15, 10, 30), "date", ("2021-07-15T10:30:00", "excel_datetime")),
        (dt.datetime(2021, 7, 15), "string", ("2021-07-15", "excel_datetime")),
        (44392, "date", ("2021-07-15", "excel_serial")),
        (44392.0, "date", ("2021-07-15", "excel_serial")),
        (44392.5, "date", ("44392.5", None)),
        (44392, "integer", ("44392", None)),
        (123.0, "string", ("123", "excel_number")),
        (123.0, "integer", ("123", "excel_number")),
        (7, "string", ("7", None)),  # no leading zero invented for a code read as a number
        (0.1 + 0.2, "number", ("0.3", "excel_number")),
        (1250000.5, "number", ("1250000.5", None)),
        (True, "boolean", ("true", None)),
        (None, "string", (None, None)),
        ("ข้อความ", "string", ("ข้อความ", None)),
    ],
)
def test_workbook_cells(value, field_type, expected):
    assert cell_text(value, field_type) == expected


def test_number_text_never_uses_an_exponent():
    assert number_text(1e20) == "100000000000000000000"
    assert number_text(1.5e-7) == "0.00000015"


# --- pipeline: vectorised selection agrees with the cell functions ---------------------------

TRICKY = [
    "",
    " ",
    "plain",
    "  เทศบาล\u00a0 ตำบล\u200b ",
    "a\nb",
    "๑,๒๕๐,๐๐๐",
    "1,250",
    "1,2,3",
    "cafe\u0301",
    "ป\u0e48\u0e39",
    "๑๕ ก.ค. ๖๔",
    "15/07/2564",
    "2021-07-15",
    "\ufeff",
    "x\u2028y",
    "ข้อความ ๑\r\n  ๒  ",
]


@pytest.mark.parametrize(
    "name", ["lao_name", "budget_thb", "people_served", "launch_date", "summary", "award"]
)
def test_column_pipeline_matches_cell_functions(name):
    spec = SUBMISSIONS.field(name)
    expected = []
    for value in TRICKY:
        for step in steps_for(spec):
            value = step.apply(value)[0]
        expected.append(value or None)
    got = normalise_column(pd.Series(TRICKY, dtype="str"), spec, ChangeLog(), list(range(2, 2 + len(TRICKY))))
    assert list(got) == expected


# --- headers ---------------------------------------------------------------------------------


def test_header_mapping_variants_ids_unknown_and_missing():
    headers = [
        "\ufeffรหัสแบบสำรวจ",  # BOM left by a reader
        "ปีที่สำรวจ\n(พ.ศ.)",  # line break inside an Excel header
        "วันที่\u00a0ตอบแบบสำรวจ ",
        "รหัส\u200bอปท",
        "LAO_NAME",  # the English id, any case
        "Province code",  # the English title
        "รหัสอปท.",  # loose match: dots and spaces ignored
        "หมายเหตุ",
        "",
    ]
    mapping = map_headers(headers, SURVEY, empty={8})
    assert mapping.header_map == {
        "\ufeffรหัสแบบสำรวจ": "response_id",
        "ปีที่สำรวจ\n(พ.ศ.)": "survey_year",
        "วันที่\u00a0ตอบแบบสำรวจ ": "survey_date",
        "รหัส\u200bอปท": "lao_code",
        "LAO_NAME": "lao_name",
        "Province code": "province_code",
    }
    assert mapping.duplicate_headers == {"รหัสอปท.": "lao_code"}
    assert mapping.unmapped_headers == ["หมายเหตุ"]
    assert [c.status for c in mapping.columns][-1] == "empty"


def test_blank_header_with_data_is_unmapped_not_dropped():
    raw = raw_table(["ภาค", ""], [["ภาคเหนือ", "ข้อมูล"]])
    table = normalise(raw, SURVEY)
    assert table.unmapped_headers == ["<column 2>"]
    assert table.set_aside.to_dict("list") == {"<column 2>": ["ข้อมูล"]}


# --- normalise end to end --------------------------------------------------------------------


def test_normalise_counts_every_change_exactly():
    headers = ["รหัส อปท.", "วันที่ส่งผลงาน", "งบประมาณ (บาท)", "สรุปผลงาน", "ชื่อ อปท.", "คอลัมน์แปลก"]
    rows = [
        ["๓๒๐๐๔๐๘", "15/07/2564", "1,250,000", "ระบบ ๑  ขั้นตอน", "เมือง\u00a0พัทยา", "x"],
        ["3200408", "๑ ม.ค. ๖๔", "1,2,3", "ok", "  ", ""],
        ["32\u200b00408", "2021-07-15", "500", "", "cafe\u0301", ""],
        ["6130408", "31/02/2564", "๑,๐๐๐", "บรรทัด ๑\nบรรทัด ๒", "ก", ""],
    ]
    table = normalise(raw_table(headers, rows), SUBMISSIONS)
    assert table.changes.counts == {
        "be_date": {"submitted_date": 2},
        "thai_digits": {"budget_thb": 1, "lao_code": 1, "submitted_date": 1},
        "thousands_separator": {"budget_thb": 2},
        "unicode_nfc": {"lao_name": 1},
        "whitespace": {"lao_name": 2, "summary": 1},
        "zero_width": {"lao_code": 1},
    }
    assert table.changes.examples["be_date"] == {"submitted_date": [2, 3]}
    assert table.changes.examples["zero_width"] == {"lao_code": [4]}
    frame = table.frame
    assert list(frame.columns) == SUBMISSIONS.field_names
    assert frame["lao_code"].tolist() == ["3200408", "3200408", "3200408", "6130408"]
    assert frame["submitted_date"].tolist() == ["2021-07-15", "2021-01-01", "2021-07-15", "31/02/2564"]
    assert frame["budget_thb"].tolist() == ["1250000", "1,2,3", "500", "1000"]
    # free text keeps its Thai digits and line breaks
    assert frame["summary"].tolist() == ["ระบบ ๑ ขั้นตอน", "ok", None, "บรรทัด ๑\nบรรทัด ๒"]
    assert frame["lao_name"].tolist() == ["เมือง พัทยา", None, "café", "ก"]
    assert frame["award"].tolist() == [None] * 4
    assert "award" in table.missing_fields and "lao_code" not in table.missing_fields
    assert table.unmapped_headers == ["คอลัมน์แปลก"]
    assert table.set_aside["คอลัมน์แปลก"].tolist() == ["x", "", "", ""]
    assert table.rows_read == 4
    assert table.row_numbers == [2, 3, 4, 5]
    assert all(v is None or isinstance(v, str) for v in frame.to_numpy().ravel())
    assert all(dtype is np.dtype(object) for dtype in frame.dtypes)


def test_consume_gives_the_same_table_and_lets_the_raw_columns_go():
    """The pipeline's ``consume=True`` (raw cells freed as they are normalised) changes nothing
    in what normalise makes, set-aside columns included; the raw table keeps its rows only."""
    headers = ["รหัส อปท.", "วันที่ส่งผลงาน", "คอลัมน์แปลก", "งบประมาณ (บาท)", "รหัสอปท.", ""]
    rows = [["๓๒๐๐๔๐๘", "15/07/2564", "x", "1,250,000", "1", ""],
            ["3200408", "๑ ม.ค. ๖๔", "", "500", "2", "y"]]
    kept = normalise(raw_table(headers, rows), SUBMISSIONS)
    raw = raw_table(headers, rows)
    consumed = normalise(raw, SUBMISSIONS, consume=True)
    pd.testing.assert_frame_equal(consumed.frame, kept.frame)
    pd.testing.assert_frame_equal(consumed.set_aside, kept.set_aside)
    assert list(consumed.set_aside.columns) == ["คอลัมน์แปลก", "รหัสอปท.", "<column 6>"]
    assert consumed.changes.counts == kept.changes.counts
    assert consumed.changes.examples == kept.changes.examples
    assert (consumed.unmapped_headers, consumed.duplicate_headers) == (kept.unmapped_headers,
                                                                      kept.duplicate_headers)
    assert raw.rows == 2 and raw.frame.shape[1] == 0


def test_change_log_holds_no_cell_values():
    raw = raw_table(["ชื่อผู้ตอบแบบสำรวจ", "เบอร์โทรศัพท์"], [["นาย\u00a0สมชาย  ใจดี", "๐๘๑๒๓๔๕๖๗๘"]])
    log = normalise(raw, SURVEY).changes
    assert log.count() == 2
    dumped = json.dumps(log.to_dict(), ensure_ascii=False)
    assert "สมชาย" not in dumped and "081" not in dumped and "๐๘" not in dumped


def test_change_log_merge_and_example_limit():
    log, other = ChangeLog(), ChangeLog()
    log.add("thai_digits", "a", 2, [2, 3])
    other.add("thai_digits", "a", 5, [10, 11, 12, 13])
    log.merge(other)
    assert log.counts == {"thai_digits": {"a": 7}}
    assert log.examples == {"thai_digits": {"a": [2, 3, 10]}}


def test_to_csv_is_what_validation_reads(tmp_path):
    raw = raw_table(
        ["รหัสผลงาน", "สรุปผลงาน", "งบประมาณ"],
        [["LD-1", 'สรุป "ผลงาน", บรรทัด ๑\nบรรทัด ๒', "1,000"], ["LD-2", "", ""]],
    )
    table = normalise(raw, SUBMISSIONS)
    path = table.to_csv(tmp_path / "out" / "n.csv")
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r" not in data
    assert data.splitlines()[0].decode() == ",".join(SUBMISSIONS.field_names)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len(rows) == 3
    for i, row in enumerate(rows[1:]):
        expected = [v or "" for v in table.frame.iloc[i].tolist()]
        assert row == expected
    assert rows[1][SUBMISSIONS.field_names.index("summary")] == 'สรุป "ผลงาน", บรรทัด ๑\nบรรทัด ๒'


def test_csv_file_end_to_end(tmp_path):
    text = (
        "\ufeffรหัสแบบสำรวจ,วันที่สำรวจ,งบประมาณด้านดิจิทัล,ปัญหาอุปสรรค\n"
        'SRV-2564-000001,๑๕ ก.ค. ๒๕๖๔,"๑,๒๕๐,๐๐๐.๕๐",ขาดคน ๒ คน\n\n'
    )
    path = tmp_path / "survey.csv"
    path.write_bytes(text.encode("utf-8"))
    table = normalise(read_table(path), SURVEY)
    row = table.frame.iloc[0]
    assert (row["survey_date"], row["digital_budget_thb"], row["obstacles"]) == (
        "2021-07-15",
        "1250000.50",
        "ขาดคน ๒ คน",
    )
    assert table.source.encoding.method == "bom"
    assert table.changes.counts["thai_digits"] == {"digital_budget_thb": 1, "survey_date": 1}
    assert table.changes.counts["be_date"] == {"survey_date": 1}
    assert table.changes.counts["thousands_separator"] == {"digital_budget_thb": 1}


def test_xlsx_end_to_end(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["รหัสผลงาน", "ปีที่ประกวด", "วันที่ส่งผลงาน", "วันที่เริ่มให้บริการ", "รหัสจังหวัด", "งบประมาณ"])
    sheet.append(["LD-1", 2566, dt.datetime(2023, 5, 1), 44392, 10, 1250000.5])
    sheet.append(["LD-2", 2566, dt.datetime(2566, 5, 1), "15 ก.ค. 64", 7, 0.3])
    sheet.append(["LD-3", "๒๕๖๖", "31/02/2566", dt.datetime(2021, 7, 15, 10, 30), "๐๗", None])
    path = tmp_path / "sub.xlsx"
    workbook.save(path)
    table = normalise(read_table(path), SUBMISSIONS)
    frame = table.frame
    assert frame["contest_year"].tolist() == ["2566", "2566", "2566"]
    assert frame["submitted_date"].tolist() == ["2023-05-01", "2023-05-01", "31/02/2566"]
    assert frame["launch_date"].tolist() == ["2021-07-15", "2021-07-15", "2021-07-15T10:30:00"]
    assert frame["province_code"].tolist() == ["10", "7", "07"]
    assert frame["budget_thb"].tolist() == ["1250000.5", "0.3", None]
    assert table.changes.counts == {
        "be_date": {"launch_date": 1, "submitted_date": 1},
        "excel_datetime": {"launch_date": 1, "submitted_date": 1},
        "excel_serial": {"launch_date": 1},
        "thai_digits": {"contest_year": 1, "province_code": 1},
    }
    assert table.changes.examples["excel_serial"] == {"launch_date": [2]}
    assert table.source.format == "xlsx"


def test_empty_table_normalises_to_empty_frame(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes("รหัสผลงาน,ชื่อผลงาน\n".encode())
    table = normalise(read_table(path), SUBMISSIONS)
    assert table.rows_read == 0
    assert list(table.frame.columns) == SUBMISSIONS.field_names
    out = table.to_csv(tmp_path / "n.csv")
    assert out.read_text(encoding="utf-8") == ",".join(SUBMISSIONS.field_names) + "\n"


def test_many_unknown_and_duplicate_headers_are_counted_and_listed_up_to_a_cap():
    from dgti_data.normalise.headers import MAX_DUPLICATE_WARNINGS
    from dgti_data.normalise.table import MAX_LISTED_HEADERS

    headers = ["ภาค"] + [f"x{i}" for i in range(1500)] + ["ภาค"] * 300 + ["x7"]
    table = normalise(raw_table(headers, [["ภาคเหนือ"] + ["v"] * (len(headers) - 1)]), SURVEY)
    assert table.unmapped_count == 1501  # 1,500 unknown and x7 again: every one counted
    assert len(table.unmapped_headers) == MAX_LISTED_HEADERS
    listing = next(w for w in table.warnings if "match no field" in w)
    assert f"and {1501 - MAX_LISTED_HEADERS:,} more" in listing
    assert sum("also maps to" in w for w in table.warnings) == MAX_DUPLICATE_WARNINGS
    assert any("300 columns map to a field" in w for w in table.warnings)
    aside = table.set_aside
    assert aside.shape == (1, 1801) and aside["x7 (column 9)"].tolist() == ["v"]
