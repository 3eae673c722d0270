"""The steward's HTML report renders Thai in a real browser: text layer and fonts of Chromium's PDF."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from dgti_data.app import process_file
from dgti_data.report.browser import print_pdf, screenshot
from tests.conftest import TEST_KEY

pytestmark = pytest.mark.browser


def test_report_renders_thai_in_chromium(make_sample, catalog, tmp_path):
    assert shutil.which("pdftotext"), "poppler-utils is a project requirement (./dev setup)"
    raw = make_sample("local-digital-submissions", rows=300)
    outcome = process_file(raw, catalog, tmp_path, key=TEST_KEY)
    pdf = print_pdf(outcome.html_report, tmp_path / "report.pdf")
    png = screenshot(outcome.html_report, tmp_path / "report.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for thai in ("รายงานตรวจสอบข้อมูล", "แถวที่อ่าน", outcome.dataset.title_th, "ไม่พบในทะเบียนอ้างอิง", "ทำอะไรต่อ"):
        assert thai in text.replace(" ", "").replace("\n", "") or thai in text, f"{thai!r} not rendered"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    # Thai glyphs come from a Thai-capable font (TLWG, Noto Thai...), not a last-resort box font.
    assert any(name in fonts for name in ("Garuda", "Loma", "Norasi", "Kinnari", "Tlwg", "NotoSansThai",
                                          "Sarabun", "Umpush", "Waree", "Purisa", "Sawasdee")), fonts

    # printable: A4 pages, every font embedded (the PDF reads the same on a machine without Thai fonts)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info, info
    embedded = [line.split()[-5] for line in fonts.splitlines()[2:]]
    assert embedded and set(embedded) == {"yes"}, fonts
