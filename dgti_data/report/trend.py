"""The steward's local view of quality over time (``quality.html`` in the results folder).

Drawn from the history (``report.history``): per dataset, errors and quarantined rows per run for
the last 30 runs as an inline SVG line chart (no script, prints as it shows), then the offices with
quarantined rows in the latest run beside their own trend. It stays on the steward's machine: no
bundle lists it, so the published reports are the same bytes whether the history has one run or
a hundred.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from dgti_data.report.history import TREND_RUNS, UNKNOWN_OFFICE, OfficeCounts, RunRecord

QUALITY_FILE = "quality.html"
OFFICES_SHOWN = 15
ERRORS_COLOUR, QUARANTINED_COLOUR = "#b3261e", "#8a5a00"


@dataclass(frozen=True)
class Point:
    run: str
    files: int
    rows_read: int
    quarantined: int
    errors: int


@dataclass(frozen=True)
class OfficeRow:
    code: str
    name: str
    rows: int
    quarantined: int
    errors: int
    previous: int | None  # quarantined rows in the run before, if the office sent rows then
    series: list[int]  # quarantined rows per run, the dataset's last runs


def when(run: str) -> str:
    """A run's time as a Thai reader writes it: day/month/Buddhist-Era year, Bangkok time."""
    try:
        t = dt.datetime.fromisoformat(run.split("#")[0]).astimezone(dt.timezone(dt.timedelta(hours=7)))
    except ValueError:
        return run
    return f"{t.day}/{t.month}/{t.year + 543} {t:%H:%M}"


def series(history: Sequence[RunRecord], dataset: str, last: int = TREND_RUNS) -> list[Point]:
    """Per run of ``dataset`` (its files summed), the last ``last`` runs that had it."""
    points = []
    for record in history:
        files = [f for f in record.files if f.dataset == dataset]
        if files:
            points.append(Point(record.run, len(files), sum(f.rows_read for f in files),
                                sum(f.quarantined_rows for f in files), sum(f.errors for f in files)))
    return points[-last:]


def office_rows(history: Sequence[RunRecord], dataset: str, names: Mapping[str, str],
                last: int = TREND_RUNS, shown: int = OFFICES_SHOWN) -> list[OfficeRow]:
    """Offices with quarantined rows or errors in the dataset's latest run, the most first."""
    runs = [r for r in history if any(f.dataset == dataset for f in r.files)][-last:]
    per_run: list[dict[str, OfficeCounts]] = []
    for record in runs:
        merged: dict[str, OfficeCounts] = {}
        for f in (f for f in record.files if f.dataset == dataset):
            for code, c in f.offices.items():
                m = merged.get(code, OfficeCounts())
                merged[code] = OfficeCounts(m.rows + c.rows, m.quarantined + c.quarantined,
                                            m.errors + c.errors)
        per_run.append(merged)
    if not per_run:
        return []
    latest = per_run[-1]
    flagged = sorted((code for code, c in latest.items() if c.quarantined or c.errors),
                     key=lambda code: (-latest[code].quarantined, -latest[code].errors, code))
    rows = []
    for code in flagged[:shown]:
        before = per_run[-2].get(code) if len(per_run) > 1 else None
        c = latest[code]
        rows.append(OfficeRow(code, names.get(code, ""), c.rows, c.quarantined, c.errors,
                              before.quarantined if before else None,
                              [run[code].quarantined if code in run else 0 for run in per_run]))
    return rows


def _scale(values: Sequence[int], top: float, height: float) -> list[float]:
    peak = max([*values, 1])
    return [top + height - v / peak * height for v in values]


def _xs(n: int, left: float, width: float) -> list[float]:
    return [left + (width * i / (n - 1) if n > 1 else width / 2) for i in range(n)]


