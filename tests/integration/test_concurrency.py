"""Two publications of the same dataset at once, against the real hub: threads in one process, two
``dgti-data publish`` processes, and two runs of the publishing flow. The per-dataset lock makes
them take turns: one writes, the other then finds nothing to do, and the dataset ends complete
(one dataset, each resource once, every row once).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dgti_data.app import publish_all
from dgti_data.ckan import CkanClient, is_read_action
from dgti_data.datasets import Catalog
from dgti_data.publish import PublicationBundle, Target
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.lock import dataset_lock
from dgti_data.publish.metadata import package_name
from dgti_data.publish.portal import Portal
from dgti_data.settings import PROJECT_ROOT, HubConnection, Settings
from tests.integration.faultproxy import (
    FaultProxy,
    assert_published,
    assert_took_turns,
    dataset_marks,
    report_line,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

SUBMISSIONS, SURVEY = "local-digital-submissions", "lao-digital-readiness-survey"
ROWS = 60
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[list[str]]:
    lines: list[str] = []
    yield lines
    report_line(request.config, "\n" + "\n".join(f"concurrency: {line}" for line in lines))


class Recording(Portal):
    """Notes every call, with the name of the thread that sent it and when it ran, in one list."""

    log: list[tuple[str, str, float, float]]

    def _noted(self, action: str, send: Callable[[], Any]) -> Any:
        start = time.monotonic()
        try:
            return send()
        finally:
            self.log.append((threading.current_thread().name, action, start, time.monotonic()))

    def call(self, action: str, **data: Any) -> Any:
        return self._noted(action, lambda: super(Recording, self).call(action, **data))

    def upload(self, action: str, source: Any, file_name: str, **data: Any) -> Any:
        return self._noted(action, lambda: super(Recording, self).upload(action, source, file_name, **data))


def test_two_threads_publishing_one_dataset_take_turns(
    hub: HubConnection, hub_settings: Settings, catalog: Catalog, editor: CkanClient, run_id: str,
    purge_later: list[str], tally: list[str], tmp_path: Path,
) -> None:
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path / "bundle", rows=ROWS)
    namespace = f"{run_id}-threads"
    name = package_name(SUBMISSIONS, hub.organization, namespace)
    purge_later.append(name)
    log: list[tuple[str, str]] = []
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}
    errors: list[BaseException] = []

    def run() -> None:
        portal = Recording(CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout))
        portal.log = log
        target = Target(portal, hub.organization, namespace, lock_dir=tmp_path / "locks")
        start.wait()
        try:
            (outcome,) = publish_all([bundle], target)
            outcomes[threading.current_thread().name] = outcome.status
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, name=f"run-{i}") for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    assert sorted(outcomes.values()) == ["published", "unchanged"], outcomes
    writes = [(thread, end) for thread, action, _, end in log if not is_read_action(action)]
    (first,) = {t for t, status in outcomes.items() if status == "published"}
    assert {thread for thread, _ in writes} == {first}, "the second run wrote too"
    # The other run asked about the dataset only once the first had written everything (the
    # portal's schema, read before taking the lock, is not about the dataset).
    waited = [start for thread, action, start, _ in log
              if thread != first and action != "scheming_dataset_schema_show"]
    assert waited and min(waited) >= max(end for _, end in writes), "the runs did not take turns"
    assert_published(editor, name, bundle.data_csv, ROWS)
    tally.append(f"2 threads at once: one published ({len(writes)} writes), the other waited and "
                 "wrote nothing; one dataset, 4 resources, DataStore rows = source rows")


def test_a_held_lock_makes_a_run_wait(
    hub: HubConnection, hub_settings: Settings, catalog: Catalog, editor: CkanClient, run_id: str,
    purge_later: list[str], tmp_path: Path,
) -> None:
    """While another holder has the dataset's lock, a run makes no call at all; released, it
    publishes."""
    bundle = example_bundle(catalog.get(SURVEY), tmp_path / "bundle", rows=20)
    namespace = f"{run_id}-held"
    name = package_name(SURVEY, hub.organization, namespace)
    purge_later.append(name)
    client = CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout)
    target = Target(Portal(client), hub.organization, namespace, lock_dir=tmp_path / "locks")
    waiting = threading.Event()
    done: list[str] = []

    class Waiting(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "waiting for it to finish" in record.getMessage():
                waiting.set()

    handler = Waiting()
    logging.getLogger("dgti_data.publish.lock").addHandler(handler)
    logging.getLogger("dgti_data.publish.lock").setLevel(logging.INFO)
    try:
        with dataset_lock(tmp_path / "locks", hub.ckan_url, name):
            worker = threading.Thread(
                target=lambda: done.extend(o.status for o in publish_all([bundle], target)))
            worker.start()
            assert waiting.wait(timeout=120), "the run did not wait for the lock"
            calls_while_held, writes_while_held = dict(client.counter.by_action), client.counter.writes
        worker.join(timeout=300)
    finally:
        logging.getLogger("dgti_data.publish.lock").removeHandler(handler)
    # Only the portal probe's reads before the lock (what the portal offers): nothing about the dataset.
    probe = {"status_show", "help_show", "scheming_dataset_schema_show", "organization_list_for_user"}
    assert calls_while_held and set(calls_while_held) <= probe, calls_while_held
    assert writes_while_held == 0
    assert done == ["published"]
    assert_published(editor, name, bundle.data_csv, 20)


def _env(hub: HubConnection, tmp_path: Path, namespace: str, url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DGTI_CKAN")}
    return env | {
        "DGTI_CKAN_URL": url or hub.ckan_url,
        "DGTI_CKAN_TOKEN": hub.editor_token.get_secret_value(),  # by environment, never printed
        "DGTI_CKAN_ORGANIZATION": hub.organization,
        "DGTI_CKAN_NAMESPACE": namespace,
        "DGTI_LOCK_DIR": str(tmp_path / "locks"),
    }


def _together(commands: list[list[str]], env: dict[str, str], proxy: FaultProxy
              ) -> list[subprocess.CompletedProcess[str]]:
    """Start every command, then wait for all: they run at the same time, their calls to the portal
    going through ``proxy``, which tells them apart."""
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              cwd=PROJECT_ROOT) for c in commands]
    proxy.senders.extend(p.pid for p in procs)
    done = []
    for cmd, p in zip(commands, procs, strict=True):
        out, err = p.communicate(timeout=400)
        done.append(subprocess.CompletedProcess(cmd, p.returncode, out, err))
    return done


def _results(
    hub: HubConnection, catalog: Catalog, folder: Path, namespace: str, purge_later: list[str]
) -> tuple[list[PublicationBundle], list[str]]:
    """Both datasets' bundles under ``folder`` and their package names (purged after the tests)."""
    bundles = [example_bundle(catalog.get(n), folder / n, rows=ROWS) for n in (SUBMISSIONS, SURVEY)]
    names = [package_name(b.dataset.name, hub.organization, namespace) for b in bundles]
    purge_later.extend(names)
    return bundles, names


