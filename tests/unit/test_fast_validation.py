"""The fast validation path against frictionless itself: same files in, identical reports out.

Every case runs both engines on one CSV and requires the task's errors to be equal dict for dict
(type, row, field, note, cell, cells, message...), with the fast path at several batch sizes so
that duplicates straddle batch boundaries. Any difference fails.
"""

from __future__ import annotations

import copy
import csv
import decimal
from pathlib import Path
from typing import Any

import frictionless
import pytest

from dgti_data.datasets import load_catalog
from dgti_data.normalise import normalise
from dgti_data.read import read_table
from dgti_data.sample import generate
from dgti_data.validate.fast import (
    ReferenceTable,
    Unsupported,
    references_from_catalog,
    supports,
    validate_csv,
)
from dgti_data.validate.fast.keys import HashRowTable, KeyIndex
from dgti_data.validate.fast.patterns import digit_run, python_matcher, re2_subset
from dgti_data.validate.runner import validate_dataset

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
MISSING = ["", "-", "N/A", "n/a", "ไม่มีข้อมูล"]
BATCHES = (2, 3, 1000)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def frictionless_report(tmp: Path, name: str, schema: dict[str, Any], path: Path,
                        references: dict[str, ReferenceTable]) -> dict[str, Any]:
    """How the pipeline's validate stage runs frictionless: package context, limit lifted."""
    resources = [{"name": name, "path": str(path), "format": "csv", "encoding": "utf-8",
                  "schema": copy.deepcopy(schema)}]
    resources += [{"name": n, "path": str(r.path), "schema": copy.deepcopy(dict(r.schema))}
                  for n, r in references.items() if n != name]
    with frictionless.system.use_context(trusted=True):
        package = frictionless.Package({"name": "t", "resources": resources}, basepath=str(tmp))
        return package.get_resource(name).validate(limit_errors=10**9).to_dict()


def comparable(report: dict[str, Any]) -> dict[str, Any]:
    task = copy.deepcopy(report["tasks"][0])
    task["stats"].pop("seconds")
    task.pop("place")
    return {"valid": report["valid"], "errors": report["stats"]["errors"], "task": task}


def key_list(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(e.get("rowNumber"), e.get("fieldName"), e["type"], e["note"])
            for e in report["tasks"][0]["errors"]]


def assert_same(tmp: Path, name: str, schema: dict[str, Any], path: Path,
                references: dict[str, ReferenceTable] | None = None,
                batches: tuple[int, ...] = BATCHES) -> dict[str, Any]:
    references = references or {}
    expected = frictionless_report(tmp, name, schema, path, references)
    for batch_rows in batches:
        got = validate_csv(path, schema, name=name, references=references, batch_rows=batch_rows)
        assert key_list(got) == key_list(expected), f"batch_rows={batch_rows}"
        assert comparable(got) == comparable(expected), f"batch_rows={batch_rows}"
    return expected


# --- a schema with every check the project's schemas use, and more -------------------------------

