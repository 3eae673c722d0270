"""The read stage: encodings reported, formats told by content, bad input refused without a traceback."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import openpyxl
import pytest

from dgti_data.errors import UnusableInputError
from dgti_data.read import iter_batches, read_table

THAI_CSV = 'รหัส อปท.,ชื่อ อปท.,งบประมาณ\n3200408,เมืองพัทยา,"1,250,000"\n6130408,เทศบาลตำบลบ้านใหม่,500\n'


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cells(table) -> list[list[object]]:
    return table.frame.astype(object).values.tolist()


# --- encodings -------------------------------------------------------------------------------


def test_utf8_bom_is_reported_and_not_part_of_the_first_header(tmp_path):
    table = read_table(write(tmp_path / "a.csv", codecs.BOM_UTF8 + THAI_CSV.encode()))
    assert table.encoding.encoding == "utf-8-sig"
    assert table.encoding.method == "bom"
    assert table.headers == ["รหัส อปท.", "ชื่อ อปท.", "งบประมาณ"]


def test_utf8_without_bom_is_detected_by_a_strict_decode(tmp_path):
    table = read_table(write(tmp_path / "a.csv", THAI_CSV.encode()))
    assert (table.encoding.encoding, table.encoding.method) == ("utf-8", "utf-8-strict")
    assert table.encoding.confidence is None
    assert cells(table)[0] == ["3200408", "เมืองพัทยา", "1,250,000"]
    assert table.warnings == []


def test_ascii_file_is_utf8_and_says_so(tmp_path):
    table = read_table(write(tmp_path / "a.csv", b"a,b\n1,2\n"))
    assert table.encoding.method == "utf-8-strict"
    assert "ASCII" in table.encoding.note


def test_cp874_thai_is_recognised_as_thai_single_byte(tmp_path):
    table = read_table(write(tmp_path / "a.csv", THAI_CSV.encode("cp874")))
    assert (table.encoding.encoding, table.encoding.method) == ("cp874", "thai-single-byte")
    assert "not UTF-8" in table.encoding.note
    assert table.headers[1] == "ชื่อ อปท."
    assert cells(table)[1][1] == "เทศบาลตำบลบ้านใหม่"


def test_latin1_is_left_to_the_detector_which_reports_its_confidence(tmp_path):
    text = (
        "name,city,note\nJosé Müller,Zürich,café crème\nFrançois Lefèvre,Besançon,déjà vu\n"
        "Annelie Sjöström,Malmö,smörgåsbord\n"
    )
    table = read_table(write(tmp_path / "a.csv", text.encode("latin-1")))
    info = table.encoding
    assert info.method == "detector"
    assert info.encoding != "cp874"  # accents decoded as cp874 are lone Thai marks, not Thai text
    assert isinstance(info.confidence, float) and 0.0 <= info.confidence <= 1.0
    assert "charset-normalizer" in info.note and info.encoding in info.note
    assert any("guessed" in w and info.encoding in w for w in table.warnings)
    assert table.headers == ["name", "city", "note"]
    assert cells(table)[2][1] == "Malmö"


def test_utf8_with_a_few_bad_bytes_is_refused_not_read_as_cp874(tmp_path):
    data = THAI_CSV.encode() + "9999999,บ้านใหม่,1\n".encode("cp874")
    with pytest.raises(UnusableInputError) as err:
        read_table(write(tmp_path / "a.csv", data))
    assert "Thai UTF-8 text with invalid bytes" in err.value.reason
    assert "line 4" in err.value.reason


def test_declared_encoding_overrides_detection(tmp_path):
    table = read_table(write(tmp_path / "a.csv", THAI_CSV.encode("cp874")), encoding="tis-620")
    assert table.encoding.method == "declared"
    assert table.encoding.encoding == "tis-620"
    assert cells(table)[0][1] == "เมืองพัทยา"


def test_declared_utf8_on_a_bom_file_skips_the_bom(tmp_path):
    table = read_table(write(tmp_path / "a.csv", codecs.BOM_UTF8 + b"a,b\n1,2\n"), encoding="utf-8")
    assert table.headers == ["a", "b"]
    assert table.encoding.encoding == "utf-8-sig"


def test_wrong_declared_encoding_names_the_line(tmp_path):
    path = write(tmp_path / "a.csv", b"a,b\n1,2\n3,\xe0\xb8\n")
    with pytest.raises(UnusableInputError) as err:
        read_table(path, encoding="utf-8")
    assert "line 3" in err.value.reason
    assert err.value.path == str(path)


def test_unknown_declared_encoding(tmp_path):
    with pytest.raises(UnusableInputError, match="unknown text encoding"):
        read_table(write(tmp_path / "a.csv", b"a\n1\n"), encoding="no-such-codec")


def test_utf16_with_bom_tab_delimited(tmp_path):
    data = codecs.BOM_UTF16_LE + "รหัส\tชื่อ\r\n1\tก\r\n".encode("utf-16-le")
    table = read_table(write(tmp_path / "a.txt", data))
    assert table.encoding.method == "bom"
    assert table.delimiter == "\t"
    assert table.headers == ["รหัส", "ชื่อ"]
    assert cells(table) == [["1", "ก"]]


# --- unusable input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.csv", b"", "empty file"),
        ("nul.csv", b"a,b\n\x00\x01\x02\n", "NUL bytes"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "legacy Excel"),
        ("web.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", "HTML"),
        ("doc.csv", b"%PDF-1.7\n...", "PDF"),
        ("fake.xlsx", b"a,b\n1,2\n", "not a zip"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "damaged zip"),
        ("blank.csv", b"\n  \n\n", "no header row"),
        ("quote.csv", b'a,b\n1,"' + b"x" * 200_000 + b"\n2,3\n", "unclosed quote"),
    ],
)
def test_unusable_files_raise_a_one_line_reason(tmp_path, name, data, reason):
    path = write(tmp_path / name, data)
    with pytest.raises(UnusableInputError) as err:
        read_table(path)
    assert reason in err.value.reason
    assert "\n" not in str(err.value)
    assert str(path) in str(err.value)


def test_zip_without_workbook(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(UnusableInputError, match="without an Excel workbook"):
        read_table(path)


def test_damaged_workbook_part(tmp_path):
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not-xml")
    with pytest.raises(UnusableInputError, match=r"not a readable \.xlsx"):
        read_table(path)


def test_directory_and_missing_file(tmp_path):
    with pytest.raises(UnusableInputError, match="not a regular file"):
        read_table(tmp_path)
    with pytest.raises(UnusableInputError, match="no such file"):
        read_table(tmp_path / "nope.csv")


# --- CSV structure ---------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    text = delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1,5", "x", "y"]) + "\n"
    if delimiter == ",":
        text = 'a,b,c\n"1,5",x,y\n'
    table = read_table(write(tmp_path / "a.csv", text.encode()))
    assert table.delimiter == delimiter
    assert cells(table) == [["1,5", "x", "y"]]


def test_row_numbers_count_like_frictionless(tmp_path):
    # header = 1; a blank line is a row; a multi-line cell is one row
    data = b'a,b\n1,2\n\n3,4\n,\n5,"x\ny"\n6,7\n'
    table = read_table(write(tmp_path / "a.csv", data))
    assert table.row_numbers == [2, 4, 6, 7]
    assert cells(table) == [["1", "2"], ["3", "4"], ["5", "x\ny"], ["6", "7"]]
    assert table.blank_rows == 2
    assert table.header_row == 1


def test_cells_stay_text_exactly(tmp_path):
    table = read_table(write(tmp_path / "a.csv", b"a,b,c,d\n0012,NA,,null\n"))
    assert cells(table) == [["0012", "NA", "", "null"]]
    assert all(str(dtype) == "str" for dtype in table.frame.dtypes)


def test_blank_and_duplicate_headers_keep_their_columns(tmp_path):
    table = read_table(write(tmp_path / "a.csv", "ภาค,,ภาค\nเหนือ,x,ใต้\n".encode()))
    assert table.headers == ["ภาค", "", "ภาค"]
    assert list(table.frame.columns) == [0, 1, 2]
    assert cells(table) == [["เหนือ", "x", "ใต้"]]


def test_ragged_rows_lose_nothing_and_are_reported(tmp_path):
    data = b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,,\n"
    table = read_table(write(tmp_path / "a.csv", data))
    assert table.headers == ["a", "b", "c", ""]
    assert cells(table) == [
        ["1", "2", "3", ""],
        ["4", "5", "", ""],
        ["6", "7", "8", "9"],
        ["10", "11", "12", ""],
    ]
    assert any("more cells" in w and "(4)" in w for w in table.warnings)
    assert any("fewer cells" in w and "(3)" in w for w in table.warnings)


def test_header_only_file_has_no_rows_and_says_so(tmp_path):
    table = read_table(write(tmp_path / "a.csv", b"a,b\n"))
    assert table.rows == 0
    assert list(table.frame.columns) == [0, 1]
    assert "no data rows below the header" in table.warnings


def test_batches_join_to_the_whole_table(tmp_path):
    lines = ["a,b"] + [f"{i},{'x' if i % 3 else ''}" for i in range(10)]
    lines.insert(4, "")
    path = write(tmp_path / "a.csv", ("\n".join(lines) + "\n").encode())
    batches = list(iter_batches(path, batch_rows=4))
    assert [b.rows for b in batches] == [4, 4, 2]
    whole = read_table(path)
    assert [n for b in batches for n in b.row_numbers] == whole.row_numbers
    assert whole.row_numbers[:4] == [2, 3, 4, 6]
    assert sum(b.blank_rows for b in batches) == whole.blank_rows == 1


def test_reading_never_changes_the_input(tmp_path):
    csv_path = write(tmp_path / "a.csv", codecs.BOM_UTF8 + THAI_CSV.encode())
    xlsx_path = make_workbook(tmp_path / "a.xlsx", [["a"], [1]])
    before = {p: (sha256(p), p.stat().st_mtime_ns) for p in (csv_path, xlsx_path)}
    read_table(csv_path)
    read_table(xlsx_path)
    assert {p: (sha256(p), p.stat().st_mtime_ns) for p in (csv_path, xlsx_path)} == before


# --- XLSX ------------------------------------------------------------------------------------


def make_workbook(path: Path, rows: list[list[object]], extra_sheets: tuple[str, ...] = ()) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "data"
    for row in rows:
        sheet.append(row)
    for name in extra_sheets:
        workbook.create_sheet(name).append(["other"])
    workbook.save(path)
    return path


def test_xlsx_keeps_cell_types(tmp_path):
    when = dt.datetime(2021, 7, 15)
    path = make_workbook(
        tmp_path / "a.xlsx",
        [
            ["รหัส", "วันที่", "serial", "งบ", "ชื่อ"],
            ["0012", when, 44392, 1250000.5, None],
            [],
            [7, None, None, 3, "ก"],
        ],
    )
    table = read_table(path)
    assert table.format == "xlsx" and table.encoding is None and table.sheet == "data"
    assert table.headers == ["รหัส", "วันที่", "serial", "งบ", "ชื่อ"]
    assert cells(table) == [["0012", when, 44392, 1250000.5, None], [7, None, None, 3, "ก"]]
    assert table.row_numbers == [2, 4]
    assert table.blank_rows == 1


def test_xlsx_named_sheet_and_other_sheets_reported(tmp_path):
    path = make_workbook(tmp_path / "a.xlsx", [["a"], [1]], extra_sheets=("notes",))
    table = read_table(path)
    assert any("2 sheets" in w for w in table.warnings)
    assert cells(read_table(path, sheet="notes")) == []
    assert read_table(path, sheet="notes").headers == ["other"]
    with pytest.raises(UnusableInputError, match="no sheet named 'nope'"):
        read_table(path, sheet="nope")


def test_xlsx_cells_right_of_the_header_are_kept(tmp_path):
    path = make_workbook(tmp_path / "a.xlsx", [["a", "b"], [1, 2, "extra"]])
    table = read_table(path)
    assert table.headers == ["a", "b", ""]
    assert cells(table) == [[1, 2, "extra"]]
    assert any("right of the last header" in w for w in table.warnings)


def test_xlsx_formula_gives_cached_value_or_empty(tmp_path):
    path = make_workbook(tmp_path / "a.xlsx", [["a", "b"], [1, "=A2+1"]])
    # openpyxl stores no cached value for the formula: read as empty, never as the formula text
    assert cells(read_table(path)) == [[1, None]]


def test_text_file_named_xlsx_is_refused_but_csv_named_xls_is_read(tmp_path):
    table = read_table(write(tmp_path / "a.xls", b"a,b\n1,2\n"))
    assert table.format == "csv"
    assert any("holds delimited text" in w for w in table.warnings)


# --- bounded cost on hostile files (issue 14) ----------------------------------------------------


def test_a_single_line_of_a_megabyte_is_refused_naming_the_limit(tmp_path):
    from dgti_data.read.table import MAX_COLUMNS

    path = write(tmp_path / "line.csv", b"column_x," * 120_000)
    before = sha256(path)
    with pytest.raises(UnusableInputError, match="MAX_COLUMNS") as exc:
        read_table(path)
    assert f"{MAX_COLUMNS:,}" in str(exc.value) and "\n" not in str(exc.value)
    assert sha256(path) == before


def test_a_wide_header_after_blank_lines_and_a_wide_data_row_are_refused(tmp_path):
    from dgti_data.read.table import MAX_COLUMNS

    wide = ",".join(f"h{i}" for i in range(MAX_COLUMNS + 1)).encode()
    with pytest.raises(UnusableInputError, match="MAX_COLUMNS"):
        read_table(write(tmp_path / "a.csv", b"\n,,\n" + wide + b"\n1,2\n"))
    row = ",".join("v" for _ in range(MAX_COLUMNS + 1)).encode()
    with pytest.raises(UnusableInputError, match=r"row 3.*MAX_COLUMNS"):
        read_table(write(tmp_path / "b.csv", b"a,b\n1,2\n" + row + b"\n"))


def test_a_table_at_the_limit_is_read(tmp_path):
    from dgti_data.read.table import MAX_COLUMNS

    header = ",".join(f"h{i}" for i in range(MAX_COLUMNS)).encode()
    table = read_table(write(tmp_path / "ok.csv", header + b"\n" + b"1," * (MAX_COLUMNS - 1) + b"1\n"))
    assert len(table.headers) == MAX_COLUMNS


def test_a_wide_sheet_is_refused(tmp_path):
    from dgti_data.read.table import MAX_COLUMNS

    wb = openpyxl.Workbook()
    wb.active.append([f"h{i}" for i in range(MAX_COLUMNS + 1)])
    wb.save(tmp_path / "wide.xlsx")
    with pytest.raises(UnusableInputError, match=r"row 1.*MAX_COLUMNS"):
        read_table(tmp_path / "wide.xlsx")
