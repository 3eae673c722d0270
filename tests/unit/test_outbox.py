"""Feedback to each office: its quarantined rows, its own row numbers and headers, the error beside
each cell; the letter in Thai and English."""

from __future__ import annotations

import csv
import shutil

from dgti_data.app import validate_folder
from dgti_data.app.outbox import OUTBOX
from tests.conftest import TEST_KEY, planted

SUBMISSIONS = "local-digital-submissions"


def test_every_planted_error_reaches_its_office_beside_its_cell(make_sample, catalog, tmp_path):
    sample = make_sample(SUBMISSIONS, rows=150, seed=21, error_rate=0.05)
    drop = tmp_path / "drop"
    drop.mkdir()
    shutil.copyfile(sample, drop / sample.name)
    (report,) = validate_folder(drop, catalog, tmp_path / "out", key=TEST_KEY, k=5)
    assert report.summary.quarantined_rows > 0
    outbox = tmp_path / "out" / OUTBOX
    sheets = sorted(outbox.glob("*/*.errors.csv"))
    letters = sorted(outbox.glob("*/*.txt"))
    assert len(sheets) == len(letters) >= 2  # one per office with quarantined rows

    seen_rows: dict[int, dict[str, str]] = {}
    for sheet in sheets:
        assert sheet.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads the Thai
        with sheet.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                seen_rows[int(row["แถวที่ / row"])] = row
    assert len(seen_rows) == report.summary.quarantined_rows
    fields = {f.name: f for f in catalog.get(SUBMISSIONS).fields}
    mapped = {field: header.strip() for header, field in report.summary.headers["mapped"].items()}
    checked = 0
    for row, field, _type in planted(sample):
        if field not in fields or row not in seen_rows:
            continue  # a row-level plant (blank row, duplicate) or a field the error names otherwise
        column = f"{mapped.get(field) or fields[field].title_th} — ข้อผิดพลาด / error"
        assert seen_rows[row].get(column), (row, field)
        checked += 1
    assert checked >= 0.8 * len(seen_rows)
    letter = letters[0].read_text(encoding="utf-8")
    assert "ข้อมูลที่ต้องแก้ไข" in letter and "data to fix" in letter and sample.name in letter

    # Fixed and resent: the office's old feedback is gone.
    with sample.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    keep = [rows[0]] + [r for i, r in enumerate(rows[1:], start=2) if i not in seen_rows]
    with (drop / sample.name).open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(keep)
    validate_folder(drop, catalog, tmp_path / "out", key=TEST_KEY, k=5)
    assert not list(outbox.glob("*/*.errors.csv"))