THINGS_SCHEMA = {
    "fields": [
        {"name": "code", "type": "string", "constraints": {"required": True}},
        {"name": "label", "type": "string"},
    ],
    "primaryKey": ["code"],
    "missingValues": [""],
}
EDGE_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "unique": True,
                                                          "pattern": "E[0-9]{3}"}},
        {"name": "n_int", "type": "integer", "constraints": {"minimum": 0, "maximum": 300}},
        {"name": "year", "type": "integer", "constraints": {"required": True, "minimum": 2560,
                                                            "maximum": 2575}},
        {"name": "budget", "type": "number", "constraints": {"minimum": 0, "maximum": 500000000}},
        {"name": "ratio", "type": "number"},
        {"name": "flag", "type": "boolean", "constraints": {"required": True},
         "trueValues": ["มี", "ใช่", "true", "TRUE", "True"],
         "falseValues": ["ไม่มี", "ไม่ใช่", "false", "FALSE", "False"]},
        {"name": "flag2", "type": "boolean"},
        {"name": "day", "type": "date", "constraints": {"required": True}},
        {"name": "day2", "type": "date"},
        {"name": "name", "type": "string", "constraints": {"minLength": 2, "maxLength": 5}},
        {"name": "kind", "type": "string", "constraints": {"enum": ["ก", "ข", "ค", "-x"]}},
        {"name": "code2", "type": "string", "constraints": {"pattern": "[0-9]{2}"}},
        {"name": "chan", "type": "string", "constraints": {"pattern": "a|b"}},
        {"name": "mail", "type": "string", "format": "email"},
        {"name": "url", "type": "string", "format": "uri"},
        {"name": "thing", "type": "string"},
        {"name": "txt", "type": "string"},
        {"name": "lvl", "type": "integer", "constraints": {"enum": [1, 2, "3"]}},
        {"name": "odd", "type": "string", "constraints": {"pattern": r"\D{2}|[^\d]9"}},
    ],
    "primaryKey": ["id"],
    "foreignKeys": [{"fields": "thing", "reference": {"resource": "things", "fields": "code"}}],
    "missingValues": MISSING,
}
BASE = {
    "n_int": "15", "year": "2566", "budget": "1000.50", "ratio": "0.5", "flag": "มี",
    "flag2": "true", "day": "2023-01-05", "day2": "2023-06-30", "name": "กขค", "kind": "ก",
    "code2": "12", "chan": "a", "mail": "someone@example.co.th", "url": "https://www.example.go.th/",
    "thing": "T1", "txt": "ข้อความ", "lvl": "2", "odd": "ab",
}
EDGES: dict[str, list[str]] = {
    "n_int": ["+15", " 15", "15 ", "015", "๑๕", "٣", "1_5", "1__5", "_15", "1e3", "15.0", "-0", "0",
              "300", "301", "-1", "99999999999999999999", "-99999999999999999999", "NaN", "inf", "-",
              "N/A", "n/a", "ไม่มีข้อมูล", "NA", "", "  ", "1,000", "\t15\n"],
    "year": ["", "-", "2560", "2575", "2559", "2576", "๒๕๖๖", "+2566", "2566.0", "ปี 2566"],
    "budget": ["0", "0.00", "-0", "-0.0", "500000000", "500000000.00", "500000000.0000001",
               "499999999.9999999", "-0.0000001", "1e3", "1E+3", "NaN", "nan", "inf", "-inf",
               "Infinity", "1_000", ".5", "5.", "๑.๕", " 1 ", "1,000", "0x10", "+1", "",
               "1234567890123456.5", "0.1234567890123456789", "600000000", "-5"],
    "ratio": ["NaN", "inf", "1e-400", "1e400", "-", "x"],
    "flag": ["มี", "ใช่", "true", "TRUE", "True", "ไม่มี", "ไม่ใช่", "false", "FALSE", "False",
             "tRue", "yes", "1", "0", " true", "", "-", "N/A"],
    "flag2": ["true", "True", "TRUE", "1", "false", "False", "FALSE", "0", "มี", "", "-", "t"],
    "day": ["2023-1-5", "2023-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "0001-01-01",
            "0000-01-01", "9999-12-31", "2023-13-01", "2023-04-31", "2023-04-30", "2023-01- 5",
            "๒๕๖๖-01-05", "2023-01-05 ", " 2023-01-05", "20230105", "05/01/2566", "", "-",
            "2023-1-05", "99999-01-01"],
    "day2": ["", "-", "2023-02-30", "2023-12-31", "x"],
    "name": ["กข", "กขคงจ", "กขคงจฉ", "ก", "ab", "abcdef", "", "-", "ไม่มีข้อมูล", "น้ำใจ", "นํ้าใจดี"],
    "kind": ["ก", "ข", "ค", "ง", " ก", "-x", "-", "", "กก"],
    "code2": ["12", "1", "123", "๑๒", "1a", "12\n", "", "-"],
    "chan": ["a", "b", "axyz", "xb", "ab", "c", "\nb", ""],
    "mail": ["a@b.co", "a@b", "a.b@c.com", "a..b@c.com", "A@B.CO", "ก@b.co", "é@b.co", "a@b.c1",
             "a@-b.co", "a@b_c.co", "a b@c.co", "a@b.co.", '"a"@b.co', "x" * 65 + "@b.co",
             "a@" + "b" * 64 + ".co", "", "-", "user+tag@sub.example.org", "@b.co"],
    "url": ["http://x", "a:", "1a:b", "x", "mailto:a@b", "://x", "HTTP://X", "www.example.go.th",
            "http ://x", "a+b.c-d:x", "https://ตัวอย่าง.ไทย", "", "-"],
    "thing": ["T1", "T2", "T9", "t1", "", "-", " T1"],
    "txt": ["สองบรรทัด\nบรรทัดที่สอง", 'มี "อัญประกาศ"', "a,b", ""],
    "lvl": ["1", "01", "+2", "3", "๓", "4", "0", "", "-", "x", "2.0"],
    "odd": ["ab", "กข", "a1", "๑๒", "x9", "19", "abc", "", "-"],
}


