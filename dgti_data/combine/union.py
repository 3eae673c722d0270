"""The union of one dataset's submissions, as its ``CombineRule`` says, with what it did reported.

Each file was validated and reported on its own; this step takes their valid rows (schema columns,
normalised) and makes the one table to publish. A re-submission replaces, office by office, the
rows an earlier file gave (files are ordered by when they were received, then by name, so the
outcome never depends on the order a folder is listed in). A primary key that two rows of the union
still share (two offices sending the same submission number) is a conflict: those rows are held
out and listed with the file, the row of the office's own file and the office, for the steward to
settle; nothing is resolved silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dgti_data.combine.rules import CombineRule
from dgti_data.datasets import Dataset

MAX_LISTED_CONFLICTS = 100  # in reports; the counts are always whole

_FILE, _ROW = "__file", "__row"


@dataclass(frozen=True)
class Submission:
    """One file's valid rows: ``frame`` has the schema's columns, ``row_numbers[i]`` is frame row
    ``i``'s row in the office's file; ``received`` orders re-submissions (a file's mtime)."""

    name: str
    received: float
    frame: pd.DataFrame
    row_numbers: list[int]


@dataclass(frozen=True)
class KeyConflict:
    key: tuple[str, ...]
    rows: tuple[tuple[str, int, str], ...]  # (file, row in that file, office)

    def to_dict(self) -> dict[str, Any]:
        return {"key": list(self.key), "rows": [{"file": f, "row": r, "office": o} for f, r, o in self.rows]}


@dataclass
class Union:
    """The combined table and how it was made. ``sources[i]`` is (file, row) of frame row ``i``."""

    dataset: str
    frame: pd.DataFrame
    sources: list[tuple[str, int]]
    replaced: dict[str, dict[str, int]] = field(default_factory=dict)  # file → newer file → rows
    conflicts: list[KeyConflict] = field(default_factory=list)
    files: dict[str, dict[str, int]] = field(default_factory=dict)  # file → rows, kept, replaced, held

    @property
    def held_rows(self) -> int:
        return sum(len(c.rows) for c in self.conflicts)

    def lines(self) -> list[str]:
        """The steward's summary lines: one per replaced file part, one for the conflicts."""
        out = [f"{old}: {rows:,} row(s) replaced by the newer submission {new} (same offices)"
               for old, by in self.replaced.items() for new, rows in by.items()]
        if self.conflicts:
            shown = "; ".join(
                f"{'/'.join(c.key)}: " + ", ".join(f"{f} row {r} ({o})" for f, r, o in c.rows)
                for c in self.conflicts[:5])
            more = f"; and {len(self.conflicts) - 5:,} more" if len(self.conflicts) > 5 else ""
            out.append(f"{len(self.conflicts):,} key(s) sent more than once across files, {self.held_rows:,} "
                       f"row(s) held out of the dataset until resolved: {shown}{more}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset, "rows": len(self.frame), "files": self.files, "replaced": self.replaced,
            "conflict_count": len(self.conflicts), "held_rows": self.held_rows,
            "conflicts": [c.to_dict() for c in self.conflicts[:MAX_LISTED_CONFLICTS]],
        }


def union_submissions(dataset: Dataset, rule: CombineRule, submissions: list[Submission]) -> Union:
    """Combine the submissions: re-submissions replace office rows, key conflicts are held out."""
    ordered = sorted(submissions, key=lambda s: (s.received, s.name))
    names = [s.name for s in ordered]
    if len(set(names)) != len(names):
        raise ValueError("two submissions with one name: each file is one submission")
    # One concatenation, the file and row columns added to the whole (per part, thousands of
    # one-office files cost more in copies than their rows).
    columns = [*dataset.field_names, _FILE, _ROW]
    if ordered:
        table = pd.concat([s.frame for s in ordered], ignore_index=True).reindex(columns=dataset.field_names)
        table[_FILE] = np.repeat(np.arange(len(ordered)), [len(s.frame) for s in ordered])
        table[_ROW] = np.fromiter((r for s in ordered for r in s.row_numbers), dtype=np.int64,
                                  count=len(table))
    else:
        table = pd.DataFrame(columns=columns)

    office = table[rule.office_field].fillna("")
    latest = table.groupby(office, sort=False)[_FILE].transform("max")
    newest = table[_FILE] == latest
    replaced: dict[str, dict[str, int]] = {}
    for (old, new), rows in table[~newest].groupby([_FILE, latest[~newest]]).size().items():
        replaced.setdefault(names[int(old)], {})[names[int(new)]] = int(rows)
    kept = table[newest]

    key = dataset.primary_key
    clash = kept.duplicated(key, keep=False).to_numpy()
    conflicts = []
    for values, group in kept[clash].groupby(key, sort=True):
        values = values if isinstance(values, tuple) else (values,)
        conflicts.append(KeyConflict(
            tuple(str(v) for v in values),
            tuple((names[int(f)], int(r), str(o)) for f, r, o in
                  zip(group[_FILE], group[_ROW], group[rule.office_field].fillna(""), strict=True)),
        ))
    published = kept[~clash]

    # Counted once per table, not once per file: a programme dataset has thousands of files.
    kept_by_file = published[_FILE].value_counts().to_dict()
    held_by_file = kept[clash][_FILE].value_counts().to_dict()
    files = {}
    for order, s in enumerate(ordered):
        files[s.name] = {
            "rows": len(s.frame),
            "kept": int(kept_by_file.get(order, 0)),
            "replaced": sum(replaced.get(s.name, {}).values()),
            "held": int(held_by_file.get(order, 0)),
        }
    return Union(
        dataset=dataset.name,
        frame=published[dataset.field_names].reset_index(drop=True),
        sources=[(names[int(f)], int(r)) for f, r in zip(published[_FILE], published[_ROW], strict=True)],
        replaced=replaced,
        conflicts=conflicts,
        files=files,
    )
