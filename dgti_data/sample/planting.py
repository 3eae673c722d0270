"""Planted errors: which rows carry one, of which kind, on which field, and the wrong value.

``error_rate`` of the rows carry exactly one error each. Rows are cut into that many equal
blocks with one error at a seeded place in each: the count is exact, errors are spread over the
file, and the plan streams in constant memory. Every kind is one that frictionless reports the
same way whatever normalising happens first (no typo a normaliser might fix).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from dgti_data.datasets import Dataset, FieldSpec

MAX_ERROR_RATE = 0.5  # keeps every block at least two rows long, so a duplicate has a source

# Error kind → how frictionless reports it: (error type, constraint).
UNKNOWN_LAO = "unknown-lao"
OUT_OF_RANGE = "out-of-range"
BAD_ENUM = "bad-enum"
DUPLICATE_KEY = "duplicate-key"
MISSING_REQUIRED = "missing-required"
KINDS = (UNKNOWN_LAO, OUT_OF_RANGE, BAD_ENUM, DUPLICATE_KEY, MISSING_REQUIRED)

# Clearly wrong values for enum fields: real answers people give that the schema does not allow,
# never a near-miss spelling that a normaliser could map onto an allowed value.
WRONG_ENUM_VALUES: dict[str, tuple[str, ...]] = {
    "lao_type": ("สุขาภิบาล", "สภาตำบล", "องค์กรเอกชน"),
    "region": ("ภาคพิเศษ", "ต่างประเทศ", "ส่วนกลาง"),
    "category": ("ด้านกีฬา", "ด้านการท่องเที่ยว", "ด้านศาสนา"),
    "screening_status": ("รอผล", "ยกเลิก", "ส่งเอกสารไม่ครบ"),
    "award": ("รางวัลพิเศษ", "รางวัลดีเด่น", "รางวัลยอดนิยม"),
    "e_document_system": ("กระดาษ", "ใช้อีเมล", "กำลังจัดหา"),
    "respondent_position": ("นายกเทศมนตรี", "ผู้ใหญ่บ้าน", "นักการภารโรง"),
}


@dataclass(frozen=True, slots=True)
class PlannedError:
    index: int  # 0-based data row
    kind: str
    field: str
    type: str  # frictionless error type
    constraint: str | None
    value: str | int | None  # the wrong cell value (None: taken from the row)
    source: int | None = None  # duplicate-key: the earlier row whose key is repeated


def _kept(f: FieldSpec) -> bool:
    """Errors go on published, non-personal fields only."""
    return f.treatment in (None, "keep")


class ErrorPlan:
    """The errors of one file, in row order."""

    def __init__(self, dataset: Dataset, rows: int, error_rate: float, rng: random.Random) -> None:
        if not 0 <= error_rate <= MAX_ERROR_RATE:
            raise ValueError(f"error_rate must be between 0 and {MAX_ERROR_RATE}, got {error_rate}")
        self.rows = rows
        self.count = round(error_rate * rows)
        self.rng = rng
        self.key_field = dataset.primary_key[0] if len(dataset.primary_key) == 1 else None
        self.lao_field: str | None = None
        for fk in dataset.schema.get("foreignKeys", []):
            fields = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
            if fk.get("reference", {}).get("resource") == "lao-registry" and len(fields) == 1:
                self.lao_field = fields[0]
        fields = [f for f in dataset.fields if _kept(f)]
        self.ranged = [f for f in fields if f.type in ("integer", "number")
                       and ("minimum" in f.constraints or "maximum" in f.constraints)]
        self.enums = [f for f in fields if "enum" in f.constraints and f.name in WRONG_ENUM_VALUES]
        self.required = [f for f in fields if f.required and f.name != self.key_field]
        self.kinds = [
            k for k, ok in (
                (UNKNOWN_LAO, self.lao_field is not None),
                (OUT_OF_RANGE, bool(self.ranged)),
                (BAD_ENUM, bool(self.enums)),
                (DUPLICATE_KEY, self.key_field is not None),
                (MISSING_REQUIRED, bool(self.required)),
            ) if ok
        ]
        if self.count and not self.kinds:
            raise ValueError(f"{dataset.name}: the schema offers no field to plant errors on")

    def __iter__(self) -> Iterator[PlannedError]:
        for b in range(self.count):
            start, end = b * self.rows // self.count, (b + 1) * self.rows // self.count
            yield self._plan(start, end)

    def _plan(self, start: int, end: int) -> PlannedError:
        rng = self.rng
        kind = rng.choice(self.kinds)
        if kind == DUPLICATE_KEY:
            index = rng.randrange(start + 1, end)
            assert self.key_field is not None
            return PlannedError(index, kind, self.key_field, "primary-key", None, None,
                                source=rng.randrange(start, index))
        index = rng.randrange(start, end)
        if kind == UNKNOWN_LAO:
            assert self.lao_field is not None
            return PlannedError(index, kind, self.lao_field, "foreign-key", None, None)
        if kind == OUT_OF_RANGE:
            f = rng.choice(self.ranged)
            lo, hi = f.constraints.get("minimum"), f.constraints.get("maximum")
            span = (hi - lo) if lo is not None and hi is not None else 100
            if hi is None or (lo is not None and rng.random() < 0.5):
                return PlannedError(index, kind, f.name, "constraint-error", "minimum",
                                    int(lo - rng.randint(1, max(1, min(10, span // 4)))))
            return PlannedError(index, kind, f.name, "constraint-error", "maximum",
                                int(hi + rng.randint(1, max(1, span // 4))))
        if kind == BAD_ENUM:
            f = rng.choice(self.enums)
            return PlannedError(index, kind, f.name, "constraint-error", "enum",
                                rng.choice(WRONG_ENUM_VALUES[f.name]))
        f = rng.choice(self.required)
        return PlannedError(index, kind, f.name, "constraint-error", "required", None)
