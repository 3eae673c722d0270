"""Office layouts for sample exports: the table as a Thai government form lays it out.

An instructions sheet (คำชี้แจง) first (xlsx), then on the data sheet two title lines merged across
the table, a blank line, a two-row header (group titles over the LAO and contact columns, every
other header merged down both rows), the data, and a signature block with a note below it. The
reader must find the table in it (``dgti_data.read.layout``); the manifest's row numbers are the
rows of this file, so the data starts at ``FIRST_DATA_ROW``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl.utils import get_column_letter

from dgti_data.datasets import Dataset
from dgti_data.sample.writers import CsvSink, XlsxSink

INSTRUCTIONS_SHEET = "คำชี้แจง"
DATA_SHEET = "ข้อมูล"
INSTRUCTIONS = (
    "คำชี้แจงการกรอกข้อมูล",
    "1. กรอกข้อมูลในแผ่นงาน ข้อมูล หนึ่งแถวต่อหนึ่งรายการ",
    "2. วันที่ให้กรอกเป็น วว/ดด/ปปปป (พ.ศ.)",
    "3. ห้ามแก้ไขหัวตาราง",
)
# Field-name prefixes grouped under one title in the header's first row.
GROUPS = {"lao_": "ข้อมูลองค์กรปกครองส่วนท้องถิ่น", "contact_": "ข้อมูลผู้ติดต่อ", "respondent_": "ข้อมูลผู้ตอบ"}
FOOTER = (
    "ลงชื่อ ........................................ ผู้รายงาน",
    "(........................................)",
    "ตำแหน่ง ........................................",
    "หมายเหตุ: ข้อมูล ณ วันที่ส่งรายงาน",
)
TITLE_ROWS = 2
FIRST_DATA_ROW = TITLE_ROWS + 1 + 2 + 1  # titles, a blank line, two header rows


@dataclass(frozen=True)
class OfficeForm:
    """The texts around the table, for one dataset and its drawn header labels."""

    titles: tuple[str, str]
    top: list[str | None]  # group titles and the headers merged down both rows
    sub: list[str | None]  # sub-column headers under the groups
    groups: list[tuple[int, int]]  # (first, last) column index of each group

    @property
    def width(self) -> int:
        return len(self.top)


def office_form(dataset: Dataset, labels: Sequence[str]) -> OfficeForm:
    top: list[str | None] = []
    sub: list[str | None] = []
    groups: list[tuple[int, int]] = []
    current = ""
    for i, (spec, label) in enumerate(zip(dataset.fields, labels, strict=True)):
        prefix = next((p for p in GROUPS if spec.name.startswith(p)), "")
        if prefix:
            if prefix != current:
                groups.append((i, i))
                top.append(GROUPS[prefix])
            else:
                groups[-1] = (groups[-1][0], i)
                top.append(None)
            sub.append(label)
        else:
            top.append(label)
            sub.append(None)
        current = prefix
    titles = (f"แบบรายงาน{dataset.title_th}", "ประจำปีงบประมาณ พ.ศ. 2567 (ส่งโดยองค์กรปกครองส่วนท้องถิ่น)")
    return OfficeForm(titles, top, sub, groups)


class OfficeCsvSink(CsvSink):
    """Excel's CSV of an office form: each line padded with delimiters to the table's width."""

    def __init__(self, path: Path, encoding: str, dataset: Dataset) -> None:
        super().__init__(path, encoding)
        self._dataset = dataset
        self._width = 0

    def _line(self, cells: Sequence[str | None]) -> None:
        padded = [*(c or "" for c in cells), *[""] * (self._width - len(cells))]
        self.header(padded)

    def form_header(self, labels: Sequence[str]) -> None:
        form = office_form(self._dataset, labels)
        self._width = form.width
        for title in form.titles:
            self._line([title])
        self._line([])
        self._line(form.top)
        self._line(form.sub)

    def close(self) -> None:
        self._line([])
        for line in FOOTER:
            self._line([line])
        super().close()


class OfficeXlsxSink(XlsxSink):
    """The workbook: an instructions sheet first, then the form with merged titles and headers."""

    def __init__(self, path: Path, dataset: Dataset) -> None:
        super().__init__(path)
        self._wb.remove(self._ws)
        notes = self._wb.create_sheet(INSTRUCTIONS_SHEET)
        for line in INSTRUCTIONS:
            notes.append([line])
        self._ws = self._wb.create_sheet(DATA_SHEET)
        self._dataset = dataset
        self._width = 0

    def form_header(self, labels: Sequence[str]) -> None:
        form = office_form(self._dataset, labels)
        self._width = form.width
        last = get_column_letter(form.width)
        header = TITLE_ROWS + 2
        for row, title in enumerate(form.titles, start=1):
            self._ws.append([title])
            self._ws.merged_cells.add(f"A{row}:{last}{row}")
        self._ws.append([])
        self._ws.append(form.top)
        self._ws.append(form.sub)
        grouped = {i for first, end in form.groups for i in range(first, end + 1)}
        for first, end in form.groups:
            span = f"{get_column_letter(first + 1)}{header}:{get_column_letter(end + 1)}{header}"
            self._ws.merged_cells.add(span)
        for i in range(form.width):
            if i not in grouped:
                column = get_column_letter(i + 1)
                self._ws.merged_cells.add(f"{column}{header}:{column}{header + 1}")

    def close(self) -> None:
        self._ws.append([])
        for line in FOOTER:
            self._ws.append([line])
        super().close()


def open_office_sink(path: Path, fmt: str, dataset: Dataset) -> OfficeCsvSink | OfficeXlsxSink:
    if fmt == "xlsx":
        return OfficeXlsxSink(path, dataset)
    if fmt in ("csv-utf8-bom", "csv-cp874"):
        return OfficeCsvSink(path, "utf-8-sig" if fmt == "csv-utf8-bom" else "cp874", dataset)
    raise ValueError(f"unknown format {fmt!r}")