def edge_rows() -> list[list[str]]:
    names = [f["name"] for f in EDGE_SCHEMA["fields"]]
    rows = []
    for field, values in EDGES.items():
        for value in values:
            row = dict(BASE, id=f"E{len(rows):03d}")
            row[field] = value
            rows.append([row[n] for n in names])
    return rows


@pytest.fixture
def things(tmp_path: Path) -> dict[str, ReferenceTable]:
    path = write_csv(tmp_path / "things.csv", ["code", "label"],
                     [["T1", "one"], ["T2", "two"], ["", "blank"], ["T3", ""]])
    return {"things": ReferenceTable(path, THINGS_SCHEMA)}


def test_every_edge_case_cell_agrees(tmp_path: Path, things: dict[str, ReferenceTable]) -> None:
    names = [f["name"] for f in EDGE_SCHEMA["fields"]]
    path = write_csv(tmp_path / "edge.csv", names, edge_rows())
    expected = assert_same(tmp_path, "edge", EDGE_SCHEMA, path, things)
    kinds = {e["type"] for e in expected["tasks"][0]["errors"]}
    assert {"type-error", "constraint-error", "foreign-key"} <= kinds  # the cases do bite


def test_keys_blank_rows_and_duplicates_across_batches(tmp_path: Path,
                                                        things: dict[str, ReferenceTable]) -> None:
    names = [f["name"] for f in EDGE_SCHEMA["fields"]]
    base = [dict(BASE, id=f"E{i:03d}") for i in range(12)]
    rows = [[r[n] for n in names] for r in base]
    rows[4][0] = "E001"  # duplicate of row 3 (frictionless rows count the header as 1)
    rows[7][0] = "E001"  # triplicate: reported against the latest earlier row
    rows[9][0] = ""  # missing primary key
    rows[10][0] = "-"  # a missing-value marker in the key
    rows.append(["-" if i % 2 else "" for i, _ in enumerate(names)])  # blank via markers
    rows.append(["N/A" for _ in names])  # blank via markers
    rows.append(["E100"] + ["" for _ in names[1:]])  # not blank: has a key
    rows.append([r for r in rows[2]])  # an exact duplicate row
    path = write_csv(tmp_path / "keys.csv", names, rows)
    expected = assert_same(tmp_path, "keys", EDGE_SCHEMA, path, things, batches=(1, 2, 3, 5, 1000))
    kinds = [e["type"] for e in expected["tasks"][0]["errors"]]
    assert "blank-row" in kinds and "unique-error" in kinds and "primary-key" in kinds


COMPOSITE_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "a", "type": "string"},
        {"name": "b", "type": "integer", "constraints": {"unique": True}},
        {"name": "c", "type": "string", "constraints": {"unique": True, "maxLength": 3}},
        {"name": "d", "type": "string"},
    ],
    "primaryKey": ["a", "b"],
    "foreignKeys": [{"fields": ["a", "b"], "reference": {"resource": "pairs", "fields": ["x", "y"]}}],
    "missingValues": ["", "-"],
}
PAIRS_SCHEMA = {
    "fields": [{"name": "x", "type": "string"}, {"name": "y", "type": "integer"}],
    "missingValues": [""],
}


def test_composite_keys_integer_keys_and_optional_fields(tmp_path: Path) -> None:
    pairs = write_csv(tmp_path / "pairs.csv", ["x", "y"],
                      [["p", "1"], ["p", "2"], ["q", "015"], ["", "7"], ["r", ""], ["s", "x"], ["", ""]])
    references = {"pairs": ReferenceTable(pairs, PAIRS_SCHEMA)}
    rows = [
        ["p", "1", "a", "x"], ["p", "2", "b", ""], ["p", "01", "c", ""],  # 01 == 1: pk + unique
        ["q", "15", "d", ""], ["q", "+15", "e", ""], ["q", "๑๕", "f", ""],  # parsed equal
        ["", "7", "g", ""], ["-", "7", "h", ""], ["r", "", "i", ""], ["r", "-", "j", ""],
        ["", "-", "", ""], ["-", "-", "-", "-"], ["s", "x", "k", ""], ["s", "x", "k", ""],
        ["p", "3", "a", ""], ["1:p", "3", "llll", ""], ["p", "3", "m", ""], ["t", "1e3", "n", ""],
    ]
    path = write_csv(tmp_path / "pk.csv", ["a", "b", "c", "d"], rows)
    assert_same(tmp_path, "pk", COMPOSITE_SCHEMA, path, references, batches=(1, 2, 4, 1000))


