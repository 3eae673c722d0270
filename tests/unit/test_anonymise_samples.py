"""End to end on generated samples: no planted personal value survives anonymisation.

The sample generator plants personal values in the personal columns and inside free text (names
with titles and ranks, IDs and phones in every written form, Thai digits included) and lists them
in its manifest. Every one of them, as written and as digits only, is searched for in the
published CSV, the derived schema and the report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from dgti_data.anonymise import anonymise, check_k
from dgti_data.anonymise.detectors import digits_only, strip_title
from dgti_data.datasets import Catalog
from dgti_data.normalise import normalise
from dgti_data.read import read_table
from dgti_data.sample.manifest import iter_entries

KEY = SecretStr("sample-test-key-0123456789")


@pytest.mark.parametrize("fmt", ["csv-utf8-bom", "csv-cp874", "xlsx"])
@pytest.mark.parametrize("dataset", ["local-digital-submissions", "lao-digital-readiness-survey"])
def test_no_planted_personal_value_survives(
    catalog: Catalog, make_sample: Callable[..., Path], tmp_path: Path, dataset: str, fmt: str
) -> None:
    path = make_sample(dataset, fmt)
    ds = catalog.get(dataset)
    table = normalise(read_table(path), ds)
    result = anonymise(table.frame, table.row_numbers, ds, KEY, k=5)
    assert not result.blocked, result.leaks
    paths = result.write(tmp_path, dataset)

    texts = {name: p.read_text(encoding="utf-8") for name, p in paths.items()}
    cells = [c for line in texts["csv"].splitlines() for c in line.split(",")]
    cell_digits = {digits_only(c) for c in cells}
    planted = list(iter_entries(Path(f"{path}.manifest.json"), "personal_values"))
    assert len(planted) > 1000
    kinds = set()
    for entry in planted:
        value, kind = entry["value"].strip(), entry["kind"]
        kinds.add(kind)
        forms = {value}
        if kind == "name":
            forms.add(strip_title(value))
        for form in forms:
            for name, text in texts.items():
                assert form not in text, f"{kind} of row {entry['row']} ({entry['field']}) found in {name}"
        if kind in ("phone", "national_id"):
            digits = digits_only(value)
            assert not any(digits in d for d in cell_digits), f"{kind} of row {entry['row']} found as digits"
            for name, text in texts.items():
                assert digits not in text, f"{kind} of row {entry['row']} found as digits in {name}"
    assert kinds == {"name", "phone", "email", "national_id", "line_id"}
    report = json.loads(texts["report"])
    assert sum(report["redactions_by_kind"].values()) > 0
    if dataset == "lao-digital-readiness-survey":
        qis = report["k_anonymity"]["quasi_identifiers"]
        assert report["k_anonymity"]["k_achieved"] >= 5
        assert check_k(result.frame, qis, result.published_schema) >= 5
        assert report["rows_out"] >= 0.95 * report["rows_in"]


def test_pseudonyms_are_stable_across_runs_and_keys(catalog: Catalog,
                                                    make_sample: Callable[..., Path]) -> None:
    ds = catalog.get("local-digital-submissions")
    table = normalise(read_table(make_sample("local-digital-submissions")), ds)

    def emails(key: SecretStr):
        return anonymise(table.frame, table.row_numbers, ds, key).frame["contact_email"]

    first = emails(KEY)
    again = emails(SecretStr(KEY.get_secret_value()))
    other = emails(SecretStr("another-key-0123456789"))
    assert first.equals(again)
    both = first.notna() & other.notna() & (first != "[ค่าไม่ถูกต้อง/invalid]")
    assert both.sum() > 100 and (first[both] != other[both]).all()
    # a coordinator who appears in several rows keeps one pseudonym
    assert first[both].value_counts().max() > 1
