"""The sample generator: reproducible bytes, real encodings, Thai headers, valid personal data, and
planted errors that are exactly the ones frictionless finds."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from datetime import date, datetime
from pathlib import Path

import frictionless
import openpyxl
import pytest
from click.testing import CliRunner

from dgti_data import reference
from dgti_data.cli.sample import sample
from dgti_data.datasets import Catalog, Dataset
from dgti_data.sample import FORMATS, SampleManifest, generate
from dgti_data.sample.personal import national_id_valid
from dgti_data.settings import PROJECT_ROOT

SCHEMAS = PROJECT_ROOT / "schemas"
REFERENCE = SCHEMAS / "reference"
DATASETS = ["local-digital-submissions", "lao-digital-readiness-survey"]
ENCODINGS = {"csv-utf8-bom": "utf-8-sig", "csv-cp874": "cp874"}
INVISIBLE = re.compile("[\u200b\u200c\ufeff\u00a0]")


def make(catalog: Catalog, tmp: Path, dataset: str = DATASETS[0], fmt: str = "csv-utf8-bom",
         rows: int = 200, seed: int = 7, **kw: object) -> SampleManifest:
    ext = "xlsx" if fmt == "xlsx" else "csv"
    return generate(catalog.get(dataset), tmp / f"{dataset}.{ext}", rows, seed, fmt,  # type: ignore[arg-type]
                    REFERENCE, **kw)  # type: ignore[arg-type]


def read_table(path: Path, fmt: str) -> list[list[str]]:
    """The file as text cells, header first (xlsx dates and numbers as ISO / plain text)."""
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        out = []
        for row in wb.active.iter_rows(values_only=True):
            out.append([
                "" if v is None else v.date().isoformat() if isinstance(v, datetime)
                else v.isoformat() if isinstance(v, date) else str(v)
                for v in row
            ])
        wb.close()
        width = len(out[0])  # openpyxl leaves out trailing empty cells
        return [r + [""] * (width - len(r)) for r in out]
    with path.open(encoding=ENCODINGS[fmt], newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_gives_identical_bytes(catalog, tmp_path, fmt, monkeypatch):
    a = make(catalog, tmp_path / "a", fmt=fmt)
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # zip entries would take "now"
    b = make(catalog, tmp_path / "b", fmt=fmt)
    monkeypatch.undo()
    c = make(catalog, tmp_path / "c", fmt=fmt, seed=8)
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.manifest_path.read_bytes() == b.manifest_path.read_bytes()
    assert a.path.read_bytes() != c.path.read_bytes()


def test_xlsx_carries_no_clock_time(catalog, tmp_path):
    m = make(catalog, tmp_path, fmt="xlsx", rows=100)
    with zipfile.ZipFile(m.path) as z:
        assert {i.date_time for i in z.infolist()} == {(2024, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert set(re.findall(r"\d{4}-\d\d-\d\dT[\d:]+Z", core)) == {"2024-01-01T00:00:00Z"}


def test_encodings(catalog, tmp_path):
    utf8 = make(catalog, tmp_path, fmt="csv-utf8-bom")
    assert utf8.path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert INVISIBLE.search(utf8.path.read_text(encoding="utf-8-sig")), "messy UTF-8 has invisible chars"

    cp874 = make(catalog, tmp_path, fmt="csv-cp874", dataset=DATASETS[1])
    raw = cp874.path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp874")
    assert raw.decode("tis-620") == text, "only characters TIS-620 also has"
    assert "ภาค" in text and not INVISIBLE.search(text)

    xlsx = make(catalog, tmp_path, fmt="xlsx")
    table = read_table(xlsx.path, "xlsx")
    assert table[0] == xlsx.headers and len(table) == xlsx.rows + 1


@pytest.mark.parametrize("dataset", DATASETS)
def test_headers_are_thai_source_headers_in_schema_order(catalog, tmp_path, dataset):
    ds: Dataset = catalog.get(dataset)
    m = make(catalog, tmp_path, dataset=dataset, rows=100, seed=3)
    header = read_table(m.path, "csv-utf8-bom")[0]
    assert header == m.headers and len(header) == len(ds.fields)
    for label, f in zip(header, ds.fields, strict=True):
        assert label.strip() in f.source_headers


@pytest.mark.parametrize("fmt", list(ENCODINGS))
def test_every_row_parses_to_the_schema_width(catalog, tmp_path, fmt):
    m = make(catalog, tmp_path, fmt=fmt, rows=300)
    table = read_table(m.path, fmt)
    assert len(table) == 301 and {len(r) for r in table} == {len(m.headers)}


def test_personal_values_are_valid_and_written_where_the_manifest_says(catalog, tmp_path):
    for dataset in DATASETS:
        m = make(catalog, tmp_path, dataset=dataset, rows=300)
        table = read_table(m.path, "csv-utf8-bom")
        column = {f: i for i, f in enumerate(catalog.get(dataset).field_names)}
        values = m.personal_values
        assert len(values) == m.personal_value_count
        kinds = {v.kind for v in values}
        assert kinds == {"name", "phone", "email", "national_id", "line_id"}
        in_text = {v.kind for v in values if catalog.get(dataset).field(v.field).is_free_text}
        assert {"name", "phone"} <= in_text, "personal data is planted in free text too"
        for v in values:
            assert v.value in table[v.row - 1][column[v.field]], v
            if v.kind == "national_id":
                assert national_id_valid(v.value), v
            if v.kind == "phone":
                digits = re.sub(r"\D", "", v.value.replace("+66", "0"))
                assert digits[0] == "0" and len(digits) in (9, 10), v
        assert any(re.fullmatch(r"\d-\d{4}-\d{5}-\d{2}-\d", v.value) for v in values)
        assert any(re.search("[๐-๙]", v.value) for v in values if v.kind == "national_id")


def test_error_count_and_one_error_per_row(catalog, tmp_path):
    m = make(catalog, tmp_path, rows=1000, error_rate=0.03)
    rows = [e.row for e in m.planted_errors]
    assert len(rows) == round(0.03 * 1000) == len(set(rows))
    assert all(2 <= r <= 1001 for r in rows)
    assert make(catalog, tmp_path / "none", rows=100, error_rate=0.0).planted_errors == []
    loaded = SampleManifest.load(m.manifest_path)
    assert loaded.planted_errors == m.planted_errors and loaded.headers == m.headers
    data = json.loads(m.manifest_path.read_text(encoding="utf-8"))
    assert data["personal_value_count"] == len(data["personal_values"]) == m.personal_value_count


def _frictionless_errors(ds: Dataset, table: list[list[str]], tmp: Path) -> set[tuple]:
    """Validate with the package's schema after renaming the Thai headers to field names."""
    plain = tmp / f"{ds.name}.plain.csv"
    with plain.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([ds.field_names, *table[1:]])
    resource = frictionless.Package(str(SCHEMAS / "datapackage.json")).get_resource(ds.name)
    resource.path = str(plain)
    with frictionless.system.use_context(trusted=True):
        report = resource.validate(limit_errors=10**9)
    found = set()
    for task in report.tasks:
        for e in task.errors:
            if e.type == "foreign-key":
                field = e.field_names[0]
            elif e.type == "primary-key":
                field = ds.primary_key[0]
            else:
                field = e.field_name
            constraint = None
            if e.type == "constraint-error":
                constraint = re.search(r'constraint "(\w+)"', e.note).group(1)
            found.add((e.row_number, field, e.type, constraint))
    return found


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dataset", DATASETS)
def test_planted_errors_are_exactly_what_frictionless_finds(catalog, tmp_path, dataset, fmt):
    ds = catalog.get(dataset)
    m = make(catalog, tmp_path, dataset=dataset, fmt=fmt, rows=500, seed=11, error_rate=0.06,
             messy=False)
    planted = {(e.row, e.field, e.type, e.constraint) for e in m.planted_errors}
    assert {t for _, _, t, _ in planted} == {"foreign-key", "primary-key", "constraint-error"}
    constraints = {c for *_, c in planted}
    assert {"enum", "required"} <= constraints and constraints & {"minimum", "maximum"}
    assert _frictionless_errors(ds, read_table(m.path, fmt), tmp_path) == planted


