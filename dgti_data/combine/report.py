"""The combined dataset's steward report (``report.html`` beside its ``report.json``), Thai and English.

Short by design: a programme dataset has thousands of files, so it shows the counts, the lines the
steward must act on (key conflicts, withheld files) and only the files whose rows did not all get
published; each file's own report says the rest.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

from dgti_data.anonymise.leakgate import gate_document

if TYPE_CHECKING:
    from dgti_data.combine.dataset import CombinedDataset

MAX_FILES_LISTED = 300

_env = Environment(loader=PackageLoader("dgti_data.combine", "templates"),
                   autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def write_dataset_html(done: CombinedDataset) -> Path:
    ka = done.anonymised.report.k_anonymity if done.anonymised else None
    noteworthy = {name: part for name, part in sorted(done.per_file.items())
                  if not part["in_union"] or part["published"] < part["rows"]}
    lines, _ = gate_document(done.lines())
    path = done.folder / "report.html"
    path.write_text(_env.get_template("dataset.html.j2").render(
        ds=done.dataset, files=len(done.per_file), rows=len(done.union.frame),
        published=done.rows_published, publishable=done.publishable, quarantined=done.quarantined,
        suppressed=ka.rows_suppressed if ka else 0, k=ka.k if ka else None,
        conflicts=len(done.union.conflicts), held=done.union.held_rows, withheld=len(done.withheld),
        lines=lines[1:], noteworthy=dict(list(noteworthy.items())[:MAX_FILES_LISTED]),
        more=max(0, len(noteworthy) - MAX_FILES_LISTED),
        coverage=[rc.to_dict() for rc in done.coverage]), encoding="utf-8")
    return path
