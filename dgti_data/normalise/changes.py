"""Counting what normalisers changed, so the report can say it: counts and row numbers, never values.

Cell values may be personal data (names, phone numbers), so the log holds only the kind of
change, the field, how many cells, and the first few row numbers as examples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_EXAMPLES = 3


@dataclass
class ChangeLog:
    """Changes by (kind, field); ``examples`` are physical row numbers of the raw file."""

    max_examples: int = MAX_EXAMPLES
    _counts: dict[tuple[str, str], int] = field(default_factory=dict)
    _examples: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, kind: str, field_name: str, count: int = 1, rows: Iterable[int] = ()) -> None:
        if count <= 0:
            return
        key = (kind, field_name)
        self._counts[key] = self._counts.get(key, 0) + count
        examples = self._examples.setdefault(key, [])
        for row in rows:
            if len(examples) >= self.max_examples:
                break
            examples.append(int(row))

    def merge(self, other: ChangeLog) -> None:
        """Fold in the log of another batch of the same file."""
        for (kind, name), count in other._counts.items():
            self.add(kind, name, count, other._examples.get((kind, name), ()))

    def count(self, kind: str | None = None, field_name: str | None = None) -> int:
        return sum(
            n
            for (k, f), n in self._counts.items()
            if (kind is None or k == kind) and (field_name is None or f == field_name)
        )

    @property
    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {field: cells changed}}``, e.g. ``{"thai_digits": {"budget_thb": 12}}``."""
        out: dict[str, dict[str, int]] = {}
        for (kind, name), n in sorted(self._counts.items()):
            out.setdefault(kind, {})[name] = n
        return out

    @property
    def examples(self) -> dict[str, dict[str, list[int]]]:
        """``{kind: {field: [row, ...]}}``: where to look in the raw file."""
        out: dict[str, dict[str, list[int]]] = {}
        for (kind, name), rows in sorted(self._examples.items()):
            out.setdefault(kind, {})[name] = list(rows)
        return out

    @property
    def total(self) -> int:
        return sum(self._counts.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for reports."""
        return {"counts": self.counts, "examples": self.examples, "total": self.total}

    def __bool__(self) -> bool:
        return bool(self._counts)
