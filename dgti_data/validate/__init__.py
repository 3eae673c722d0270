"""Validate stage: a normalised table against its Table Schema, with frictionless.

Nothing is lost: valid rows go to the dataset's CSV, invalid ones to a quarantine CSV with their
errors, and the report is frictionless's, with row numbers pointing at the raw file and personal
values masked.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from dgti_data.datasets import Catalog, Dataset
from dgti_data.validate.privacy import personal_fields, sanitise_error, show
from dgti_data.validate.result import CellError, ValidationResult
from dgti_data.validate.runner import ValidationEngineError, run_validation

__all__ = ["CellError", "ValidationEngineError", "ValidationResult", "validate", "validate_published"]

_CONSTRAINT = re.compile(r'constraint "(\w+)"')
_POSITION = re.compile(r'row at position "?(\d+)"?')
QUARANTINE_NOTICE = (
    "Quarantine files hold raw rows, personal data included, for the data steward only.\n"
    "They stay on the machine that runs the pipeline: never publish, e-mail or upload them.\n"
    "ไฟล์กักกันเก็บแถวข้อมูลดิบ รวมถึงข้อมูลส่วนบุคคล สำหรับผู้ดูแลข้อมูลเท่านั้น ห้ามเผยแพร่หรือส่งออกนอกเครื่อง\n"
)


def validate_published(csv_path: Path, schema: dict[str, Any], catalog: Catalog) -> list[CellError]:
    """Check the file that will be published against the schema it is published with.

    The raw rows were valid, so any error here is a defect of anonymisation (say, a generalised value
    outside its published enum): it blocks publication rather than shipping a file that lies about
    its schema.
    """
    report = run_validation(catalog, csv_path, schema=schema)
    return [
        CellError(err.get("rowNumber"), err.get("fieldName"), err["type"], None, None, err.get("note", ""))
        for task in report.get("tasks", [])
        for err in task.get("errors", [])
    ]


def _cell_error(err: dict[str, Any], raw_row: int | None, personal: set[str], dataset: Dataset) -> CellError:
    field = err.get("fieldName") or next(iter(err.get("fieldNames", [])), None)
    if field is None and err["type"] == "primary-key" and dataset.primary_key:
        field = dataset.primary_key[0]
    match = _CONSTRAINT.search(err.get("note", ""))
    if "cell" in err:
        value = show(err["cell"], field, personal)
    elif err.get("fieldCells"):
        value = ", ".join(str(show(c, field, personal)) for c in err["fieldCells"])
    elif err.get("cells") and field in dataset.field_names:
        value = err["cells"][dataset.field_names.index(field)]
    else:
        value = None
    return CellError(
        row=raw_row,
        field=field,
        type=err["type"],
        constraint=match.group(1) if match and err["type"] == "constraint-error" else None,
        value=value,
        note=err.get("note", ""),
    )


def write_quarantine(
    path: Path, frame: Any, names: list[str], raw_rows: list[int], invalid: dict[int, list[CellError]]
) -> None:
    """Invalid rows with their raw row number and reasons. Raw values: for the steward, on this machine."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["_raw_row", "_errors", *names])
        for index in sorted(invalid):
            cells = ["" if v is None else v for v in frame.iloc[index][names].tolist()]
            reasons = [e.to_dict() for e in invalid[index]]
            writer.writerow([raw_rows[index], json.dumps(reasons, ensure_ascii=False), *cells])


def validate(table: Any, dataset: Dataset, catalog: Catalog, out_dir: Path) -> ValidationResult:
    """Validate a ``NormalisedTable`` against its raw schema; quarantine invalid rows.

    Valid rows are not written here: they still hold personal data. The caller anonymises
    ``valid_index`` rows and writes the publishable file.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    work_csv = out_dir / f"{dataset.name}.normalised.csv"
    table.to_csv(work_csv)
    try:
        report_dict = run_validation(catalog, work_csv, dataset)
    finally:
        work_csv.unlink(missing_ok=True)
    personal = personal_fields(dataset)
    raw_rows: list[int] = list(table.row_numbers)

    def to_raw(row_number: int | None) -> int | None:
        """Row numbers of the normalised CSV (header = 1) back to the raw file's rows."""
        if row_number and 0 <= row_number - 2 < len(raw_rows):
            return raw_rows[row_number - 2]
        return None

    errors: list[CellError] = []
    table_errors: list[CellError] = []
    invalid: dict[int, list[CellError]] = {}
    for task in report_dict.get("tasks", []):
        task["place"] = Path(str(table.source.path)).name
        sanitised = []
        for err in task.get("errors", []):
            row_number = err.get("rowNumber")
            raw_row = to_raw(row_number)
            if raw_row is not None:
                err["rowNumber"] = raw_row
                for key in ("note", "message"):
                    if key in err:
                        err[key] = _POSITION.sub(
                            lambda m: f'row at position "{to_raw(int(m.group(1))) or m.group(1)}"', err[key]
                        )
            clean = sanitise_error(err, dataset, personal)
            sanitised.append(clean)
            cell_error = _cell_error(clean, raw_row, personal, dataset)
            if row_number:
                errors.append(cell_error)
                invalid.setdefault(row_number - 2, []).append(cell_error)
            else:
                table_errors.append(cell_error)
        task["errors"] = sanitised

    for name in getattr(table, "missing_fields", []):
        spec = dataset.field(name)
        if spec.required:
            table_errors.append(
                CellError(None, name, "missing-label", None, None,
                          "a required column is not in the file")
            )

    quarantine_path = out_dir / f"{dataset.name}.quarantine.csv"
    write_quarantine(quarantine_path, table.frame, dataset.field_names, raw_rows, invalid)
    (out_dir / "QUARANTINE-README.txt").write_text(QUARANTINE_NOTICE, encoding="utf-8")
    valid_index = [i for i in range(len(table.frame)) if i not in invalid]

    report_dict["valid"] = not errors and not table_errors
    return ValidationResult(
        dataset=dataset,
        source=Path(str(table.source.path)),
        report=report_dict,
        errors=errors,
        table_errors=table_errors,
        rows_read=len(table.frame),
        valid_rows=len(valid_index),
        quarantined_rows=len(invalid),
        valid_index=valid_index,
        quarantine_path=quarantine_path,
        engine=report_dict.get("engine", {}).get("name", "frictionless"),
    )
