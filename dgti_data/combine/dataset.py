"""One dataset from many files: their valid rows, combined, anonymised as one table, published once.

Each file of a dataset that combines (``combine.rules``) is validated on its own and leaves its
valid rows, still raw, in its results folder (``<dataset>.valid-rows.parquet``: personal data, it
never leaves the machine, like the quarantine). This step takes the rows of the files in the drop
folder now, makes their union, and anonymises *the union*: k-anonymity with its generalisation
levels and suppression, and the leak gate, see the rows that will be published together (300
one-office files of 1–6 rows each are all suppressed one by one, and mostly publishable together).
Each file is then told what became of its rows: kept, replaced by a newer file of its office, held
for a key conflict, or suppressed for k-anonymity.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import SecretStr

from dgti_data.anonymise import AnonymisedTable, anonymise
from dgti_data.anonymise.leakgate import gate_document
from dgti_data.combine.coverage import RoundCoverage, coverage, write_counts_csv
from dgti_data.combine.rules import CombineRule
from dgti_data.combine.union import Submission, Union, union_submissions
from dgti_data.datasets import Catalog, Dataset

_ROW = "__row"
MAX_LEAK_ROUNDS = 3  # files whose rows leak are withheld and the rest anonymised again
MAX_LISTED_ROWS = 100  # per file, in reports; counts are always whole
LOCAL_COVERAGE = ("missing", "quarantined_only")  # office codes: in coverage.json, never published


def valid_rows_path(out_dir: Path, dataset: str) -> Path:
    return out_dir / f"{dataset}.valid-rows.parquet"


def dataset_dir(out_root: Path, dataset: str) -> Path:
    """The combined dataset's folder. A file's folder is a slug without dots (``app.process``), so
    ``<dataset>.dataset`` is never one."""
    return out_root / f"{dataset}.dataset"


def save_valid_rows(out_dir: Path, dataset: Dataset, frame: pd.DataFrame, row_numbers: list[int]) -> Path:
    """The file's valid rows (schema columns, raw normalised text) with their row numbers. Written
    by Arrow from the columns' values (a pandas frame of them cost twice as much, per small file)."""
    arrays = [pa.array(frame[name].tolist() if name in frame.columns else [None] * len(frame),
                       from_pandas=True) for name in dataset.field_names]
    table = pa.table([*arrays, pa.array(row_numbers, pa.int64())], names=[*dataset.field_names, _ROW])
    path = valid_rows_path(out_dir, dataset.name)
    pq.write_table(table, path)
    return path


def load_submissions(members: list[Member], dataset: Dataset) -> dict[str, Submission]:
    """The joining members' valid rows, by file name: read as Arrow tables and made into one frame
    once, each file's rows a slice of it (a frame per file costs far more than a one-office file's
    few rows; the union of a programme dataset has thousands). Cells as ``load_submission``'s."""
    joining = [m for m in members if m.rows_file is not None]
    tables = [_conformed(pq.read_table(m.rows_file), dataset) for m in joining if m.rows_file is not None]
    if not tables:
        return {}
    whole = pa.concat_tables(tables)
    frame = pd.DataFrame({c: pd.Series(whole.column(c).to_pylist(), dtype=object)
                          for c in dataset.field_names}, dtype=object)
    rows = whole.column(_ROW).to_pylist()
    out, start = {}, 0
    for m, table in zip(joining, tables, strict=True):
        end = start + len(table)
        out[m.name] = Submission(m.name, m.received, frame.iloc[start:end], rows[start:end])
        start = end
    return out


def _conformed(table: pa.Table, dataset: Dataset) -> pa.Table:
    """The schema's columns as text (a column no cell of the file filled is stored as nulls)."""
    arrays = [table.column(c).cast(pa.string()) if c in table.column_names
              else pa.nulls(len(table), pa.string()) for c in dataset.field_names]
    return pa.table([*arrays, table.column(_ROW).cast(pa.int64())], names=[*dataset.field_names, _ROW])


def load_submission(path: Path, name: str, received: float, dataset: Dataset) -> Submission:
    table = pd.read_parquet(path)
    rows = table[_ROW].astype("int64").tolist()
    frame = pd.DataFrame({c: table[c].astype(object) if c in table.columns else None
                          for c in dataset.field_names}, dtype=object)
    frame = frame.where(frame.notna(), None)
    return Submission(name=name, received=received, frame=frame, row_numbers=rows)