def test_messy_forms_are_there(catalog, tmp_path):
    m = make(catalog, tmp_path, rows=1000)
    text = m.path.read_text(encoding="utf-8-sig")
    for form in (r"\b\d{2}/\d{2}/25\d\d\b", r"\b\d{1,2}/\d{1,2}/25\d\d\b", r"\d{1,2} ก\.ค\. 25\d\d",
                 r"\d{1,2} (มกราคม|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม) 25\d\d",
                 r"[๐-๓][๐-๙]/[๐-๑][๐-๙]/๒๕[๐-๙]{2}", r"\b20\d\d-\d\d-\d\d\b", r",4\d{4},",
                 r'"\d{1,3}(,\d{3})+\.\d\d"', r",[๐-๙]{7},", r",\s+\S|\S\s+,"):
        assert re.search(form, text), form
    for word in ("มี", "ไม่มี", "ใช่", "ไม่ใช่"):
        assert f",{word}," in make(catalog, tmp_path / "s", dataset=DATASETS[1], rows=400).path.read_text(
            encoding="utf-8-sig")
    wb = openpyxl.load_workbook(make(catalog, tmp_path, fmt="xlsx", rows=300).path, read_only=True)
    dates = [r[2] for r in wb.active.iter_rows(min_row=2, values_only=True)]
    wb.close()
    assert any(isinstance(d, datetime) for d in dates) and any(isinstance(d, int) for d in dates)
    assert any(isinstance(d, str) and "/" in d for d in dates)


