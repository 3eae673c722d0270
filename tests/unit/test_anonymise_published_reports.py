"""Nothing of a raw file leaves unless it passed the gate: reports, and what the reader accepts."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from dgti_data.anonymise.leakgate import gate_document
from dgti_data.cli import main
from dgti_data.errors import UnusableInputError
from dgti_data.read import read_table

PHONE, NAME = "081-234-5678", "นายสมชาย ใจดี"


def test_every_string_and_key_of_a_document_passes_the_detectors() -> None:
    doc = {"headers": {"mapped": {f"ติดต่อ {NAME}": "x"}, "unmapped": [f"โทร {PHONE}"]},
           "warnings": [f"row 3: {PHONE}"], "rows": 3, "ok": None}
    gated, removed = gate_document(doc)
    text = json.dumps(gated, ensure_ascii=False)
    assert PHONE not in text and "สมชาย" not in text
    assert gated["rows"] == 3 and gated["ok"] is None
    assert removed == {"phone": 2, "name": 1}


def test_a_published_report_quotes_no_personal_data_from_headers_or_cells(make_sample, tmp_path) -> None:
    raw = make_sample("lao-digital-readiness-survey", error_rate=0.0, rows=200)
    lines = raw.read_text(encoding="utf-8-sig").splitlines()
    lines[0] += f",ผู้ติดต่อ {NAME} {PHONE}"      # an unknown header holding personal data
    lines[1:] = [line + ",x" for line in lines[1:]]
    hostile = tmp_path / "lao-digital-readiness-survey-hostile.csv"
    hostile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["validate", str(hostile), "--dataset", "lao-digital-readiness-survey",
                                       "--report-dir", str(out)])
    assert result.exit_code in (0, 1), result.output
    for report in (*out.glob("*/report.json"), *out.glob("*/report.html")):
        text = report.read_text(encoding="utf-8")
        assert PHONE not in text and "0812345678" not in text and "สมชาย" not in text, report
    summary = json.loads(next(out.glob("*/report.json")).read_text(encoding="utf-8"))["dgti"]
    assert summary["report_redactions"]["phone"] >= 1


def test_a_symbolic_link_is_refused_with_one_line(make_sample, tmp_path) -> None:
    target = tmp_path / "secret.csv"
    shutil.copy(make_sample("lao-digital-readiness-survey", rows=100), target)
    link = tmp_path / "lao-digital-readiness-survey-link.csv"
    link.symlink_to(target)
    with pytest.raises(UnusableInputError, match="symbolic link"):
        read_table(link)
    result = CliRunner().invoke(main, ["validate", str(link), "--report-dir", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "symbolic link" in lines[0]
    assert not list((tmp_path / "out").glob("*/report.json"))  # nothing of the target was written


def test_a_fifo_and_a_directory_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(UnusableInputError, match="not a regular file"):
        read_table(fifo)
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(UnusableInputError, match=r"not a regular file \(a directory\)"):
        read_table(tmp_path / "dir.csv")
