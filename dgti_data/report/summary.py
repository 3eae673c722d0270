"""The steward's summary of one file: what was read, what the normaliser changed, what is wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, is_dataclass
from typing import Any

from dgti_data import __version__
from dgti_data.report.explain import explain, type_label
from dgti_data.validate.result import ValidationResult

NORMALISER_LABELS = {
    "control_characters": ("ลบอักขระควบคุม", "Control characters removed"),
    "excel_error": ("ค่าผิดพลาดของ Excel (#N/A, #REF! ฯลฯ) ถือเป็นค่าว่าง",
                    "Excel error values (#N/A, #REF!...) treated as empty"),
    "signalling_nan": ("ค่า sNaN เขียนเป็น NaN (ไม่ใช่ตัวเลข)", "sNaN written as NaN (not a number)"),
    "unicode_nfc": ("ปรับรูปแบบยูนิโค้ด (NFC)", "Unicode normalised (NFC)"),
    "zero_width": ("ลบอักขระความกว้างศูนย์", "Zero-width characters removed"),
    "whitespace": ("ปรับช่องว่าง", "Whitespace cleaned"),
    "thai_digits": ("แปลงเลขไทยเป็นเลขอารบิก", "Thai digits converted"),
    "thousands_separator": ("ลบเครื่องหมายจุลภาคคั่นหลักพัน", "Thousands separators removed"),
    "be_date": ("แปลงวันที่ พ.ศ. เป็น ค.ศ. (ISO)", "Buddhist-Era dates converted to ISO"),
    "excel_serial": ("แปลงเลขวันที่ของ Excel", "Excel serial dates converted"),
    "excel_datetime": ("แปลงวันที่จากเซลล์ Excel", "Excel date cells converted"),
    "excel_number": ("ปรับตัวเลขจากเซลล์ Excel", "Excel number cells written plainly"),
    "date_format": ("แปลงวันที่ ค.ศ. เป็นรูปแบบ ISO", "Common-Era dates rewritten as ISO"),
}


def normaliser_label(kind: str) -> tuple[str, str]:
    return NORMALISER_LABELS.get(kind, (kind, kind))


def _plain(obj: Any) -> Any:
    if obj is None:
        return None
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if is_dataclass(obj):
        return asdict(obj)
    return obj


def build_summary(table: Any, result: ValidationResult) -> dict[str, Any]:
    """A JSON-ready dict: counts, changes, errors with bilingual explanations. No personal values."""
    ds = result.dataset
    source = table.source
    encoding = _plain(getattr(source, "encoding", None))
    errors = []
    for err in [*result.table_errors, *result.errors]:
        th, en = explain(err, ds)
        spec = ds.field(err.field) if err.field in ds.field_names else None
        errors.append(
            err.to_dict()
            | {
                "field_title": spec.title if spec else None,
                "field_title_th": spec.title_th if spec else None,
                "type_label": type_label(err.type)[1],
                "type_label_th": type_label(err.type)[0],
                "explanation": en,
                "explanation_th": th,
            }
        )
    return {
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "pipeline_version": __version__,
        "dataset": {"name": ds.name, "title": ds.title, "title_th": ds.title_th, "policy": ds.on_invalid},
        "source": {
            "file": result.source.name,
            "format": getattr(source, "format", None),
            "encoding": encoding,
        },
        "engine": result.engine,
        "rows_read": result.rows_read,
        "valid_rows": result.valid_rows,
        "quarantined_rows": result.quarantined_rows,
        "error_count": len(errors),
        "errors_by_type": result.errors_by("type"),
        "errors_by_field": result.errors_by("field"),
        "field_titles": {f.name: {"th": f.title_th, "en": f.title} for f in ds.fields},
        "valid": result.valid,
        "publishable": result.publishable,
        "headers": {
            "mapped": dict(getattr(table, "header_map", {})),
            "unmapped": list(getattr(table, "unmapped_headers", [])),  # at most 50 named
            "unmapped_count": getattr(table, "unmapped_count", 0),
            "missing": list(getattr(table, "missing_fields", [])),
        },
        "changes": _plain(getattr(table, "changes", None)) or {},
        # What reading the file noticed: ragged rows, guessed encodings, external links, set-aside columns.
        "warnings": [str(w)[:500] for w in getattr(table, "warnings", [])],
        "errors": errors,
    }
