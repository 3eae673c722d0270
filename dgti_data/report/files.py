"""Write the steward's reports: JSON (frictionless's report shape plus our summary) and HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from dgti_data.anonymise.report import KIND_LABELS
from dgti_data.report.explain import type_label
from dgti_data.report.history import RunRecord
from dgti_data.report.summary import Summary, normaliser_label
from dgti_data.report.trend import QUALITY_FILE, report_links, view
from dgti_data.report.views import change_groups, next_steps, treatment_status, untouched

_env = Environment(
    loader=PackageLoader("dgti_data.report", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals.update(
    type_label=type_label,
    normaliser_label=normaliser_label,
    kind_label=lambda k: KIND_LABELS.get(k, (k, k)),
    change_groups=change_groups,
    next_steps=next_steps,
    treatment_status=treatment_status,
    untouched=untouched,
)


def write_json(path: Path, frictionless_report: dict[str, Any], summary: Summary) -> Path:
    """Frictionless's report shape, so its tools read it, with the steward summary under ``dgti``."""
    doc = dict(frictionless_report) | {"dgti": summary.to_dict()}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def render_html(summaries: list[Summary], title: str = "รายงานตรวจสอบข้อมูล / Validation report") -> str:
    return _env.get_template("report.html.j2").render(summaries=[s.to_dict() for s in summaries], title=title)


def write_html(path: Path, summaries: list[Summary]) -> Path:
    path.write_text(render_html(summaries), encoding="utf-8")
    return path


def write_quality(results_dir: Path, history: list[RunRecord], titles: dict[str, tuple[str, str]],
                  office_names: dict[str, str]) -> Path:
    """The steward's local view of quality over time, beside the per-file folders (never published)."""
    path = results_dir / QUALITY_FILE
    html = _env.get_template("quality.html.j2").render(
        view(history, titles, office_names, report_links(results_dir)))
    path.write_text(html, encoding="utf-8")
    return path