@dataclass(frozen=True)
class Member:
    """One file of the dataset in this run: ``rows_file`` is None when it may not join (``reason``)."""

    name: str
    received: float
    rows_file: Path | None
    reason: str = ""
    quarantined: int = 0
    quarantine_file: Path | None = None  # its quarantined rows: their offices have submitted too


@dataclass
class CombinedDataset:
    dataset: Dataset
    folder: Path
    union: Union
    anonymised: AnonymisedTable | None
    published_errors: list[Any]
    data_csv: Path | None
    per_file: dict[str, dict[str, Any]] = field(default_factory=dict)
    withheld: dict[str, str] = field(default_factory=dict)  # file → why its rows were left out
    quarantined: int = 0  # rows the files' validation held back, all files
    reports: list[Path] = field(default_factory=list)
    coverage: list[RoundCoverage] = field(default_factory=list)

    @property
    def publishable(self) -> bool:
        return (self.data_csv is not None and self.anonymised is not None and not self.anonymised.blocked
                and not self.published_errors and len(self.anonymised.frame) > 0)

    @property
    def rows_published(self) -> int:
        return len(self.anonymised.frame) if self.publishable and self.anonymised is not None else 0

    def lines(self) -> list[str]:
        """The steward's lines for the run's summary."""
        ka = self.anonymised.report.k_anonymity if self.anonymised else None
        head = (f"{self.dataset.name}: {len(self.union.files):,} file(s) combined, "
                f"{self.rows_published:,} row(s) publishable")
        if ka and ka.quasi_identifiers:
            head += f", {ka.rows_suppressed:,} suppressed for k-anonymity (k={ka.k})"
        out = [head, *self.union.lines()]
        out += [f"{name}: rows withheld from the dataset: {why}" for name, why in self.withheld.items()]
        if self.published_errors:
            out.append(f"{self.dataset.name}: {len(self.published_errors):,} error(s) against the published "
                       "schema: not publishable")
        return out


def _anonymise_union(union: Union, dataset: Dataset, key: SecretStr | None, k: int) -> AnonymisedTable:
    """The union anonymised as one table; its row numbers are union positions (``union.sources``)."""
    return anonymise(union.frame, list(range(len(union.frame))), dataset, key, k)


def combine_dataset(
    dataset: Dataset, rule: CombineRule, members: list[Member], catalog: Catalog, out_root: Path,
    *, key: SecretStr | None, k: int,
) -> CombinedDataset:
    """Union, anonymise, check and write the dataset's folder; ``per_file`` says what became of each
    file's rows. Files whose rows the leak gate still finds personal data in are withheld (listed),
    so one office's slip does not stop the programme's dataset."""
    from dgti_data.validate import validate_published  # validate imports the read stage: late

    folder = dataset_dir(out_root, dataset.name)
    folder.mkdir(parents=True, exist_ok=True)
    withheld = {m.name: m.reason for m in members if m.rows_file is None}
    joining = [m for m in members if m.rows_file is not None]
    submissions = load_submissions(joining, dataset)
    for _ in range(MAX_LEAK_ROUNDS):
        union = union_submissions(dataset, rule, list(submissions.values()))
        anonymised = _anonymise_union(union, dataset, key, k)
        leaking = sorted({union.sources[leak.row][0] for leak in anonymised.leaks})
        if not leaking:
            break
        for name in leaking:
            rows = sorted(union.sources[leak.row][1] for leak in anonymised.leaks
                          if union.sources[leak.row][0] == name)
            withheld[name] = (f"personal data found after anonymisation in row(s) "
                              f"{', '.join(map(str, rows[:10]))}: fix and resend")
            submissions.pop(name)
    paths = anonymised.write(folder, dataset.name)
    data_csv = paths.get("csv")
    published_errors = validate_published(data_csv, anonymised.published_schema, catalog) if data_csv else []
    done = CombinedDataset(dataset, folder, union, anonymised, published_errors, data_csv, withheld=withheld,
                           quarantined=sum(m.quarantined for m in members))
    done.per_file = _per_file(done, members, k)
    done.coverage = coverage(union.frame, rule.office_field, rule.round_field, catalog.root / "reference",
                             quarantined_offices(members, rule))
    _write_dataset_report(done, paths["report"])
    return done


def quarantined_offices(members: list[Member], rule: CombineRule) -> list[tuple[str, str]]:
    """(office code, round) of every quarantined row of the members, from their quarantine CSVs
    (raw normalised values, with the file's columns); a file that cannot be read adds nothing."""
    out: list[tuple[str, str]] = []
    for m in members:
        if not m.quarantined or m.quarantine_file is None:
            continue
        try:
            with m.quarantine_file.open(encoding="utf-8", newline="") as fh:
                rows = csv.reader(fh)
                header = next(rows, [])
                if rule.office_field not in header:
                    continue
                office = header.index(rule.office_field)
                rnd = header.index(rule.round_field) if rule.round_field in header else None
                out += [(row[office], row[rnd] if rnd is not None else "") for row in rows
                        if len(row) == len(header)]
        except OSError:
            continue
    return out


