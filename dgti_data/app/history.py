"""Each run's counts appended to the results folder's history, and the steward's local view redrawn.

Every entry point that validates files calls ``record_run`` once per run with its ``FileReport``s
(the drop-folder flow after all its tasks, ``dgti-data validate`` after its one file), so one run
is one point of the trend however many files or workers it had. The history is safe to lose: a
folder that cannot be written gives a warning, never a failed run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from dgti_data.app.folder import FileReport
from dgti_data.datasets import Catalog
from dgti_data.errors import ConfigurationError
from dgti_data.reference import laos
from dgti_data.report import FileCounts, write_quality
from dgti_data.report.history import append_run

log = logging.getLogger(__name__)


def file_counts(report: FileReport) -> FileCounts | None:
    """What the history keeps of one file: its counts, or nothing for a file that was not read."""
    s = report.summary
    if s is None:
        return None
    return FileCounts(dataset=str(s.dataset["name"]), status=report.status, rows_read=s.rows_read,
                      valid_rows=s.valid_rows, quarantined_rows=s.quarantined_rows, errors=s.error_count,
                      rows_published=s.rows_published, errors_by_type=dict(s.errors_by_type),
                      offices=dict(report.offices))


def office_names(catalog: Catalog) -> dict[str, str]:
    """Office code → its Thai name as offices write it (type and name), from the LAO register."""
    try:
        register = laos(catalog.reference_path("lao-registry").parent)
    except (OSError, ConfigurationError):
        return {}
    return {lao.lao_code: f"{lao.lao_type}{lao.name_th}" if lao.lao_type != lao.name_th else lao.name_th
            for lao in register}


def record_run(results_dir: Path, reports: Sequence[FileReport], catalog: Catalog) -> Path | None:
    """Append this run to ``results_dir``'s history and redraw ``quality.html``; answers its path
    (``None`` when the folder could not be written: the run's own outputs are not affected)."""
    files = [c for c in map(file_counts, reports) if c is not None]
    if not files:
        return None
    try:
        history = append_run(Path(results_dir), files)
        titles = {name: (catalog.get(name).title_th, catalog.get(name).title) for name in catalog.names()}
        return write_quality(Path(results_dir), history, titles, office_names(catalog))
    except OSError as exc:
        log.warning("quality history not updated in %s: %s", results_dir, exc)
        return None
