"""The column-wise "surely loadable" check never hides a problem the row-by-row check finds."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

import pytest

from dgti_data.publish import datastore

SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "string"},
        {"name": "n", "type": "integer", "constraints": {"minimum": 0, "maximum": 100}},
        {"name": "big", "type": "integer"},
        {"name": "x", "type": "number"},
        {"name": "ok", "type": "boolean", "trueValues": ["ใช่"], "falseValues": ["ไม่ใช่"]},
        {"name": "d", "type": "date"},
        {"name": "t", "type": "string"},
    ],
    "primaryKey": ["id"],
    "missingValues": ["", "-"],
}
GOOD = {"n": ["0", "7", "-3", ""], "big": ["12345678901", "-"], "x": ["1.5", "2", "-0.25", ""],
        "ok": ["ใช่", "ไม่ใช่", "true", "0", ""], "d": ["2566-01-01", ""], "t": ["ก,ข", "a\nb", 'q"q', ""]}
# Accepted by int()/Decimal() or not: either way not plainly of the type, so the row check decides.
ODD = {"n": ["+5", " 7", "1_000", "๗", "x", "1.0"], "big": ["1e3", "٣"],
       "x": ["1e5", "NaN", ".5", "1,5", "๑.๕"], "ok": ["yes", "TRUE ", "ใช"], "d": [], "t": []}


def slow(path: Path, schema: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as m:
        m.setattr(datastore, "surely_loadable", lambda *_: False)
        return datastore.row_problems(path, schema)


def write(path: Path, rows: list[dict[str, str]], header: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


@pytest.mark.parametrize("seed", range(40))
def test_fast_yes_means_the_row_check_finds_nothing(tmp_path: Path, seed: int,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    odd = rng.random() < 0.5
    rows = []
    for i in range(rng.choice([1, 20, 200])):
        row = {"id": rng.choice([f"r{i}", f"r{i}", f"r{i}", "", "-", "r0"]) if odd else f"r{i}"}
        for name, values in GOOD.items():
            pool = values + ODD[name] if odd and rng.random() < 0.05 else values
            row[name] = rng.choice(pool)
        rows.append(row)
    path = tmp_path / "d.csv"
    write(path, rows, ["id", *GOOD])
    expected = slow(path, SCHEMA, monkeypatch)
    if datastore.surely_loadable(path, SCHEMA):
        assert expected == []
    if not odd:
        assert datastore.surely_loadable(path, SCHEMA)  # clean files take the fast path
        assert expected == []


def test_each_odd_value_sends_the_file_to_the_row_check(tmp_path: Path) -> None:
    for name, values in ODD.items():
        for value in values:
            row = {"id": "a", **{k: v[0] for k, v in GOOD.items()}, name: value}
            path = tmp_path / "d.csv"
            write(path, [row], ["id", *GOOD])
            assert not datastore.surely_loadable(path, SCHEMA), (name, value)


@pytest.mark.parametrize("keys", [["a", "a"], ["a", ""], ["", "b"], ["-", "b"]])
def test_missing_or_repeated_keys_are_not_surely_loadable(tmp_path: Path, keys: list[str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "d.csv"
    write(path, [{"id": k, **{n: v[0] for n, v in GOOD.items()}} for k in keys], ["id", *GOOD])
    assert not datastore.surely_loadable(path, SCHEMA)
    assert slow(path, SCHEMA, monkeypatch) != []


def test_integer_keys_go_to_the_row_check(tmp_path: Path) -> None:
    schema = {**SCHEMA, "fields": [{"name": "id", "type": "integer"}, *SCHEMA["fields"][1:]]}
    path = tmp_path / "d.csv"
    write(path, [{"id": k, **{n: v[0] for n, v in GOOD.items()}} for k in ["1", "01"]], ["id", *GOOD])
    assert not datastore.surely_loadable(path, schema)
    assert datastore.row_problems(path, schema) != []  # "01" and "1" are one key


def test_a_missing_or_repeated_column_goes_to_the_row_check(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    good = {n: v[0] for n, v in GOOD.items()}
    write(path, [{"id": "a", **good}], ["id", *GOOD])
    assert datastore.surely_loadable(path, SCHEMA)
    path.write_text(path.read_text(encoding="utf-8").replace(",t\n", ",id\n", 1), encoding="utf-8")
    assert not datastore.surely_loadable(path, SCHEMA)  # "t" missing, "id" twice
