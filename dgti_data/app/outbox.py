"""Feedback to each office: its quarantined rows, with what is wrong beside each cell, to fix and resend.

For every file with quarantined rows, ``<results>/outbox/<office>/`` gets, per file:

- ``<file>.errors.csv``: just the office's invalid rows, its own row numbers, its own column
  headers, and beside each column that has a problem a column saying what is wrong (Thai, then
  English); UTF-8 with a byte-order mark, so Excel shows the Thai;
- ``<file>.txt``: a short bilingual letter: how many rows were read, kept and held back, and what
  to do.

The values are the office's own (raw, personal data included): the outbox stays on the machine
until a steward sends each office its own folder. The office is the row's ``officeField``
(``lao_code``); rows without a usable one go to ``outbox/unknown-office/``.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dgti_data.combine import combine_rule
from dgti_data.datasets import Catalog, Dataset
from dgti_data.report.explain import explain
from dgti_data.validate.result import CellError

if TYPE_CHECKING:
    from dgti_data.app.folder import FileReport

OUTBOX = "outbox"
UNKNOWN_OFFICE = "unknown-office"
ROW_ERRORS = "ข้อผิดพลาดของแถว / row problems"
_OFFICE = re.compile(r"[0-9]{7}")


def clear_outbox(out_root: Path, report: FileReport) -> None:
    """Remove what an earlier run put in the outbox for this file (it may now be fixed)."""
    if report.out_dir is None:
        return
    for old in (out_root / OUTBOX).glob(f"*/{report.out_dir.name}.*"):
        old.unlink(missing_ok=True)


def write_outbox(out_root: Path, report: FileReport, catalog: Catalog) -> list[Path]:
    """The file's quarantined rows, split by office; the paths written."""
    if report.summary is None or report.out_dir is None or not report.summary.quarantined_rows:
        return []
    dataset = catalog.get(report.summary.dataset["name"])
    quarantine = report.out_dir / f"{dataset.name}.quarantine.csv"
    if not quarantine.is_file():
        return []
    with quarantine.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rule = combine_rule(dataset)
    office_field = rule.office_field if rule else None
    by_office: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        code = (row.get(office_field) or "").strip() if office_field else ""
        by_office.setdefault(code if _OFFICE.fullmatch(code) else UNKNOWN_OFFICE, []).append(row)
    written = []
    for office, office_rows in sorted(by_office.items()):
        folder = out_root / OUTBOX / office
        folder.mkdir(parents=True, exist_ok=True)
        name = report.out_dir.name
        written.append(_errors_csv(folder / f"{name}.errors.csv", office_rows, dataset, report))
        written.append(_letter(folder / f"{name}.txt", office, len(office_rows), dataset, report))
    return written


def _source_headers(report: FileReport, dataset: Dataset) -> dict[str, str]:
    """Field → the header the office's file used for it (its title in Thai when the file had none)."""
    assert report.summary is not None
    mapped = {field: header.strip() for header, field in report.summary.headers.get("mapped", {}).items()}
    return {f.name: mapped.get(f.name) or f.title_th or f.name for f in dataset.fields}


def _errors_csv(path: Path, rows: list[dict[str, str]], dataset: Dataset, report: FileReport) -> Path:
    headers = _source_headers(report, dataset)
    problems: list[dict[str, list[str]]] = []
    for row in rows:
        cells: dict[str, list[str]] = {}
        for err in json.loads(row["_errors"] or "[]"):
            error = CellError(**{k: err.get(k) for k in ("row", "field", "type", "constraint", "value")},
                              note=err.get("note", ""))
            th, en = explain(error, dataset)
            key = error.field if error.field in headers else ROW_ERRORS
            cells.setdefault(key, []).append(f"{th} / {en}")
        problems.append(cells)
    flagged = [f for f in dataset.field_names if any(f in p for p in problems)]
    with_row_errors = any(ROW_ERRORS in p for p in problems)
    header = ["แถวที่ / row"]
    for f in dataset.field_names:
        header.append(headers[f])
        if f in flagged:
            header.append(f"{headers[f]} — ข้อผิดพลาด / error")
    if with_row_errors:
        header.append(ROW_ERRORS)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row, cells in zip(rows, problems, strict=True):
            out = [row["_raw_row"]]
            for f in dataset.field_names:
                out.append(row.get(f, ""))
                if f in flagged:
                    out.append("; ".join(cells.get(f, [])))
            if with_row_errors:
                out.append("; ".join(cells.get(ROW_ERRORS, [])))
            writer.writerow(out)
    return path


def _letter(path: Path, office: str, rows: int, dataset: Dataset, report: FileReport) -> Path:
    s = report.summary
    assert s is not None
    combined: dict[str, Any] = s.combined or {}
    kept = combined.get("published", s.rows_published)
    blocked = dataset.on_invalid == "block"
    th_next = ("ไฟล์นี้ยังไม่ถูกนำไปเผยแพร่ทั้งไฟล์ จนกว่าจะแก้ไขแถวที่ระบุ" if blocked
               else f"แถวที่ถูกต้อง {kept:,} แถวถูกนำไปเผยแพร่แล้ว แถวที่ระบุยังไม่ถูกเผยแพร่")
    en_next = ("None of this file is published until the rows listed are fixed." if blocked
               else f"Its {kept:,} valid row(s) are published; the rows listed are not.")
    text = f"""เรื่อง: ข้อมูลที่ต้องแก้ไข — {dataset.title_th}
หน่วยงาน (รหัส อปท.): {office}
ไฟล์: {s.file}

ระบบตรวจไฟล์ของท่าน {s.rows_read:,} แถว ถูกต้อง {s.valid_rows:,} แถว พบข้อผิดพลาด {rows:,} แถวของหน่วยงานนี้
{th_next}
โปรดเปิดไฟล์ {path.stem}.errors.csv ซึ่งแสดงเฉพาะแถวที่ต้องแก้ไข ตามเลขแถวในไฟล์ของท่าน
และคำอธิบายข้อผิดพลาดข้างช่องที่ต้องแก้ไข แก้ไขในไฟล์ต้นฉบับ แล้วส่งไฟล์ทั้งไฟล์อีกครั้ง
(ไฟล์ใหม่ของหน่วยงานจะแทนที่ข้อมูลเดิมของหน่วยงาน)

Subject: data to fix — {dataset.title}
Office (LAO code): {office}
File: {s.file}

We read {s.rows_read:,} row(s) of your file: {s.valid_rows:,} valid, {rows:,} of this office's with problems.
{en_next}
Open {path.stem}.errors.csv: only the rows to fix, numbered as in your file, with what is wrong
beside each cell. Fix them in your original file and send the whole file again (an office's new
file replaces its earlier rows).
"""
    path.write_text(text, encoding="utf-8")
    return path
