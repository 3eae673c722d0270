"""Error and report dicts shaped exactly like ``frictionless.Report.to_dict()`` for one task.

Titles, descriptions, tags and message templates are read from frictionless's error classes, so a
wording change upstream follows automatically; keys are in frictionless's order.
"""

from __future__ import annotations

from typing import Any

from frictionless import errors as ferrors

_CLASSES = {
    cls.type: cls
    for cls in (
        ferrors.TypeError, ferrors.ConstraintError, ferrors.UniqueError,
        ferrors.PrimaryKeyError, ferrors.ForeignKeyError, ferrors.BlankRowError,
    )
}


def _head(kind: str) -> tuple[str, str, str, list[str]]:
    cls = _CLASSES[kind]
    return cls.title, cls.description, cls.template, list(cls.tags)


_HEADS = {kind: _head(kind) for kind in _CLASSES}


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


class CellErrors:
    """Makes the errors of one (error type, note, field): everything but the cell and row is fixed,
    so the message template is filled once and each error only formats two values."""

    def __init__(self, kind: str, note: str, field_name: str, field_number: int) -> None:
        title, description, template, tags = _HEADS[kind]
        self.head = {"type": kind, "title": title, "description": description}
        self.tags = tags
        self.note = note
        self.field_name = field_name
        self.field_number = field_number
        fixed = {"note": note, "fieldName": field_name, "fieldNumber": str(field_number)}
        fmt = _literal(template)
        for key, value in fixed.items():
            fmt = fmt.replace("{{" + key + "}}", _literal(value))
        self.message = fmt.replace("{{cell}}", "{0}").replace("{{rowNumber}}", "{1}")
        assert self.message.format("c", 1) == template.format_map(
            {**fixed, "fieldNumber": field_number, "cell": "c", "rowNumber": 1})

    def make(self, cells: list[str], row: int, cell: str) -> dict[str, Any]:
        return {
            **self.head,
            "message": self.message.format(cell, row),
            "tags": self.tags[:],
            "note": self.note,
            "cells": cells,
            "rowNumber": row,
            "cell": cell,
            "fieldName": self.field_name,
            "fieldNumber": self.field_number,
        }


def cell_error(kind: str, note: str, cells: list[str], row: int, cell: str, field_name: str,
               field_number: int) -> dict[str, Any]:
    return row_error(kind, note, cells, row, cell=cell, fieldName=field_name, fieldNumber=field_number)


def row_error(kind: str, note: str, cells: list[str], row: int, **cell_keys: Any) -> dict[str, Any]:
    title, description, template, tags = _HEADS[kind]
    data = {"note": note, "cells": cells, "rowNumber": row, **cell_keys}
    return {
        "type": kind,
        "title": title,
        "description": description,
        # every key these templates name is in ``data`` (frictionless fills absent ones with "")
        "message": template.format_map(data),
        "tags": list(tags),
        **data,
    }


def foreign_key_error(note: str, cells: list[str], row: int, field_names: list[str],
                      field_cells: list[str], reference_name: str,
                      reference_field_names: list[str]) -> dict[str, Any]:
    out = row_error("foreign-key", note, cells, row)
    out.update(
        fieldNames=field_names,
        fieldCells=field_cells,
        referenceName=reference_name,
        referenceFieldNames=reference_field_names,
    )
    return out


def task_report(*, name: str | None, place: str, labels: list[str], errors: list[dict[str, Any]],
                error_count: int, seconds: float, md5: str | None, sha256: str | None, size: int,
                fields: int, rows: int) -> dict[str, Any]:
    """The whole report; stats keys appear only when truthy, as in frictionless.

    ``error_count`` may exceed ``len(errors)`` when errors went to a sink instead.
    """
    seconds = round(seconds, 3)
    valid = not error_count
    task_stats: dict[str, Any] = {"errors": error_count, "warnings": 0, "seconds": seconds}
    for key, value in (("md5", md5), ("sha256", sha256), ("bytes", size), ("fields", fields),
                       ("rows", rows)):
        if value:
            task_stats[key] = value
    task: dict[str, Any] = {}
    if name:
        task["name"] = name
    task.update(type="table", valid=valid, place=place, labels=labels, stats=task_stats,
                warnings=[], errors=errors)
    return {
        "valid": valid,
        "stats": {"tasks": 1, "errors": error_count, "warnings": 0, "seconds": seconds},
        "warnings": [],
        "errors": [],
        "tasks": [task],
    }