def _per_file(done: CombinedDataset, members: list[Member], k: int) -> dict[str, dict[str, Any]]:
    """Each file's part of the combined dataset: what happens to its valid rows once combined."""
    union, an = done.union, done.anonymised
    suppressed: dict[str, list[int]] = {}
    ka = an.report.k_anonymity if an else None
    for pos in (ka.suppressed_rows if ka else []):
        name, row = union.sources[pos]
        suppressed.setdefault(name, []).append(row)
    published: dict[str, int] = {}
    if done.publishable and an is not None:
        for pos in an.row_numbers:
            name = union.sources[pos][0]
            published[name] = published.get(name, 0) + 1
    replaced_by = {old: sorted(by) for old, by in union.replaced.items()}
    held: dict[str, list[str]] = {}
    for conflict in union.conflicts:
        for name, row, _office in conflict.rows:
            held.setdefault(name, []).append(f"{'/'.join(conflict.key)} (row {row})")
    out: dict[str, dict[str, Any]] = {}
    for m in members:
        counts = union.files.get(m.name, {})
        rows_out = sorted(suppressed.get(m.name, []))
        out[m.name] = {
            "dataset_folder": done.folder.name,
            "in_union": m.name in union.files and m.name not in done.withheld,
            "withheld": done.withheld.get(m.name, ""),
            "rows": counts.get("rows", 0),
            "replaced": counts.get("replaced", 0),
            "replaced_by": replaced_by.get(m.name, []),
            "held_for_key_conflict": counts.get("held", 0),
            "held_keys": held.get(m.name, [])[:MAX_LISTED_ROWS],
            "suppressed": len(rows_out),
            "suppressed_rows": rows_out[:MAX_LISTED_ROWS],
            "published": published.get(m.name, 0),
            "k": k,
            "union_rows": len(union.frame),
            "dataset_rows_published": done.rows_published,
            "dataset_publishable": done.publishable,
        }
    return out


def _write_dataset_report(done: CombinedDataset, anonymisation_json: Path) -> None:
    """``report.json`` (under ``dgti``, as a file's): the union (files, replaced rows, key conflicts),
    k-anonymity over it and where each file's rows went; published with the data, so through the
    leak gate. The anonymisation report's suppressed rows become (file, row) pairs: union positions
    mean nothing."""
    an = done.anonymised
    doc = json.loads(anonymisation_json.read_text(encoding="utf-8"))
    ka = doc.get("k_anonymity")
    if ka:
        ka["suppressed_rows"] = [list(done.union.sources[p]) for p in ka.get("suppressed_rows", [])]
        anonymisation_json.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    report = {
        "dataset": {"name": done.dataset.name, "title": done.dataset.title,
                    "title_th": done.dataset.title_th},
        "quarantined_rows": done.quarantined,
        "union": done.union.to_dict(),
        "withheld": done.withheld,
        "lines": done.lines(),  # the run's summary says them
        "rows_published": done.rows_published,
        "publishable": done.publishable,
        "leaks": [leak.to_dict() for leak in (an.leaks if an else [])][:MAX_LISTED_ROWS],
        "published_check": [e.to_dict() for e in done.published_errors[:MAX_LISTED_ROWS]],
        # cells of the published CSV a spreadsheet would run as formulas, prefixed with '
        "formulas_neutralised": an.formulas_neutralised if an else {"total": 0, "by_field": {}},
        "files": done.per_file,
        # Counts only: which offices have not sent, or sent only quarantined rows, stays local.
        "coverage": [{k: v for k, v in rc.to_dict().items() if k not in LOCAL_COVERAGE}
                     for rc in done.coverage],
    }
    gated, _ = gate_document(report)
    path = done.folder / "report.json"
    path.write_text(json.dumps({"dgti": gated}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    # The steward's list of offices not yet submitted stays local; the counts are published.
    local = json.dumps([rc.to_dict() for rc in done.coverage], ensure_ascii=False, indent=1)
    (done.folder / "coverage.json").write_text(local + "\n", encoding="utf-8")
    counts = write_counts_csv(done.folder / "coverage.csv", done.coverage)
    done.reports = [path, anonymisation_json, counts]
