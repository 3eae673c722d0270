"""The same steward summary, as markdown and table rows for Prefect's UI artifacts."""

from __future__ import annotations

from typing import Any

from dgti_data.report.explain import type_label
from dgti_data.report.summary import Summary


def summary_markdown(summaries: list[Summary]) -> str:
    lines = [
        "# รายงานตรวจสอบข้อมูล / Validation report",
        "",
        "| ไฟล์ / file | ชุดข้อมูล / dataset | แถว / rows | ถูกต้อง / valid | กักกัน / quarantined "
        "| ข้อผิดพลาด / errors | ผล / outcome |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for s in summaries:
        outcome = (
            "ผ่าน / valid" if s.valid else
            "เผยแพร่แถวที่ถูกต้อง / valid rows only" if s.publishable else "ระงับ / blocked"
        )
        lines.append(
            f"| {s.file} | {s.dataset['title_th']} ({s.dataset['name']}) | "
            f"{s.rows_read:,} | {s.valid_rows:,} | {s.quarantined_rows:,} | {s.error_count:,} | "
            f"{outcome} |"
        )
    for s in summaries:
        if not s.errors_by_type:
            continue
        lines += ["", f"## {s.file}", "", "| ประเภท / type | จำนวน / count |", "|---|---:|"]
        for t, n in s.errors_by_type.items():
            th, en = type_label(t)
            lines.append(f"| {th} / {en} | {n:,} |")
    return "\n".join(lines) + "\n"


def error_rows(summaries: list[Summary], limit: int = 200) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for s in summaries:
        for e in s.errors:
            rows.append(
                {
                    "file": s.file,
                    "row": e["row"],
                    "field": e["field"],
                    "type": e["type"],
                    "value": e["value"],
                    "explanation": f"{e['explanation_th']} / {e['explanation']}",
                }
            )
            if len(rows) >= limit:
                return rows
    return rows
