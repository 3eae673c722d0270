"""What the HTML report shows, computed from a summary's JSON: short enough to read on one screen.

The normaliser's changes are grouped by kind (one row each, not one per kind × field), each
anonymisation status says what really happened to the field (a "kept" quasi-identifier may still
have been emptied for k-anonymity), and the report ends with what the steward does next.
"""

from __future__ import annotations

from typing import Any

from dgti_data.anonymise.report import TREATMENT_LABELS
from dgti_data.report.summary import normaliser_label

EXAMPLES = 3
FIELDS_SHOWN = 6


def change_groups(changes: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per kind of change: its label, total cells, fields by count, three example rows."""
    groups = []
    examples = changes.get("examples", {})
    for kind, per_field in changes.get("counts", {}).items():
        fields = sorted(per_field.items(), key=lambda kv: (-kv[1], kv[0]))
        rows = distinct_rows(sorted((r, f) for f, rs in examples.get(kind, {}).items() for r in rs))
        th, en = normaliser_label(kind)
        groups.append({
            "kind": kind, "th": th, "en": en, "cells": sum(per_field.values()),
            "fields": fields[:FIELDS_SHOWN], "more_fields": max(0, len(fields) - FIELDS_SHOWN),
            "examples": rows[:EXAMPLES],
        })
    return sorted(groups, key=lambda g: -g["cells"])


def distinct_rows(examples: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The first example of each row: three rows show more than one row three times."""
    seen: set[int] = set()
    return [(r, f) for r, f in examples if not (r in seen or seen.add(r))]


def untouched(fields: list[dict[str, Any]]) -> list[str]:
    """Fields published as sent, not changed at all: named in one line instead of a row each."""
    return [f["field"] for f in fields
            if f["treatment"] == "keep" and not f.get("changed") and not f.get("quasi_identifier")]


def treatment_status(field: dict[str, Any]) -> tuple[str, str]:
    """(Thai, English) for what became of a field; ``changed`` cells of a kept field were changed
    by k-anonymity (generalised or left empty), never by its treatment."""
    th, en = TREATMENT_LABELS.get(field["treatment"], (field["treatment"], field["treatment"]))
    n = field.get("changed", 0)
    if field["treatment"] == "keep" and n:
        return (f"{th} ยกเว้น {n:,} เซลล์ที่ปรับให้หยาบขึ้นหรือเว้นว่างตาม k-anonymity",
                f"{en}, except {n:,} cells generalised or left empty for k-anonymity")
    return th, en


def next_steps(s: dict[str, Any]) -> list[tuple[str, str]]:
    """What the steward does with this file: resend a fixed source, or accept and publish."""
    quarantined, published = s["quarantined_rows"], s["rows_published"]
    anonymisation = s.get("anonymisation") or {}
    if s["rows_read"] == 0:
        return [("ไฟล์ไม่มีแถวข้อมูล: ขอให้หน่วยงานส่งออกข้อมูลใหม่แล้วส่งอีกครั้ง",
                 "The file has no data rows: ask the office to export it again and resend it.")]
    if anonymisation.get("blocked") or s.get("published_check"):
        return [("พบข้อมูลส่วนบุคคลหรือโครงสร้างไม่ถูกต้องหลังการปกปิด: ไม่มีการเผยแพร่ "
                 "แก้ไขข้อความในไฟล์ต้นทางตามแถวที่ระบุ แล้วส่งอีกครั้ง",
                 "Personal data or a schema problem remains after anonymisation: nothing is published. "
                 "Fix the rows listed in the source file and resend it.")]
    if s["publishable"] and s["valid"]:
        return [(f"ผ่านการตรวจสอบ: อนุมัติเพื่อเผยแพร่ {published:,} แถว",
                 f"Passed: approve it and {published:,} rows are published.")]
    if not quarantined and not s["publishable"]:
        return [("ไม่มีแถวที่เผยแพร่ได้หลังการปกปิดข้อมูล: ตรวจสอบส่วนการปกปิดข้อมูลด้านล่าง แก้ไขไฟล์ต้นทางแล้วส่งอีกครั้ง",
                 "No row is left to publish after anonymisation: see the anonymisation section below, "
                 "fix the source file and resend it.")]
    fix = (f"แก้ไข {quarantined:,} แถวที่กักกันในไฟล์ต้นทาง (ดูรายการข้อผิดพลาดด้านบน) แล้วส่งไฟล์ทั้งหมดอีกครั้ง",
           f"Fix the {quarantined:,} quarantined rows in the source file (see the errors above) "
           "and resend the whole file.")
    if s["publishable"]:
        return [fix, (f"หรือยอมรับและเผยแพร่ {published:,} แถวที่ถูกต้องตอนนี้ แถวที่กักกันจะไม่เผยแพร่จนกว่าจะส่งแก้ไข",
                      f"Or accept and publish the {published:,} valid rows now: the quarantined rows "
                      "stay unpublished until a corrected file is sent.")]
    return [fix, ("ชุดข้อมูลนี้ระงับการเผยแพร่ทั้งชุดเมื่อพบข้อผิดพลาด: ยังไม่มีการเผยแพร่",
                  "This dataset's policy blocks publication on any error: nothing is published yet.")]
