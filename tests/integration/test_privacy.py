"""No planted personal value reaches what CKAN serves, after a publication like the demo's.

The main job runs on both samples as the demo makes them (the submissions as Excel, the survey as
a cp874 CSV); then every personal value the samples' manifests record, in every form (as written,
ASCII digits, digits only, a +66 phone's national number, the name without its title, the e-mail in
lower case: ``tests/personal.py``), is searched in each dataset's metadata, every resource
download, every DataStore row, and the DataStore's full-text index (``datastore_search`` with
``q=``, which could hold what the rows no longer show). Searches that find a value known to be
there show the search works. The steward's quality history, kept beside the results, is searched
too, and the same drop run again (the history grown by a run) writes nothing to CKAN.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from dgti_data.ckan import CkanClient
from dgti_data.publish.metadata import package_name
from dgti_data.report.history import HISTORY_FILE, read_history
from dgti_data.report.trend import QUALITY_FILE
from dgti_data.settings import HubConnection
from tests.integration.faultproxy import report_line
from tests.integration.test_security import job, prefect_api  # noqa: F401 (fixtures)
from tests.personal import found_in, planted_forms

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

SUBMISSIONS, SURVEY = "local-digital-submissions", "lao-digital-readiness-survey"
ROWS = 120


def _q_hits(client: CkanClient, resource_id: str, needles: dict[str, str]) -> list[str]:
    """The needles the DataStore's full-text search finds in the table (one query each)."""
    def hit(needle: str) -> str | None:
        found = client.datastore_search(resource_id=resource_id, q=needle, limit=1)["total"]
        return f"{needle!r}: {needles[needle]}" if found else None

    with ThreadPoolExecutor(6) as pool:
        return [h for h in pool.map(hit, needles) if h]


def test_no_planted_personal_value_reaches_ckan(
    prefect_api: None, job: str, hub: HubConnection, editor: CkanClient,  # noqa: F811
    make_sample: Callable[..., Path], purge_later: list[str], tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    from flows.local_digital import main as main_job

    drop, results = tmp_path / "drop", tmp_path / "results"
    drop.mkdir()
    samples = [make_sample(SUBMISSIONS, fmt="xlsx", rows=ROWS),
               make_sample(SURVEY, fmt="csv-cp874", rows=ROWS, error_rate=0.0)]
    for sample in samples:
        shutil.copyfile(sample, drop / sample.name)
    names = [package_name(n, hub.organization, job) for n in (SUBMISSIONS, SURVEY)]
    purge_later.extend(names)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert main_job([str(drop), str(results), "--auto-approve"]) == 0

    needles = planted_forms(Path(f"{s}.manifest.json") for s in samples)
    raw = (drop / samples[1].name).read_bytes().decode("cp874")
    assert len(list(found_in(raw, needles))) > 100  # the search finds what is there

    leaks: list[str] = []
    searched = {"metadata": 0, "downloads": 0, "DataStore rows": 0, "q= searches": 0}
    for name in names:
        pkg = editor.package_show(name)
        leaks += [f"{name} metadata: {x}" for x in found_in(json.dumps(pkg, ensure_ascii=False), needles)]
        searched["metadata"] += 1
        for res in pkg["resources"]:
            body = requests.get(res["url"], timeout=60).content.decode("utf-8")
            leaks += [f"{name}/{res['name']}: {x}" for x in found_in(body, needles)]
            searched["downloads"] += 1
            if res.get("dgti_key") != "data":
                continue
            rows = editor.datastore_search(resource_id=res["id"], limit=10_000)
            assert rows["total"] == len(rows["records"]) > 0
            text = json.dumps(rows["records"], ensure_ascii=False)
            leaks += [f"{name} DataStore: {x}" for x in found_in(text, needles)]
            searched["DataStore rows"] += len(rows["records"])
            first = rows["records"][0]["lao_name"]
            assert editor.datastore_search(resource_id=res["id"], q=first, limit=1)["total"] > 0
            leaks += [f"{name} q=: {x}" for x in _q_hits(editor, res["id"], needles)]
            searched["q= searches"] += len(needles)
    # data, datapackage.json, report.json, report.html, anonymisation-report.json, coverage.csv
    assert searched["downloads"] == 2 * 6 and searched["DataStore rows"] > ROWS
    assert not leaks, leaks[:20]

    # The steward's quality history (counts per dataset and office) holds no personal value either,
    # and growing it changes nothing published: the same drop again writes nothing to CKAN.
    from flows.local_digital import local_digital_pipeline

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        again = local_digital_pipeline(str(drop), str(results), auto_approve=True)
    assert [(p["status"], p["writes"]) for p in again["published"]] == [("unchanged", 0)] * 2, again
    history = (results / HISTORY_FILE).read_text(encoding="utf-8")
    assert len(read_history(results)) == 2 and len(history.splitlines()) == 4  # 2 runs × 2 files
    local_view = (results / QUALITY_FILE).read_text(encoding="utf-8")
    assert "<svg" in local_view and "ข้อผิดพลาด / errors" in local_view
    for where, text in (("history", history), ("quality.html", local_view)):
        assert not list(found_in(text, needles)), (where, list(found_in(text, needles))[:5])
    published = [r["name"] for name in names for r in editor.package_show(name)["resources"]]
    assert QUALITY_FILE not in published and HISTORY_FILE not in published
    report_line(request.config, f"\nprivacy: {len(needles)} forms of the samples' planted personal values "
                f"searched in {searched}: none found")
