"""The CSV each DataStore table was last loaded from, kept on the publisher's side.

Why: to find the rows a nightly run changes, the planner compared the new CSV with the portal's
table read through the API, every row of it: at 1M rows about a hundred ``datastore_search`` pages,
longer than loading the whole table again. The resource's marker (``MARK_DATA``, written only once
a load finished) names the file the table holds; when the publisher still has that file, the rows
are compared on its own disk and the portal is asked nothing. Without it (another machine, a lost
folder, a marker we did not write) the table is read as before.

One file per resource (``<resource id>.<marker>.csv``), copied (a link would follow a results file
rewritten in place), written under a temporary name and renamed, the resource's older files
removed. It holds only the published, anonymised rows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path


def _name(resource_id: str, marker: str) -> str:
    return f"{resource_id}.{marker}.csv"


def find(folder: Path | None, resource_id: str, marker: str | None) -> Path | None:
    """The file the table holds according to its ``marker``, if this publisher still has it."""
    if folder is None or not marker or os.sep in resource_id:
        return None
    path = folder / _name(resource_id, marker)
    return path if path.is_file() else None


def keep(folder: Path | None, resource_id: str, marker: str, csv_path: Path) -> None:
    """Remember that the table now holds ``csv_path`` (after its marker was written). Best effort:
    a copy that cannot be made only means the next sync reads the table through the API."""
    if folder is None or os.sep in resource_id:
        return
    target = folder / _name(resource_id, marker)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(csv_path, partial)
        partial.replace(target)
        for old in folder.glob(f"{resource_id}.*.csv"):
            if old != target:
                old.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            target.with_suffix(".partial").unlink(missing_ok=True)
