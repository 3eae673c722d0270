"""The published CSV as Excel opens it: UTF-8 with a byte-order mark.

Excel on Windows, which most Thai readers open a downloaded CSV with, decodes a CSV without a
BOM in the machine's ANSI code page (cp874 or cp1252) and shows UTF-8 Thai as mojibake; with the
BOM it reads UTF-8. A BOM costs machines nothing (frictionless, pandas ``utf-8-sig``, PostgreSQL
``COPY ... HEADER`` and ckanext-dgti's loader all skip it), so the one published CSV carries it,
rather than an ``.xlsx`` beside it: xlsx caps a sheet at 1,048,576 rows, takes about a minute per
million rows to write, and its zip timestamps would change the digest on unchanged re-runs.

The pipeline's own CSV stays without a BOM (what the DataStore upsert path and the checks read);
the publisher uploads a copy made once per change of that file: the same bytes after the 3-byte
BOM, so its digest only changes when the data does.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

BOM = codecs.BOM_UTF8


def _cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"dgti-excel-csv-{os.getuid()}"


def excel_csv(csv: Path) -> Path:
    """``csv`` with a UTF-8 BOM in front (unless it has one), as a cached copy; its path."""
    with csv.open("rb") as fh:
        if fh.read(len(BOM)) == BOM:
            return csv
    src = csv.stat()
    key = hashlib.sha256(str(csv.resolve()).encode()).hexdigest()[:24]
    out = _cache_dir() / f"{key}-{csv.name}"
    if out.exists():
        have = out.stat()
        if have.st_size == src.st_size + len(BOM) and have.st_mtime_ns >= src.st_mtime_ns:
            return out
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = out.with_name(out.name + ".tmp")
    with csv.open("rb") as fin, tmp.open("wb") as fout:
        fout.write(BOM)
        shutil.copyfileobj(fin, fout, 1 << 20)
    os.replace(tmp, out)
    return out