def test_values_agree_with_the_registry_and_each_other(catalog, tmp_path):
    laos = {lao.lao_code: lao for lao in reference.laos(REFERENCE)}
    regions = {p.province_code: p.region_th for p in reference.provinces(REFERENCE)}
    m = make(catalog, tmp_path, dataset=DATASETS[1], rows=400, messy=False, error_rate=0.0)
    names = catalog.get(DATASETS[1]).field_names
    rows = [dict(zip(names, r, strict=True)) for r in read_table(m.path, "csv-utf8-bom")[1:]]
    for r in rows:
        lao = laos[r["lao_code"]]
        assert lao.name_th in r["lao_name"] and r["lao_type"] == lao.lao_type
        assert r["province_code"] == lao.province_code and r["region"] == regions[lao.province_code]
        assert (r["website_url"] == "") == (r["has_website"] == "ไม่มี")
        assert r["survey_date"][:4] == str(int(r["survey_year"]) - 543)
        assert r["response_id"].startswith(f"SRV-{r['survey_year']}-")


def test_clean_and_messy_files_hold_the_same_rows(catalog, tmp_path):
    clean = read_table(make(catalog, tmp_path / "c", messy=False).path, "csv-utf8-bom")
    messy = read_table(make(catalog, tmp_path / "m", fmt="csv-cp874").path, "csv-cp874")
    thai = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
    for c, m in zip(clean[1:], messy[1:], strict=True):
        assert c[0] == m[0].strip() and c[3] == m[3].strip().translate(thai)


def test_limits(catalog, tmp_path):
    ds = catalog.get(DATASETS[0])
    with pytest.raises(ValueError, match="Excel"):
        generate(ds, tmp_path / "x.xlsx", 1_048_576, 1, "xlsx", REFERENCE)
    with pytest.raises(ValueError, match="rows"):
        generate(ds, tmp_path / "x.csv", 99, 1, "csv-utf8-bom", REFERENCE)
    with pytest.raises(ValueError, match="error_rate"):
        generate(ds, tmp_path / "x.csv", 100, 1, "csv-utf8-bom", REFERENCE, error_rate=0.9)
    assert not list(tmp_path.iterdir())


def test_progress_is_reported(catalog, tmp_path):
    seen: list[int] = []
    make(catalog, tmp_path, rows=12_000, progress=seen.append)
    assert seen[-1] == 12_000 and seen == sorted(seen) and len(seen) > 1


def test_cli_writes_each_file_with_its_manifest(tmp_path):
    result = CliRunner().invoke(sample, ["--dataset", DATASETS[1], "--rows", "100", "--format", "csv-cp874",
                                         "--format", "xlsx", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "planted errors=2" in result.output
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == sorted([f"{DATASETS[1]}.cp874.csv", f"{DATASETS[1]}.cp874.csv.manifest.json",
                            f"{DATASETS[1]}.xlsx", f"{DATASETS[1]}.xlsx.manifest.json"])
    out = io.StringIO(result.output)
    assert len([ln for ln in out if "rows=100" in ln]) == 2
