"""The steward's summary of one file: what was read, what the normaliser changed, what is wrong."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field, fields, is_dataclass
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


@dataclass(frozen=True)
class Summary:
    """The steward's summary of one file, built once from every stage's result; JSON only at the edge
    (``to_dict``: the ``dgti`` part of report.json, the HTML report, Prefect's artifacts).

    ``publishable`` is the final answer (policy, anonymisation, published check, rows left), and
    ``policy_publishable`` the validation policy's alone (valid rows may be published)."""

    generated_at: str
    pipeline_version: str
    dataset: dict[str, Any]  # name, title, title_th, policy
    source: dict[str, Any]  # file, format, encoding, sheet, header_row, header_rows, layout
    engine: dict[str, Any]
    rows_read: int
    valid_rows: int
    quarantined_rows: int
    errors: list[dict[str, Any]]
    errors_by_type: dict[str, int]
    errors_by_field: dict[str, int]
    field_titles: dict[str, dict[str, str]]
    valid: bool
    policy_publishable: bool
    headers: dict[str, Any]
    changes: dict[str, Any]
    warnings: list[str]
    anonymisation: dict[str, Any]
    published_check: list[dict[str, Any]]
    publishable: bool
    formulas_neutralised: dict[str, Any]
    rows_published: int
    # What the leak gate removed from the published reports (by kind), see ``app.process``.
    report_redactions: dict[str, int] = field(default_factory=dict)
    # A file that is one submission of a dataset made of many: what becomes of its valid rows in
    # the union that is anonymised and published (``dgti_data.combine.dataset``); None otherwise.
    combined: dict[str, Any] | None = None

    @property
    def file(self) -> str:
        return str(self.source["file"])

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def to_dict(self) -> dict[str, Any]:
        """The fields as they are (JSON-like already: ``build_summary`` made them so), not deep
        copies: ``asdict`` copied every error and change of every file several times a file.
        Read-only for the caller."""
        doc = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "policy_publishable"}
        return doc | {"error_count": self.error_count}


def build_summary(
    table: Any,
    result: ValidationResult,
    anonymised: Any,
    published_errors: list[Any],
    publishable: bool,
) -> Summary:
    """Counts, changes, errors with bilingual explanations, what anonymisation did. No personal values."""
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
    return Summary(
        generated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        pipeline_version=__version__,
        dataset={"name": ds.name, "title": ds.title, "title_th": ds.title_th, "policy": ds.on_invalid},
        source={"file": result.source.name, "format": getattr(source, "format", None), "encoding": encoding,
                # Where in the file the table was found (office layouts), and why: see ``read.layout``.
                "sheet": getattr(source, "sheet", None), "header_row": getattr(source, "header_row", 1),
                "header_rows": getattr(source, "header_rows", 1),
                "layout": list(getattr(source, "layout", ()))},
        engine=result.engine,
        rows_read=result.rows_read,
        valid_rows=result.valid_rows,
        quarantined_rows=result.quarantined_rows,
        errors=errors,
        errors_by_type=result.errors_by("type"),
        errors_by_field=result.errors_by("field"),
        field_titles={f.name: {"th": f.title_th, "en": f.title} for f in ds.fields},
        valid=result.valid,
        policy_publishable=result.publishable,
        headers={
            "mapped": dict(getattr(table, "header_map", {})),
            "unmapped": list(getattr(table, "unmapped_headers", [])),  # at most 50 named
            "unmapped_count": getattr(table, "unmapped_count", 0),
            "missing": list(getattr(table, "missing_fields", [])),
        },
        changes=_plain(getattr(table, "changes", None)) or {},
        # What reading the file noticed: ragged rows, guessed encodings, external links, set-aside columns.
        warnings=[str(w)[:500] for w in getattr(table, "warnings", [])],
        anonymisation=anonymised.report.to_dict(),
        published_check=[e.to_dict() for e in published_errors[:100]],
        publishable=publishable,
        formulas_neutralised=anonymised.formulas_neutralised,
        rows_published=len(anonymised.frame) if publishable else 0,
    )
