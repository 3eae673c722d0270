"""Small example bundles written from a dataset's published schema: for tests and for trying
``dgti-data publish`` before the upstream stages have produced anything.

Values follow each field's type, enum, range and simple patterns (``DGTi-[0-9]{4}-[0-9]{6}``);
primary keys are unique. Nothing here is real or personal.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dgti_data.datasets import Dataset
from dgti_data.publish.bundle import PublicationBundle, bundle_from_files, published_schema

_DIGITS = re.compile(r"\[[^\]]*0-9[^\]]*\]\{(\d+)\}")  # [0-9]{6}, [0-9a-f]{16}: filled with digits


def _group_end(pattern: str, start: int) -> int:
    depth = 0
    for i in range(start, len(pattern)):
        depth += {"(": 1, ")": -1}.get(pattern[i], 0)
        if depth == 0:
            return i
    raise ValueError(f"unbalanced pattern {pattern!r}")


def _split_top(body: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in body:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "|" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [*parts, cur]


def _simplify(pattern: str) -> str:
    """Groups → their first alternative; ``(...)*`` → nothing. Keeps ``[0-9]{k}`` and literals."""
    out, i = [], 0
    while i < len(pattern):
        if pattern[i] == "(":
            end = _group_end(pattern, i)
            if pattern[end + 1 : end + 2] == "*":
                i = end + 2
                continue
            out.append(_simplify(_split_top(pattern[i + 1 : end])[0]))
            i = end + 1
        elif pattern[i] == "\\":
            out.append(pattern[i + 1 : i + 2])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out)


def from_pattern(pattern: str, n: int) -> str:
    """A string matching a simple pattern; the last ``[0-9]{k}`` group carries ``n`` (unique keys),
    the others read ``2567``."""
    simple = _simplify(pattern)
    groups = list(_DIGITS.finditer(simple))
    out, pos = [], 0
    for i, m in enumerate(groups):
        width = int(m.group(1))
        out.append(simple[pos : m.start()])
        out.append(str(n).zfill(width)[-width:] if i == len(groups) - 1 else "2567"[:width].zfill(width))
        pos = m.end()
    out.append(simple[pos:])
    return _LETTERS.sub(lambda m: _in_letters(m, n), "".join(out))


_LETTERS = re.compile(r"\[((?:[a-z]-[a-z]|[a-z])+)\]\{(\d+)\}")  # [b-df-hj-km-np-tv]{16}: pseudonyms


def _in_letters(m: re.Match[str], n: int) -> str:
    """``n`` written in the letters of a ``[a-z…]{k}`` class, padded with its first letter."""
    body = m.group(1)
    letters = "".join(chr(c) for a, b in re.findall(r"([a-z])(?:-([a-z]))?", body)
                      for c in range(ord(a), ord(b or a) + 1))
    out = ""
    while n:
        n, r = divmod(n, len(letters))
        out = letters[r] + out
    width = int(m.group(2))
    return out.rjust(width, letters[0])[-width:]


def example_value(field: dict[str, Any], n: int, rng: random.Random) -> str:
    c = field.get("constraints", {})
    kind = field.get("type", "string")
    if "enum" in c:
        return str(rng.choice(c["enum"]))
    if kind == "integer":
        return str(rng.randint(int(c.get("minimum", 0)), int(c.get("maximum", 1000))))
    if kind == "number":
        hi = min(float(c.get("maximum", 1e6)), 1e6)
        return f"{rng.uniform(float(c.get('minimum', 0)), hi):.2f}"
    if kind == "boolean":
        return rng.choice(["true", "false"])
    if kind == "date":
        return (date(2023, 1, 1) + timedelta(days=rng.randint(0, 700))).isoformat()
    if "pattern" in c:
        return from_pattern(c["pattern"], n)
    if field.get("format") == "email":
        return f"{hashlib.sha256(str(n).encode()).hexdigest()[:12]}@pseudonym.invalid"
    if field.get("format") == "uri":
        return f"https://lao-{n}.example.org/"
    if field.get("treatment") == "generalise":
        return rng.choice(["20-29", "30-39", "40-49", "50-59"])
    return f"{field.get('titleTh', field['name'])} ตัวอย่างที่ {n}"


def example_rows(schema: dict[str, Any], rows: int, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    fields = schema["fields"]
    return [{f["name"]: example_value(f, n, rng) for f in fields} for n in range(1, rows + 1)]


def write_csv(path: Path, schema: dict[str, Any], rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[f["name"] for f in schema["fields"]], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_reports(
    folder: Path, dataset: Dataset, rows: int, generated_at: str = "2024-12-31T17:00:00+00:00"
) -> list[Path]:
    """A JSON and an HTML report shaped like the pipeline's, stamped with ``generated_at``."""
    report = {
        "valid": True, "stats": {"rows": rows, "seconds": 0.1}, "time": 0.1,
        "dgti": {"dataset": dataset.name, "valid_rows": rows, "generated_at": generated_at},
    }
    json_report = folder / "report.json"
    json_report.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    html_report = folder / "report.html"
    html_report.write_text(
        f"<!doctype html><meta charset='utf-8'><title>รายงาน {dataset.name}</title>"
        f"<h1>รายงานผลการตรวจสอบ / Validation report</h1><p>{rows} rows, all valid.</p>"
        f"<p class='note'>สร้างเมื่อ / generated {generated_at}</p>\n",
        encoding="utf-8",
    )
    return [json_report, html_report]


def example_bundle(
    dataset: Dataset, folder: Path, rows: int = 50, seed: int = 0, *, save: bool = True
) -> PublicationBundle:
    """A bundle in ``folder``: ``<dataset>.csv``, ``report.json``, ``report.html``, ``publication.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    schema = published_schema(dataset)
    data = write_csv(folder / f"{dataset.name}.csv", schema, example_rows(schema, rows, seed))
    json_report, html_report = write_reports(folder, dataset, rows)
    bundle = bundle_from_files(dataset, data, [json_report, html_report], table_schema=schema)
    if save:
        bundle.save(folder)
    return bundle
