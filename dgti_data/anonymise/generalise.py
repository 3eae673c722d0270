"""Generalisation: a value replaced by a coarser one (age → band, date → month, LAO → province).

The vocabulary is the ``generalise`` property of a field, and each step of a quasi-identifier's
``kAnonymityLadder`` (see schemas/README.md)::

    {"to": "band", "bands": [18, 30, 40, 50, 60]}     numbers → "18-29", …, "60-75" (or "60+")
    {"to": "month"} / {"to": "year"}                   ISO dates → "2023-07" / 2023
    {"to": "district"} / {"to": "province"} / {"to": "region"}   7-digit LAO codes
    {"to": "map", "map": {"raw": "group", …}}          enumerated values → coarser groups
    {"to": "suppress"}                                 the cell is withheld (ladders only)

A value that cannot be generalised (not a number, out of the raw field's range, not in the map)
becomes ``INVALID``: no published type accepts it, so validation of the published schema flags
the row without the raw value ever being published or reported.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dgti_data.anonymise.detectors import fold_digits
from dgti_data.errors import ConfigurationError

INVALID = "[ค่าไม่ถูกต้อง/invalid]"
TARGETS = ("band", "month", "year", "district", "province", "region", "map", "suppress")
_LAO_CODE = re.compile(r"[0-9]{7}")


@dataclass(frozen=True)
class Generaliser:
    """One generalisation step; ``apply`` works on one normalised cell (``str`` or ``None``)."""

    to: str
    edges: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    regions: dict[str, str] = field(default_factory=dict)

    def apply(self, value: str | None) -> str | None:
        if value is None or self.to == "suppress":
            return None
        text = fold_digits(value).strip()
        if self.to == "band":
            return self._band(text)
        if self.to in ("month", "year"):
            try:
                date = dt.date.fromisoformat(text[:10])
            except ValueError:
                return INVALID
            return f"{date.year:04d}-{date.month:02d}" if self.to == "month" else f"{date.year:04d}"
        if self.to in ("district", "province", "region"):
            if not _LAO_CODE.fullmatch(text):
                return INVALID
            if self.to == "district":
                return text[1:5]
            if self.to == "province":
                return text[1:3]
            return self.regions.get(text[1:3], INVALID)
        if self.to == "map":
            return self.mapping.get(value.strip(), INVALID)
        raise AssertionError(self.to)  # pragma: no cover - validated in build()

    def _band(self, text: str) -> str:
        try:
            number = float(text.replace(",", ""))
        except ValueError:
            return INVALID
        if math.isnan(number) or math.isinf(number):
            return INVALID
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            return INVALID
        if number < self.edges[0]:
            return INVALID
        index = sum(1 for edge in self.edges if number >= edge) - 1
        return self.labels[index]

    def published(self, base: dict[str, Any]) -> dict[str, Any]:
        """Type and constraints of the published field (``base`` has name, titles, …)."""
        out = {k: v for k, v in base.items() if k not in ("type", "format", "constraints")}
        constraints: dict[str, Any] = {}
        if self.to in ("band", "map"):
            out["type"] = "string"
            constraints["enum"] = list(self.value_labels())
        elif self.to == "month":
            out["type"] = "string"
            constraints["pattern"] = "[0-9]{4}-(0[1-9]|1[0-2])"
        elif self.to == "year":
            out["type"] = "integer"
        elif self.to in ("district", "province"):
            out["type"] = "string"
            constraints["pattern"] = "[0-9]{4}" if self.to == "district" else "[0-9]{2}"
        elif self.to == "region":
            out["type"] = "string"
            constraints["enum"] = sorted(set(self.regions.values()))
        else:  # suppress
            out["type"] = "string"
        if constraints:
            out["constraints"] = constraints
        return out

    def value_labels(self) -> tuple[str, ...]:
        if self.to == "band":
            return self.labels
        if self.to == "map":
            return tuple(dict.fromkeys(self.mapping.values()))
        if self.to == "region":
            return tuple(sorted(set(self.regions.values())))
        return ()

    def describe(self) -> tuple[str, str]:
        """English and Thai sentences for the published field's description."""
        if self.to == "band":
            bands = ", ".join(self.labels)
            return f"Published as bands ({bands}).", f"เผยแพร่เป็นช่วง ({bands})"
        if self.to == "month":
            return "Published as year and month only (YYYY-MM).", "เผยแพร่เฉพาะปีและเดือน (YYYY-MM)"
        if self.to == "year":
            return "Published as the year only.", "เผยแพร่เฉพาะปี"
        if self.to in ("district", "province", "region"):
            th = {"district": "อำเภอ", "province": "จังหวัด", "region": "ภาค"}[self.to]
            return f"Published as the LAO's {self.to} code only.", f"เผยแพร่เฉพาะรหัส{th}ของ อปท."
        if self.to == "map":
            groups = ", ".join(self.value_labels())
            return f"Published as a group ({groups}).", f"เผยแพร่เป็นกลุ่ม ({groups})"
        return "Withheld.", "ไม่เผยแพร่"


def build(spec: Any, field_name: str, field_type: str, constraints: dict[str, Any],
          reference_dir: Path, where: str) -> Generaliser:
    """Check one ``generalise`` spec against the field it applies to; ``where`` names it in errors."""
    if not isinstance(spec, dict) or spec.get("to") not in TARGETS:
        raise ConfigurationError(
            f"{where}: field {field_name!r}: generalisation needs {{\"to\": one of {', '.join(TARGETS)}}}, "
            f"got {spec!r}"
        )
    to = spec["to"]
    if to == "band":
        edges = spec.get("bands")
        if (
            field_type not in ("integer", "number")
            or not isinstance(edges, list)
            or len(edges) < 2
            or not all(isinstance(e, int | float) for e in edges)
            or sorted(edges) != edges
            or len(set(edges)) != len(edges)
        ):
            raise ConfigurationError(
                f"{where}: field {field_name!r}: \"band\" needs a numeric field and \"bands\": an increasing "
                "list of at least two lower bounds"
            )
        maximum = constraints.get("maximum")
        labels = []
        for i, lo in enumerate(edges):
            if i + 1 < len(edges):
                hi = edges[i + 1] - 1 if field_type == "integer" else edges[i + 1]
                labels.append(f"{_num(lo)}-{_num(hi)}")
            else:
                labels.append(f"{_num(lo)}-{_num(maximum)}" if maximum is not None else f"{_num(lo)}+")
        return Generaliser(to, edges=tuple(edges), labels=tuple(labels),
                           minimum=constraints.get("minimum"), maximum=maximum)
    if to in ("month", "year") and field_type not in ("date", "datetime"):
        raise ConfigurationError(f"{where}: field {field_name!r}: {to!r} needs a date field")
    if to == "map":
        mapping = spec.get("map")
        if not isinstance(mapping, dict) or not mapping or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise ConfigurationError(f"{where}: field {field_name!r}: \"map\" needs a non-empty string map")
        enum = constraints.get("enum")
        if enum and (missing := [v for v in enum if v not in mapping]):
            raise ConfigurationError(
                f"{where}: field {field_name!r}: the map leaves allowed values unmapped: {missing}"
            )
        return Generaliser(to, mapping=dict(mapping))
    if to == "region":
        return Generaliser(to, regions=_regions(reference_dir))
    return Generaliser(to)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _regions(reference_dir: Path) -> dict[str, str]:
    path = reference_dir / "provinces.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return {row["province_code"]: row["region_th"] for row in csv.DictReader(fh)}
    except OSError as exc:
        raise ConfigurationError(f"{path}: cannot read provinces for generalising to region: {exc}") from exc
