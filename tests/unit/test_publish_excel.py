"""The published CSV opens in Excel: UTF-8 with a BOM, the same bytes behind it, a stable digest."""

from __future__ import annotations

import codecs
import hashlib
import os
from pathlib import Path

from dgti_data.publish.excel import excel_csv


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_copy_is_the_csv_behind_a_bom_and_decodes_as_excel_reads_it(tmp_path: Path) -> None:
    src = tmp_path / "d.csv"
    src.write_bytes("จังหวัด,จำนวน\nเชียงใหม่,12\n".encode())
    out = excel_csv(src)
    data = out.read_bytes()
    assert data == codecs.BOM_UTF8 + src.read_bytes()
    assert data.decode("utf-8-sig").splitlines()[1] == "เชียงใหม่,12"
    assert src.read_bytes()[:3] != codecs.BOM_UTF8  # the pipeline's file is left as it is


def test_the_digest_is_stable_on_unchanged_reruns_and_follows_a_change(tmp_path: Path) -> None:
    src = tmp_path / "d.csv"
    src.write_bytes("ก,1\n".encode())
    first = _sha(excel_csv(src))
    assert _sha(excel_csv(src)) == first
    src.write_bytes("ข,22\n".encode())
    os.utime(src, ns=(src.stat().st_atime_ns, src.stat().st_mtime_ns + 10**9))
    assert _sha(excel_csv(src)) == hashlib.sha256(codecs.BOM_UTF8 + "ข,22\n".encode()).hexdigest()


def test_a_csv_that_already_has_a_bom_is_not_given_two(tmp_path: Path) -> None:
    src = tmp_path / "d.csv"
    src.write_bytes(codecs.BOM_UTF8 + "ก,1\n".encode())
    assert excel_csv(src) == src