def test_real_schemas_are_supported() -> None:
    catalog = load_catalog(SCHEMAS)
    references = references_from_catalog(catalog)
    for name, dataset in catalog.datasets.items():
        ok, reasons = supports(dataset.schema, references)
        assert ok, (name, reasons)


@pytest.mark.parametrize("dataset_name", ["lao-digital-readiness-survey", "local-digital-submissions"])
@pytest.mark.parametrize("seed", [1, 2])
def test_generated_samples_agree(tmp_path: Path, dataset_name: str, seed: int) -> None:
    """Messy samples with planted errors, normalised as the pipeline does, then both engines."""
    catalog = load_catalog(SCHEMAS)
    dataset = catalog.get(dataset_name)
    raw = tmp_path / "raw.csv"
    generate(dataset, raw, 400, seed, "csv-utf8-bom", SCHEMAS / "reference", error_rate=0.2, messy=True)
    path = normalise(read_table(raw), dataset).to_csv(tmp_path / f"{dataset_name}.csv")
    references = references_from_catalog(catalog)
    expected = assert_same(tmp_path, dataset_name, dataset.schema, path, references,
                           batches=(37, 1000))
    assert len(expected["tasks"][0]["errors"]) >= 60
    report = validate_dataset(path, dataset, catalog)
    assert report["engine"] == {"name": "fast"}


def test_reference_tables_agree(tmp_path: Path) -> None:
    """The reference CSVs themselves (integer keys, unique names, foreign keys between them)."""
    catalog = load_catalog(SCHEMAS)
    references = references_from_catalog(catalog)
    for name in catalog.names("reference"):
        dataset = catalog.get(name)
        assert_same(tmp_path, name, dataset.schema, catalog.reference_path(name), references,
                    batches=(500, 100_000))


def test_nothing_required_blank_rows(tmp_path: Path) -> None:
    schema = {"fields": [{"name": "a", "type": "integer"}, {"name": "b", "type": "string"}],
              "missingValues": ["", "NA"]}
    path = write_csv(tmp_path / "opt.csv", ["a", "b"], [["1", "x"], ["NA", ""], ["NA", "NA"], ["x", ""]])
    assert_same(tmp_path, "opt", schema, path, batches=(1, 1000))


def test_signalling_nan_crashes_both_engines(tmp_path: Path, things: dict[str, ReferenceTable]) -> None:
    names = [f["name"] for f in EDGE_SCHEMA["fields"]]
    row = dict(BASE, id="E001", budget="sNaN")
    path = write_csv(tmp_path / "snan.csv", names, [[row[n] for n in names]])
    with pytest.raises(decimal.InvalidOperation):
        frictionless_report(tmp_path, "snan", EDGE_SCHEMA, path, things)
    with pytest.raises(decimal.InvalidOperation):
        validate_csv(path, EDGE_SCHEMA, name="snan", references=things)


# --- what the fast path refuses, and the fallback -------------------------------------------------

@pytest.mark.parametrize("field", [
    {"name": "y", "type": "year"},
    {"name": "u", "type": "string", "format": "uuid"},
    {"name": "d", "type": "date", "format": "%d/%m/%Y"},
    {"name": "n", "type": "number", "groupChar": ","},
    {"name": "n", "type": "number", "constraints": {"enum": [1, 2]}},
    {"name": "d", "type": "date", "constraints": {"minimum": "2020-01-01"}},
    {"name": "i", "type": "integer", "constraints": {"exclusiveMinimum": 0}},
    {"name": "n", "type": "number", "constraints": {"unique": True}},
])
def test_unsupported_features_are_named(field: dict[str, Any]) -> None:
    ok, reasons = supports({"fields": [{"name": "k", "type": "string"}, field]})
    assert not ok and reasons