def test_two_cli_processes_at_once(
    hub: HubConnection, catalog: Catalog, editor: CkanClient, run_id: str, purge_later: list[str],
    tally: list[str], tmp_path: Path,
) -> None:
    results = tmp_path / "results"
    namespace = f"{run_id}-procs"
    bundles, names = _results(hub, catalog, results, namespace, purge_later)
    cmd = [str(BIN / "dgti-data"), "publish", "--from-results", str(results)]
    with FaultProxy(hub.ckan_url) as proxy:  # forwards every call, noting who sent it and when
        runs = _together([cmd, cmd], _env(hub, tmp_path, namespace, proxy.url), proxy)
    assert_took_turns(proxy.calls, {n: dataset_marks(editor, n) for n in names}, senders=2)
    for r in runs:
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stdout + r.stderr
    writes = sorted(int(r.stdout.split(" write calls")[0].rsplit("\n", 1)[-1]) for r in runs)
    assert writes[1] > 0 and writes[0] < writes[1]  # the later run only finished what was left
    for name, bundle in zip(names, bundles, strict=True):
        assert_published(editor, name, bundle.data_csv, ROWS)
    tally.append(f"2 `dgti-data publish` processes at once: {writes[1]} and {writes[0]} write calls; "
                 "both datasets complete, nothing duplicated")


def test_two_runs_of_the_publishing_flow_at_once(
    hub: HubConnection, catalog: Catalog, editor: CkanClient, run_id: str, purge_later: list[str],
    tally: list[str], tmp_path: Path, prefect_server: str,
) -> None:
    results = tmp_path / "results"
    namespace = f"{run_id}-flows"
    bundles, names = _results(hub, catalog, results, namespace, purge_later)
    cmd = [sys.executable, "flows/publish.py", "run", str(results)]
    with FaultProxy(hub.ckan_url) as proxy:
        env = _env(hub, tmp_path, namespace, proxy.url) | {"PREFECT_API_URL": prefect_server}
        runs = _together([cmd, cmd], env, proxy)
    # Each flow run plans (reads) before its approval step, outside the lock: only writes take turns.
    assert_took_turns(proxy.calls, {n: dataset_marks(editor, n) for n in names}, senders=2, writes_only=True)
    for r in runs:
        assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
        assert r.stdout.count(": published") + r.stdout.count(": unchanged") == 2, r.stdout
    for name, bundle in zip(names, bundles, strict=True):
        assert_published(editor, name, bundle.data_csv, ROWS)
    tally.append("2 runs of the publishing flow at once: both completed; both datasets complete, "
                 "nothing duplicated")


@pytest.fixture(scope="module")
def prefect_server() -> Iterator[str]:
    """A temporary Prefect API both flow processes report to (the test harness's server)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        url = PREFECT_API_URL.value()
        assert url
        yield str(url)
