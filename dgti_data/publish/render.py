"""How a plan reads in a terminal, a log or Prefect's UI: the dry run's output, what a steward
approves. Pure text from the plan types (``publish.steps``); nothing here talks to a portal."""

from __future__ import annotations

import difflib
import html
import json
import unicodedata
from typing import TYPE_CHECKING, Any

from dgti_data.publish.loadpath import DESCRIPTIONS

if TYPE_CHECKING:
    from dgti_data.ckan import PortalOffer
    from dgti_data.publish.steps import DatasetPlan, DatastoreStep, FieldChange, ResourceStep


def show(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "(none)"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else repr(value)


def _yes(flag: bool | None, yes: str = "มี / yes", no: str = "ไม่มี / no") -> str:
    return "ไม่ได้ถาม / not asked" if flag is None else (yes if flag else no)


def portal_offer(offer: PortalOffer) -> str:
    """What the portal offers, Thai / English, before the plan: what will happen, and what stops it."""
    load = DESCRIPTIONS[offer.load_path]
    schema = ("ครบ / complete" if not offer.missing_fields
              else "ขาด / missing: " + ", ".join(offer.missing_fields)) if offer.scheming else "ไม่มี / none"
    lines = [
        f"พอร์ทัล / portal: {offer.url}",
        f"  รุ่น CKAN / CKAN version: {offer.ckan_version or '?'}",
        f"  โครงสร้าง GD Catalog (scheming) / GD Catalog schema: {schema}",
        f"  DataStore: {_yes(offer.datastore)}",
        f"  XLoader: {_yes(offer.xloader)}",
        f"  ckanext-dgti (bulk load): {_yes(offer.bulk)}",
        f"  DCAT: {_yes(offer.dcat)}",
        f"  สิทธิ์สร้างชุดข้อมูลใน / may create datasets in {offer.organization}: "
        f"{_yes(offer.may_create, 'ได้ / yes', 'ไม่ได้ / no')}",
        f"  โหลด DataStore ด้วย / DataStore load path: {load}" if offer.datastore else "",
    ]
    lines += [f"  ✗ เผยแพร่ไม่ได้ / cannot publish: {p}" for p in offer.problems]
    return "\n".join(ln for ln in lines if ln)


def field_change(change: FieldChange, indent: str = "    ") -> list[str]:
    b, a = change.before, change.after
    if isinstance(b, str) and isinstance(a, str) and ("\n" in a or "\n" in b or len(a) > 80):
        lines = difflib.unified_diff(b.splitlines(), a.splitlines(), lineterm="", n=0)
        body = [ln for ln in lines if not ln.startswith(("---", "+++", "@@"))]
        return [f"{indent}{change.field}:"] + [f"{indent}  {ln}" for ln in body]
    return [f"{indent}{change.field}: {show(b)} → {show(a)}"]


def resource_step(step: ResourceStep) -> list[str]:
    sign = {"create": "+", "update": "~", "unchanged": "=", "delete": "-"}[step.action]
    head = f"  {sign} {step.name} [{step.key}]: {step.action}"
    if step.action == "create":
        head += f" ({step.size:,} bytes, sha256 {step.sha256[:12]}…)"
    out = [head]
    out += [ln for c in step.changes for ln in field_change(c, "      ")]
    return out


def datastore_step(step: DatastoreStep) -> list[str]:
    r = step.rows
    if step.action == "unchanged":
        return [f"  datastore: unchanged ({r.after:,} rows)"]
    if step.action in ("create", "recreate"):
        text = f"  datastore: {step.action} typed table, {r.after:,} rows"
        out = [text + (f" ({step.reason})" if step.reason else "")]
    elif step.action == "sync":
        share = f": {r.share:.1%} of {r.seen:,} rows" if r.share is not None else ""
        out = [
            f"  datastore: {r.added:,} rows added, {r.changed:,} changed, {r.removed:,} removed "
            f"({r.before:,} published before){share}"
        ]
    else:
        out = ["  datastore: data dictionary"]
    if step.load is not None:
        out.append(f"  load by {DESCRIPTIONS[step.load]}: {step.load_reason}")
    out += [ln for c in step.dictionary for ln in field_change(c, "      ")]
    if step.create_views:
        out.append("  preview: create the default views (data table)")
    return out


def dataset_plan(plan: DatasetPlan) -> str:
    head = f"{plan.bundle.dataset.name} → {plan.name} ({plan.organization}): {plan.action.upper()}"
    lines = [head]
    if plan.action == "refused":
        lines.append("  refused before any write: the portal would not accept:")
        lines += [f"    ✗ {p}" for p in plan.problems]
        return "\n".join(lines)
    if plan.action == "create":
        lines.append("  metadata: new dataset (private until complete)")
        lines += [f"    {k}: {show(v)}" for k, v in plan.package.items() if k not in ("name",)]
    elif plan.metadata:
        lines.append("  metadata:")
        lines += [ln for c in plan.metadata for ln in field_change(c)]
    if plan.action != "unchanged":
        lines.append("  resources:")
        lines += [ln for r in plan.resources for ln in resource_step(r)]
        if plan.datastore is not None:
            lines += datastore_step(plan.datastore)
        if plan.make_public:
            lines.append("  then: make the dataset public")
    else:
        lines.append(f"  nothing to do ({len(plan.resources)} resources, DataStore in sync)")
    lines += [f"  warning: {w}" for w in plan.warnings]
    return "\n".join(lines)


RUN_COLUMNS = (  # key, Thai, English
    ("dataset", "ชุดข้อมูล", "dataset"),
    ("status", "สถานะ", "status"),
    ("rows", "แถวที่เผยแพร่", "rows published"),
    ("writes", "คำสั่งเขียน", "write calls"),
    ("seconds", "เวลา (วินาที)", "time (s)"),
)


def run_rows(outcomes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per dataset (``Outcome.to_dict``): what the run did to it, for a table artifact."""
    return [{f"{th} / {en}": o[key] for key, th, en in RUN_COLUMNS} for o in outcomes]


def run_table(outcomes: list[dict[str, Any]]) -> str:
    """The run's last word in a terminal: per dataset its status, rows, write calls and time, and
    the totals, so "the second run wrote nothing" reads off the screen."""
    cells = [[th for _, th, _ in RUN_COLUMNS], [en for _, _, en in RUN_COLUMNS]]
    for o in outcomes:
        cells.append([o["dataset"], o["status"], f"{o['rows']:,}", f"{o['writes']:,}", f"{o['seconds']:.1f}"])
    cells.append(["รวม / total", "", f"{sum(o['rows'] for o in outcomes):,}",
                  f"{sum(o['writes'] for o in outcomes):,}", f"{sum(o['seconds'] for o in outcomes):.1f}"])
    widths = [max(_width(row[i]) for row in cells) for i in range(len(RUN_COLUMNS))]

    def line(row: list[str]) -> str:
        out = [cell + " " * (w - _width(cell)) if i < 2 else " " * (w - _width(cell)) + cell
               for i, (cell, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), line(cells[1]), rule, *(line(r) for r in cells[2:-1]), rule,
                      line(cells[-1])])


def _width(text: str) -> int:
    """Columns a terminal gives ``text``: Thai vowel and tone marks above or below take none."""
    return sum(0 if unicodedata.combining(c) or unicodedata.category(c) == "Mn" else 1 for c in text)


def _cell(value: Any, limit: int = 60) -> str:
    """A value in one table cell of markdown: one line, short, pipes escaped."""
    text = " ".join(show(value).split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quarantined_rows(bundle: Any) -> int | None:
    """Rows of the raw file held back, from the steward report published with the bundle."""
    for path in bundle.reports:
        if path.name == "report.json":
            try:
                return int(json.loads(path.read_text(encoding="utf-8"))["dgti"]["quarantined_rows"])
            except (OSError, ValueError, KeyError, TypeError):
                return None
    return None


def report_link(bundle: Any) -> str:
    html = next((p for p in bundle.reports if p.name == "report.html"), None)
    return f"[report.html]({html.resolve().as_uri()})" if html else "—"


def approval_markdown(waiting: list[tuple[DatasetPlan, list[str]]]) -> str:
    """What a steward reads before approving, per dataset: a two-column table (rows added, changed,
    removed and their share of the rows in either version, rows quarantined, why it waits, a link
    to the report), then the metadata that changes, old → new. Two columns fit a narrow dialog;
    digests and file steps stay folded away in one HTML block."""
    lines: list[str] = []
    for plan, reasons in waiting:
        ds = plan.datastore
        q = quarantined_rows(plan.bundle)
        title = plan.bundle.dataset
        lines += ["", f"#### {title.title_th}", f"{title.title} · `{plan.name}`", "",
                  "| | จำนวน / count |", "|---|---:|"]
        if ds is not None and ds.action == "sync":
            r = ds.rows
            lines += [f"| แถวที่เผยแพร่แล้ว / rows published before | {r.before:,} |",
                      f"| เพิ่ม / added | {r.added:,} |", f"| เปลี่ยน / changed | {r.changed:,} |",
                      f"| ลบ / removed | {r.removed:,} |"]
            if r.share is not None:
                lines.append(f"| สัดส่วนที่เปลี่ยน / share changed (of {r.seen:,} rows) | **{r.share:.1%}** |")
        else:
            rows = ds.rows.after if ds is not None else plan.bundle.rows or 0
            lines.append(f"| {'ชุดข้อมูลใหม่ / new dataset' if plan.is_new else 'ตารางใหม่ / new table'}: "
                         f"แถว / rows | {rows:,} |")
        lines.append(f"| กักกัน (ไม่เผยแพร่) / quarantined | {'—' if q is None else f'{q:,}'} |")
        lines.append(f"| รายงาน / report | {report_link(plan.bundle)} |")
        lines += ["", "ต้องอนุมัติเพราะ / waits because:"]
        lines += [f"- {' '.join(reason.split())}" for reason in reasons]
        if plan.metadata:
            lines += ["", "| เมทาดาทา / metadata | เดิม / old | ใหม่ / new |", "|---|---|---|"]
            lines += [f"| `{c.field}` | {_cell(c.before)} | {_cell(c.after)} |" for c in plan.metadata]
    technical = "\n".join(dataset_plan(plan) for plan, _ in waiting)
    lines += ["", "<details><summary>รายละเอียดทางเทคนิค / technical plan (files, digests)</summary>"
              f"<pre>{html.escape(technical)}</pre></details>"]
    return "\n".join(lines).strip() + "\n"
