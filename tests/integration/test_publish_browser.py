"""A citizen's view: the published dataset page and its data preview in headless Chromium. Beside
each PNG, the DOM Chromium rendered for the same address shows what the picture is of: the
dataset's title and the data resource, not a CKAN error page."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import pytest

from dgti_data.app import publish_all
from dgti_data.ckan import CkanClient
from dgti_data.datasets import load_catalog
from dgti_data.publish import Portal, Target
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.metadata import package_name
from dgti_data.publish.screenshot import SETTLE_MS, screenshot_url
from dgti_data.report.browser import _FLAGS, chromium
from dgti_data.settings import HubConnection, Settings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
]


def rendered_text(url: str, tmp_path: Path) -> str:
    """The text of the page's DOM after its scripts ran, as headless Chromium dumps it."""
    done = subprocess.run(
        [chromium(), *_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         f"--virtual-time-budget={SETTLE_MS}", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    )
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", done.stdout, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_dataset_page_and_preview_screenshots(
    hub: HubConnection, hub_settings: Settings, run_id: str, purge_later: list[str], tmp_path: Path
) -> None:
    dataset = load_catalog(hub_settings.schemas_dir).get("local-digital-submissions")
    namespace = f"{run_id}-shot"
    purge_later.append(package_name(dataset.name, hub.organization, namespace))
    client = CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout)
    target = Target(Portal(client), hub.organization, namespace, lock_dir=hub_settings.lock_dir)
    (outcome,) = publish_all([example_bundle(dataset, tmp_path / "bundle", rows=25)], target)
    assert outcome.url

    page = screenshot_url(outcome.url, tmp_path / "dataset.png")
    data = next(r for r in client.package_show(outcome.plan.name)["resources"] if r.get("dgti_key") == "data")
    preview = screenshot_url(f"{outcome.url}/resource/{data['id']}", tmp_path / "preview.png")
    for png in (page, preview):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    title = client.package_show(outcome.plan.name)["title"]
    shown = rendered_text(outcome.url, tmp_path)
    assert title in shown and data["name"] in shown, shown[:500]
    shown = rendered_text(f"{outcome.url}/resource/{data['id']}", tmp_path)
    assert data["name"] in shown and title in shown, shown[:500]
    assert "Data Dictionary" in shown or "พจนานุกรมข้อมูล" in shown, shown[:500]