def chart(points: Sequence[Point], width: int = 640, height: int = 180) -> Markup:
    """Errors and quarantined rows per run as an SVG line chart with a bilingual legend and axis
    labels; each point says its run and counts on hover (SVG ``<title>``)."""
    left, right, top, bottom = 48, 12, 28, 34
    w, h = width - left - right, height - top - bottom
    peak = max([p.errors for p in points] + [p.quarantined for p in points] + [1])
    xs = _xs(len(points), left, w)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" class="trend">',
             f'<line x1="{left}" y1="{top + h}" x2="{left + w}" y2="{top + h}" stroke="#bbb"/>',
             f'<line x1="{left}" y1="{top}" x2="{left + w}" y2="{top}" stroke="#eee"/>',
             f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" class="axis">{peak:,}</text>',
             f'<text x="{left - 6}" y="{top + h + 4}" text-anchor="end" class="axis">0</text>']
    # Quarantined rows first, errors dashed over them: often equal (one error a row), both stay visible.
    for label, colour, dash, values in (
        ("แถวที่กักกัน / quarantined rows", QUARANTINED_COLOUR, "", [p.quarantined for p in points]),
        ("ข้อผิดพลาด / errors", ERRORS_COLOUR, ' stroke-dasharray="6 4"', [p.errors for p in points]),
    ):
        ys = [top + h - v / peak * h for v in values]
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} points="{coords}"/>')
        for p, x, y, v in zip(points, xs, ys, values, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                         f'<title>{escape(when(p.run))}: {escape(label)} {v:,}</title></circle>')
    legend_x = left
    for label, colour, dash in (("ข้อผิดพลาด / errors", ERRORS_COLOUR, ' stroke-dasharray="6 4"'),
                                ("แถวที่กักกัน / quarantined rows", QUARANTINED_COLOUR, "")):
        parts.append(f'<line x1="{legend_x}" y1="12" x2="{legend_x + 22}" y2="12" stroke="{colour}" '
                     f'stroke-width="2"{dash}/>'
                     f'<text x="{legend_x + 28}" y="16" class="legend">{escape(label)}</text>')
        legend_x += 200
    if points:
        parts.append(f'<text x="{left}" y="{height - 10}" class="axis">{escape(when(points[0].run))}</text>')
        if len(points) > 1:
            parts.append(f'<text x="{left + w}" y="{height - 10}" text-anchor="end" class="axis">'
                         f'{escape(when(points[-1].run))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def sparkline(values: Sequence[int], width: int = 120, height: int = 24) -> Markup:
    """A small line of one office's quarantined rows per run, for its row of the table."""
    xs, ys = _xs(len(values), 2, width - 4), _scale(values, 2, height - 4)
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
                  f'viewBox="0 0 {width} {height}" role="img" class="spark"><polyline fill="none" '
                  f'stroke="{QUARANTINED_COLOUR}" stroke-width="1.5" points="{coords}"/></svg>')


def direction(points: Sequence[Point]) -> tuple[str, str] | None:
    """(Thai, English) for how the latest run compares with the one before it."""
    if len(points) < 2:
        return None
    before, now = points[-2], points[-1]
    if (now.errors, now.quarantined) == (before.errors, before.quarantined):
        return ("เท่ากับรอบก่อน", "the same as the run before")
    if now.errors <= before.errors and now.quarantined <= before.quarantined:
        return ("ดีขึ้นจากรอบก่อน", "better than the run before")
    if now.errors >= before.errors and now.quarantined >= before.quarantined:
        return ("แย่ลงจากรอบก่อน", "worse than the run before")
    return ("บางส่วนดีขึ้น บางส่วนแย่ลง", "some counts better, some worse")


def view(history: Sequence[RunRecord], titles: Mapping[str, tuple[str, str]], names: Mapping[str, str],
         reports: Sequence[str]) -> dict[str, Any]:
    """What ``quality.html.j2`` shows: per dataset (``titles``: name → (Thai, English)) its chart,
    its last runs and its flagged offices; ``reports``: the results folder's report links."""
    datasets = sorted({f.dataset for r in history for f in r.files})
    sections = []
    for name in datasets:
        points = series(history, name)
        th, en = titles.get(name, (name, name))
        sections.append({"name": name, "title_th": th, "title": en, "chart": chart(points),
                         "points": points, "direction": direction(points),
                         "offices": office_rows(history, name, names)})
    return {"sections": sections, "runs": len(history), "reports": list(reports),
            "latest": when(history[-1].run) if history else "", "unknown_office": UNKNOWN_OFFICE,
            "sparkline": sparkline, "when": when}


def report_links(results_dir: Path) -> list[str]:
    """Each file's steward report in the folder, as links relative to ``quality.html``."""
    return sorted(p.relative_to(results_dir).as_posix() for p in results_dir.glob("*/report.html"))
