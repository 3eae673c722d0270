"""Quality over time: each run's counts per dataset and per office, kept beside the results.

A steward asks "is this dataset getting better?". Each run appends one line per file to
``quality-history.jsonl`` in the results folder: counts only (rows, valid, quarantined, errors by
type, per office code), never a value from a row and never a file name, so it holds no personal
data. It is a convenience, safe to lose: a missing or damaged file starts a new history, and a
history that cannot be written never fails the run. ``trend.render`` draws it in the steward's
local view (``quality.html``), which is never published: the reports published with the data do
not change when only the history grows, so an unchanged re-run still writes nothing to CKAN.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

HISTORY_FILE = "quality-history.jsonl"
KEEP_RUNS = 100  # runs kept in the file; the trend draws the last TREND_RUNS of each dataset
TREND_RUNS = 30
UNKNOWN_OFFICE = ""  # rows whose office code is missing or not in the registry


@dataclass(frozen=True)
class OfficeCounts:
    rows: int = 0
    quarantined: int = 0
    errors: int = 0


@dataclass(frozen=True)
class FileCounts:
    """One file's counts in one run: what the history keeps of it."""

    dataset: str
    status: str
    rows_read: int
    valid_rows: int
    quarantined_rows: int
    errors: int
    rows_published: int
    errors_by_type: dict[str, int] = field(default_factory=dict)
    offices: dict[str, OfficeCounts] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        doc = {k: v for k, v in self.__dict__.items() if k != "offices"}
        offices = {code: [c.rows, c.quarantined, c.errors] for code, c in self.offices.items()}
        return doc | {"offices": offices}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> FileCounts:
        offices = {str(code): OfficeCounts(*map(int, c)) for code, c in doc.get("offices", {}).items()}
        return cls(str(doc["dataset"]), str(doc["status"]), int(doc["rows_read"]), int(doc["valid_rows"]),
                   int(doc["quarantined_rows"]), int(doc["errors"]), int(doc["rows_published"]),
                   {str(k): int(v) for k, v in doc.get("errors_by_type", {}).items()}, offices)


@dataclass(frozen=True)
class RunRecord:
    run: str  # when the run recorded its files (UTC, ISO 8601): also its identity
    files: tuple[FileCounts, ...]


def office_counts(
    offices: Sequence[Any], row_numbers: Sequence[int], valid_index: Iterable[int],
    error_rows: Iterable[int | None], bad_office_rows: Iterable[int | None],
) -> dict[str, OfficeCounts]:
    """Rows, quarantined rows and errors per office code (row ``i`` of the table was raw row
    ``row_numbers[i]``). A row whose office code itself has an error (not in the registry, mistyped)
    counts under ``UNKNOWN_OFFICE``: the history keeps only codes that name a real office."""
    bad = set(bad_office_rows)
    code_of_row: dict[int, str] = {}
    rows: dict[str, int] = {}
    for value, raw_row in zip(offices, row_numbers, strict=True):
        code = UNKNOWN_OFFICE if raw_row in bad or value is None or value != value else str(value).strip()
        code_of_row[raw_row] = code
        rows[code] = rows.get(code, 0) + 1
    valid = {row_numbers[i] for i in valid_index}
    quarantined: dict[str, int] = {}
    for raw_row, code in code_of_row.items():
        if raw_row not in valid:
            quarantined[code] = quarantined.get(code, 0) + 1
    errors: dict[str, int] = {}
    for raw_row in error_rows:
        code = code_of_row.get(raw_row, UNKNOWN_OFFICE) if raw_row is not None else UNKNOWN_OFFICE
        errors[code] = errors.get(code, 0) + 1
    return {code: OfficeCounts(rows.get(code, 0), quarantined.get(code, 0), errors.get(code, 0))
            for code in sorted(set(rows) | set(errors))}


def read_history(results_dir: Path) -> list[RunRecord]:
    """Every run recorded in ``results_dir``, oldest first; lines that cannot be read are skipped."""
    path = results_dir / HISTORY_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        return []
    runs: dict[str, list[FileCounts]] = {}
    for line in lines:
        try:
            doc = json.loads(line)
            counts = FileCounts.from_dict(doc["file"])
            runs.setdefault(str(doc["run"]), []).append(counts)
        except (ValueError, KeyError, TypeError):
            continue  # a damaged line (a run killed mid-write): the others still count
    return [RunRecord(run, tuple(files)) for run, files in sorted(runs.items())]


@contextlib.contextmanager
def _locked(results_dir: Path) -> Iterator[None]:
    """Two runs on one results folder take turns to append and redraw."""
    with (results_dir / f".{HISTORY_FILE}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def append_run(results_dir: Path, files: Sequence[FileCounts], now: dt.datetime | None = None,
               keep: int = KEEP_RUNS) -> list[RunRecord]:
    """Append one run's files and answer the whole history (the oldest runs beyond ``keep`` are
    dropped). Raises ``OSError`` when the folder cannot be written: ``record`` turns it into a
    warning."""
    run = (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds")
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / HISTORY_FILE
    with _locked(results_dir):
        history = read_history(results_dir)
        if any(r.run == run for r in history):  # two runs in one second: still two runs
            run = f"{run}#{sum(r.run.startswith(run) for r in history)}"
        history.append(RunRecord(run, tuple(files)))
        lines = [json.dumps({"run": r.run, "file": f.to_dict()}, ensure_ascii=False, sort_keys=True)
                 for r in history[-keep:] for f in r.files]
        if len(history) > keep:  # rewrite without the oldest runs
            tmp = path.with_suffix(".tmp")
            tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            tmp.replace(path)
        else:
            with path.open("a", encoding="utf-8") as fh:
                fh.write("".join(line + "\n" for line in lines[-len(files):]) if files else "")
    return history[-keep:]
