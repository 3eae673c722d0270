"""The Arrow scans of a published CSV give what the csv module gives, on the files it can read
and by falling back on those it cannot."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from dgti_data.publish import csvscan
from dgti_data.publish.metadata import years_of_data


def by_csv_module(path: Path, name: str) -> tuple[int, set[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return len(rows), {r.get(name) or "" for r in rows}


CELLS = ["2566", " 2567 ", "", "๒๕๖๘", "ก,ข", 'say "hi"', "line\nbreak", "a\r\nb", "2565", "x" * 300]


@pytest.mark.parametrize("seed", range(6))
def test_arrow_scan_equals_csv_module(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "d.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["year", "text"])
        for _ in range(rng.choice([0, 1, 50, 500])):
            w.writerow([rng.choice(CELLS), rng.choice(CELLS)])
    rows, values = by_csv_module(path, "year")
    assert csvscan.count_rows(path) == rows
    assert csvscan.distinct_values(path, "year") == values
    assert csvscan._arrow_column(path, "year") is not None  # the fast path ran


@pytest.mark.parametrize(
    "text",
    ["year,text\n2566,a\n2567\n", "year,text\n2566,a,extra\n", "", "year,year\n1,2\n",
     'year,text\n"2566,a\n'],
    ids=["short-row", "long-row", "empty", "duplicate-header", "unclosed-quote"],
)
def test_files_arrow_refuses_are_read_by_the_csv_module(tmp_path: Path, text: str) -> None:
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    rows, values = by_csv_module(path, "year")
    assert csvscan.count_rows(path) == rows
    assert csvscan.distinct_values(path, "year") == values


def test_years_of_data_reads_ascii_years_only(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("year,text\n2566,a\n 2564 ,b\n๒๕๗๐,c\n,d\nabc,e\n2568,f\n", encoding="utf-8")
    assert years_of_data(path, "year") == ("2564", "2568")
    assert years_of_data(path, "text") is None
