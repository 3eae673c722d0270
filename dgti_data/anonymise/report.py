"""The anonymisation report: what was done to each field, in counts. Never a personal value.

It leaves the machine (JSON next to the published file, a section of the steward's HTML report),
so it holds field names, treatments, counts, raw row numbers and pseudonym key fingerprints only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dgti_data.anonymise.kanon import KAnonymityResult
from dgti_data.anonymise.leakgate import Leak

TREATMENT_LABELS = {
    "keep": ("เผยแพร่ตามเดิม", "kept"),
    "drop": ("ไม่เผยแพร่", "dropped"),
    "pseudonymise": ("แทนด้วยรหัสแทนค่า", "pseudonymised"),
    "generalise": ("ปรับให้หยาบขึ้น", "generalised"),
    "redact": ("ปกปิดข้อมูลส่วนบุคคลในข้อความ", "personal data redacted"),
}
KIND_LABELS = {
    "national_id": ("เลขบัตรประชาชน", "national ID"),
    "phone": ("โทรศัพท์", "phone"),
    "email": ("อีเมล", "e-mail"),
    "line_id": ("ไลน์ไอดี", "LINE ID"),
    "url_handle": ("ลิงก์ส่วนบุคคล", "personal link"),
    "name": ("ชื่อบุคคล", "person's name"),
}


@dataclass
class FieldReport:
    field: str
    treatment: str
    published: bool
    quasi_identifier: bool = False
    non_empty: int = 0
    changed: int = 0
    invalid: int = 0
    redactions: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "treatment": self.treatment,
            "published": self.published,
            "quasi_identifier": self.quasi_identifier,
            "non_empty": self.non_empty,
            "changed": self.changed,
            "invalid": self.invalid,
            "redactions": dict(sorted(self.redactions.items())),
        }


@dataclass
class AnonymisationReport:
    dataset: str
    raw_schema: str
    rows_in: int
    rows_out: int = 0
    key_id: str | None = None
    fields: list[FieldReport] = field(default_factory=list)
    k_anonymity: KAnonymityResult | None = None
    leaks: list[Leak] = field(default_factory=list)
    unexpected_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return bool(self.leaks)

    @property
    def redactions_by_kind(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for f in self.fields:
            for kind, n in f.redactions.items():
                out[kind] = out.get(kind, 0) + n
        return dict(sorted(out.items()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "raw_schema": self.raw_schema,
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "key_id": self.key_id,
            "blocked": self.blocked,
            "fields": [f.to_dict() for f in self.fields],
            "redactions_by_kind": self.redactions_by_kind,
            "k_anonymity": self.k_anonymity.to_dict() if self.k_anonymity else None,
            "leaks": [leak.to_dict() for leak in self.leaks],
            "unexpected_columns": self.unexpected_columns,
            "missing_columns": self.missing_columns,
        }

    def to_markdown(self) -> str:
        """A bilingual section for the steward's report (Markdown; the HTML report may embed it)."""
        lines = [
            "## การปกปิดข้อมูลส่วนบุคคล / Anonymisation",
            "",
            f"แถวเข้า / rows in: {self.rows_in} · แถวที่เผยแพร่ / rows out: {self.rows_out}",
            "",
            "| field | การดำเนินการ / treatment | non-empty | changed | invalid | redactions |",
            "|---|---|---:|---:|---:|---|",
        ]
        for f in self.fields:
            th, en = TREATMENT_LABELS[f.treatment]
            red = ", ".join(f"{KIND_LABELS[k][1]} {n}" for k, n in sorted(f.redactions.items())) or "-"
            qi = " (QI)" if f.quasi_identifier else ""
            lines.append(
                f"| {f.field}{qi} | {th} / {en} | {f.non_empty} | {f.changed} | {f.invalid} | {red} |"
            )
        ka = self.k_anonymity
        if ka and ka.quasi_identifiers:
            lines += [
                "",
                f"k-anonymity: k = {ka.k} on {', '.join(ka.quasi_identifiers)}; "
                f"achieved k = {ka.k_achieved}; rows generalised further {ka.rows_generalised}; "
                f"rows suppressed {ka.rows_suppressed}",
            ]
        if self.leaks:
            lines += ["", "**พบข้อมูลส่วนบุคคลหลังการปกปิด: ระงับการเผยแพร่ / Leak gate: publication blocked**", ""]
            lines += [f"- row {leak.row}, field {leak.field}: {KIND_LABELS[leak.kind][1]}"
                      for leak in self.leaks[:50]]
        return "\n".join(lines) + "\n"
