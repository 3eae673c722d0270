"""Screenshots of published datasets as a citizen sees them, in headless Chromium.

    dgti-data screenshot DATASET_URL_OR_NAME [--out PNG] [--preview PNG]

``--preview`` also captures the data resource's page, where CKAN shows the DataStore table
(datatables view) with its Thai labels. Chromium is given time for the page's scripts to run.
"""

from __future__ import annotations

from pathlib import Path

from dgti_data.publish.steps import DATA_KEY, KEY
from dgti_data.publish.target import Target
from dgti_data.report.browser import run_chromium

SETTLE_MS = 8000  # virtual time for the page's JavaScript (the datatables preview) to finish


def screenshot_url(url: str, png: Path, width: int = 1280, height: int = 1600) -> Path:
    """A PNG of ``url`` as anonymous headless Chromium renders it."""
    png.parent.mkdir(parents=True, exist_ok=True)
    return run_chromium(
        [f"--screenshot={png.resolve()}", f"--window-size={width},{height}",
         f"--virtual-time-budget={SETTLE_MS}", url],
        png,
    )


def dataset_urls(target: Target, name_or_url: str) -> tuple[str, str | None]:
    """The dataset page's URL and its data resource page's URL (read calls only)."""
    name = name_or_url.rstrip("/").rsplit("/dataset/", 1)[-1]
    pkg = target.portal.call("package_show", id=name)
    page = f"{target.url}/dataset/{pkg['name']}"
    data = next((r for r in pkg.get("resources", []) if r.get(KEY) == DATA_KEY), None)
    return page, (f"{page}/resource/{data['id']}" if data else None)
