"""What validation hands to reporting and publishing: errors as data, never exceptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dgti_data.datasets import Dataset


@dataclass(frozen=True)
class CellError:
    """One problem, located in the raw file: ``row`` is the raw file's row (header = 1)."""

    row: int | None
    field: str | None
    type: str
    constraint: str | None
    value: str | None
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "field": self.field,
            "type": self.type,
            "constraint": self.constraint,
            "value": self.value,
            "note": self.note,
        }


@dataclass
class ValidationResult:
    dataset: Dataset
    source: Path
    report: dict[str, Any]
    errors: list[CellError]
    rows_read: int
    valid_rows: int
    quarantined_rows: int
    valid_index: list[int]
    quarantine_path: Path
    table_errors: list[CellError] = field(default_factory=list)
    engine: str = "frictionless"

    @property
    def valid(self) -> bool:
        return not self.errors and not self.table_errors

    @property
    def publishable(self) -> bool:
        """The dataset's own policy decides whether invalid rows block publication."""
        if self.table_errors:
            return False
        if self.dataset.on_invalid == "publish-valid-rows":
            return self.valid_rows > 0
        return self.valid

    def errors_by(self, key: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for err in [*self.table_errors, *self.errors]:
            name = getattr(err, key) or "-"
            counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
