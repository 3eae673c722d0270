"""Every measured figure the README quotes (its Performance section and the hub start-up table) and
every one ``docs/performance.md`` quotes is in a results file a bench wrote, and every results file
says where and from what it came."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from dgti_data.settings import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
PERFORMANCE = PROJECT_ROOT / "docs" / "performance.md"
RESULTS = PROJECT_ROOT / "bench" / "results"
NUM = r"\d[\d,]*(?:\.\d+)?"
# A figure: one number or a list of them ("16.9 / 14.9 / 17.4 s", "14–21 s") with a unit after.
B = r"\**"  # bold
FIGURE = re.compile(rf"{NUM}{B}(?:\s*(?:/|–)\s*{B}{NUM}{B})*\s?(?:s|×|MB|GB|%|writes|rows a second)(?!\w)")


def sections(text: str) -> str:
    """The Performance section and the hub start-up table."""
    perf = text.split("\n## Performance\n", 1)[1].split("\n## ", 1)[0]
    hub = text.split("\n| start | time |\n", 1)[1].split("\n\n", 1)[0]
    return perf + "\n" + hub


def quoted(text: str) -> Iterator[tuple[str, str]]:
    """(number as written, its unit) of each figure (code blocks and links are not figures)."""
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    for figure in FIGURE.finditer(text):
        unit = re.sub(rf"^.*{NUM}{B}\s?", "", figure.group())
        yield from ((n, unit) for n in re.findall(NUM, figure.group()))


def numbers(value: Any) -> Iterator[float]:
    """Every number a results document holds (not inside strings: those are notes)."""
    if isinstance(value, bool):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers(v)


def backed(figure: str, unit: str, measured: list[float]) -> bool:
    """Whether some measured number, rounded as the figure is written, gives the figure (a
    percentage may be stored as a fraction)."""
    decimals = len(figure.split(".")[1]) if "." in figure else 0
    value = float(figure.replace(",", ""))
    scales = (1, 100) if unit == "%" else (1,)
    return any(round(m * k, decimals) == value for m in measured for k in scales)


def results() -> dict[str, Any]:
    return {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("*.json"))}


def test_every_figure_the_readme_quotes_is_in_a_results_file() -> None:
    measured = [n for doc in results().values() for n in numbers(doc)]
    figures = list(quoted(sections(README.read_text(encoding="utf-8"))))
    assert len(figures) > 20  # the sections were found
    missing = sorted({f"{f} {u}" for f, u in figures if not backed(f, u, measured)})
    assert not missing, f"figures in the README no results file holds: {missing}"


# Figures in docs/performance.md that are settings, not measurements.
SETTINGS = {"900 s"}  # DGTI_CKAN_LOAD_TIMEOUT
# Its tables of measurements (by the start of their header row): their cells carry no unit.
MEASURED_TABLES = ("| rows | mode | runs |", "| stage (seconds) |", "| runner | 1 worker |",
                   "| path (1M rows")


def table_cells(text: str) -> Iterator[tuple[str, str]]:
    """(number as written, "%" or "") of each number in the cells of the tables of measurements,
    header rows left out (inline code and words such as ``int4`` hold no figure)."""
    rows: list[str] = []
    for line in [*text.splitlines(), ""]:
        if line.strip().startswith("|"):
            rows.append(line.strip())
            continue
        if rows and rows[0].startswith(MEASURED_TABLES):
            for row in rows[2:]:
                row = re.sub(r"`[^`]*`", " ", row)
                for m in re.finditer(rf"(?<![\w.]){NUM}(?![\w.])(\s?%)?", row):
                    yield m.group().rstrip("% ,"), "%" if m.group(1) else ""
        rows = []


def test_every_figure_docs_performance_quotes_is_in_a_results_file() -> None:
    """Its prose (each figure with a unit, as in the README) and its tables of measurements."""
    measured = [n for doc in results().values() for n in numbers(doc)]
    text = PERFORMANCE.read_text(encoding="utf-8")
    figures = [(f, u) for f, u in quoted(text) if f"{f} {u}" not in SETTINGS]
    cells = list(table_cells(re.sub(r"```.*?```", " ", text, flags=re.S)))
    assert len(figures) > 50 and len(cells) > 100  # the figures and the tables were found
    missing = sorted({f"{f} {u}" for f, u in figures + cells if not backed(f, u, measured)})
    assert not missing, f"figures in docs/performance.md no results file holds: {missing}"


def test_a_figure_no_file_holds_is_caught() -> None:
    measured = [n for doc in results().values() for n in numbers(doc)]
    assert not backed("123456.7", "s", measured)
    assert list(quoted("a load of 12.5 s, then 3 / **4.25** s and 2.7× and 1,234 writes")) == [
        ("12.5", "s"), ("3", "s"), ("4.25", "s"), ("2.7", "×"), ("1,234", "writes")]
    table = "| rows | mode | runs | s |\n|---|---|---|---|\n| 1,000 | `x 7` int4 | 3 | 59.0 (58–60), 3.3% |\n"
    assert list(table_cells(table)) == [("1,000", ""), ("3", ""), ("59.0", ""), ("58", ""), ("60", ""),
                                        ("3.3", "%")]


# Written before benches recorded the CPU model: the README says so beside their figures. Every
# other results file must name its machine.
UNNAMED_CPU = {"datastore_load.json", "datastore_load_no_column_indexes.json",
               "datastore_load_thai_100k.json", "datastore_load_thai_100k_before.json"}
# Detector quality (no timing) of the code before issue 14, measured once on the holdout set before
# any detector changed; it records its commit, and its figures do not depend on the machine.
QUALITY_ONLY = {"pii_holdout_before.json"}


@pytest.mark.parametrize("name", sorted(p.name for p in RESULTS.glob("*.json")))
def test_each_results_file_names_its_machine(name: str) -> None:
    """The CPU model and cores, stamped by ``bench/stamp.py`` or by the bench of an older run."""
    doc = results()[name]
    if name in QUALITY_ONLY:
        assert doc["commit"] and "kinds" in doc and "run" not in doc
        return
    machine = doc.get("run", {}).get("machine") or doc.get("machine", {})
    assert machine.get("cores") or machine.get("nproc") or machine.get("cpus")
    assert bool(machine.get("cpu")) == (name not in UNNAMED_CPU), machine