def test_fallback_to_frictionless_for_files_the_fast_path_cannot_read(tmp_path: Path) -> None:
    catalog = load_catalog(SCHEMAS)
    dataset = catalog.get("lao-digital-readiness-survey")
    names = dataset.field_names
    good = ["SRV-2566-000001", "2566", "2023-01-05", "1100000", "กรุงเทพมหานคร", "กรุงเทพมหานคร", "10",
            "ภาคกลาง", "มี", "https://www.bangkok.go.th", "5", "ไม่มี", "100", "2", "1000", "3", "", "นาย ก",
            "", "", "", "", "", ""]
    assert len(good) == len(names)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(",".join(names) + "\n" + ",".join(good) + "\n" + ",".join(good[:5]) + "\n",
                      encoding="utf-8")
    blank_line = tmp_path / "blank.csv"
    blank_line.write_text(",".join(names) + "\n\n" + ",".join(good) + "\n", encoding="utf-8")
    empty_cells = tmp_path / "empty-cells.csv"
    empty_cells.write_text(",".join(names) + "\n" + ",".join(good) + "\n" + "," * 23 + "\n",
                           encoding="utf-8")
    header = tmp_path / "header.csv"
    header.write_text(",".join(["x", *names[1:]]) + "\n" + ",".join(good) + "\n", encoding="utf-8")
    references = references_from_catalog(catalog)
    for path in (ragged, blank_line, empty_cells, header):
        with pytest.raises(Unsupported):
            validate_csv(path, dataset.schema, name=dataset.name, references=references)
        report = validate_dataset(path, dataset, catalog)
        assert report["engine"]["name"] == "frictionless"
        assert report["engine"]["fallbackReasons"]
        assert not report["valid"]


# --- building blocks --------------------------------------------------------------------------------

@pytest.mark.parametrize("pattern", ["SRV-[0-9]{4}-[0-9]{6}", "[0-9]{7}", "a|b", r"\d{2}", "x{,3}",
                                     "(เว็บไซต์|LINE OA)(;(เว็บไซต์|LINE OA))*", r"[^a-c]+", r"\w+\s\w+",
                                     "a$", r"[\d.]+", "(?:ab)*?c"])
def test_re2_translation_never_accepts_more_than_python(pattern: str) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    translated = re2_subset(pattern)
    assert translated is not None
    cells = ["SRV-2566-000001", "1234567", "1234567\n", "a", "b", "axyz", "xb", "12", "๑๒", "x{,3}",
             "xxx", "", "dd", "ก ข", "ab c", "a\n", "11.2", "ababc", "abc\n", "เว็บไซต์;LINE OA", "LINE OA;"]
    matched = pc.match_substring_regex(pa.array(cells), translated).to_pylist()
    python = python_matcher(pattern)
    for cell, hit in zip(cells, matched, strict=True):
        if hit:
            assert python.match(cell), (pattern, cell)


@pytest.mark.parametrize("pattern", [r"(a)\1", r"[^\d]", r"\bx", "(?=a)a", r"\D+"])
def test_re2_translation_refuses_what_it_cannot_keep_exact(pattern: str) -> None:
    assert re2_subset(pattern) is None


@pytest.mark.parametrize(("pattern", "expected"), [
    ("[0-9]{7}", (7, 7)), (r"\d{2,4}", (2, 4)), ("[0-9]", (1, 1)), ("[0-9]+", None),
    ("[0-9]{0,3}", None), ("a[0-9]", None), ("[0-9a]{2}", None), ("[0-9]{2}|x", None),
])
def test_digit_only_patterns_are_recognised(pattern: str, expected: tuple[int, int] | None) -> None:
    assert digit_run(pattern) == expected


def test_hash_table_grows_and_remembers_the_latest_row() -> None:
    import numpy as np

    table = HashRowTable(capacity=8)
    hashes = np.arange(1, 1001, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    hashes[hashes == 0] = 1
    assert not table.upsert(hashes, np.arange(1000) + 2).any()
    again = table.upsert(hashes[:10], np.arange(10) + 5000)
    assert again.tolist() == list(range(2, 12))
    assert table.upsert(hashes[:1], np.array([9])).tolist() == [5000]


def test_key_index_survives_hash_collisions(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every key hashed alike, answers must still come from the key text."""
    import numpy as np
    import pyarrow as pa

    from dgti_data.validate.fast import keys as keys_module

    monkeypatch.setattr(keys_module, "hash_strings", lambda arr: np.full(len(arr), 7, dtype=np.uint64))
    index = KeyIndex()
    first = index.previous(pa.array(["a", "b", "a", None]), 2)
    second = index.previous(pa.array(["b", "c", "a", "b"]), 6)
    assert first.tolist() == [0, 0, 2, 0]
    assert second.tolist() == [3, 0, 4, 6]
