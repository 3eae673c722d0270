"""Keep personal data out of reports: a report leaves the machine, raw cells do not.

A field whose declared treatment is anything but ``keep`` may hold personal data (names, IDs, free
text). Its values are replaced by a mask wherever a report would show them.
"""

from __future__ import annotations

from typing import Any

from dgti_data.datasets import Dataset

MASK = "[ข้อมูลส่วนบุคคล / personal data]"


def personal_fields(dataset: Dataset) -> set[str]:
    return {f.name for f in dataset.fields if f.treatment not in (None, "keep")}


def show(value: object, field: str | None, personal: set[str]) -> str | None:
    if value is None:
        return None
    if field in personal:
        return MASK
    return str(value)


def sanitise_error(error: dict[str, Any], dataset: Dataset, personal: set[str]) -> dict[str, Any]:
    """A frictionless error dict with personal cells masked and whole-row ``cells`` reduced to its fields."""
    out = dict(error)
    names = dataset.field_names
    if "cells" in out:
        involved = set(out.get("fieldNames", [])) | ({out["fieldName"]} if out.get("fieldName") else set())
        if not involved:
            involved = set(dataset.primary_key)
        out["cells"] = [
            show(cell, names[i] if i < len(names) else None, personal)
            if (i < len(names) and names[i] in involved)
            else None
            for i, cell in enumerate(out["cells"])
        ]
    if out.get("fieldName") in personal:
        out["cell"] = MASK
        out["message"] = (
            f'The cell in row at position "{out.get("rowNumber")}" and field "{out["fieldName"]}" '
            f"is not valid ({out.get('note', '')}); its value is personal data and is not shown."
        )
    if "fieldCells" in out:
        out["fieldCells"] = [
            show(c, f, personal) for c, f in zip(out["fieldCells"], out.get("fieldNames", []), strict=False)
        ]
    return out
