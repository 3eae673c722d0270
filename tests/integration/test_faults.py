"""Fault injection against the real hub: a loopback proxy between the publisher and CKAN refuses,
resets, answers 500/502/503, holds answers past the client's timeout or cuts them mid-body, on a
chosen call; CKAN itself is stopped and started mid-run; the portal is down from the start.

For every transient fault the run completes (reads retried by the client, writes by planning
again) and the portal ends in exactly the intended state; terminal refusals fail fast with one
clear message and write nothing; after any failure a re-run converges. The module prints how many
faults were tried and what came of them.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import os
import random
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from dgti_data.app import publish_all
from dgti_data.ckan import CkanClient, NotAuthorized, RetryPolicy, ValidationError, is_read_action
from dgti_data.datasets import Catalog
from dgti_data.hub import ckan_server
from dgti_data.hub.layout import HubPaths
from dgti_data.publish import PublicationBundle, Target, publish_bundle
from dgti_data.publish.bundle import count_rows
from dgti_data.publish.examples import example_bundle, write_csv
from dgti_data.publish.metadata import package_name
from dgti_data.publish.portal import Portal
from dgti_data.publish.service import PortalUnsuitable, portal_schema_of
from dgti_data.settings import HubConnection, Settings, get_settings
from tests.integration.faultproxy import (
    FaultProxy,
    assert_absent,
    assert_published,
    prefect_logs,
    report_line,
)

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

SUBMISSIONS, SURVEY = "local-digital-submissions", "lao-digital-readiness-survey"
KINDS = ("reset", "500", "502", "503", "cut")
TIMEOUT_S = 4.0  # the client's timeout through the proxy; ``timeout`` faults hold answers longer
FAST = RetryPolicy(retries=4, base_s=0.05, max_s=0.4)
ROWS = 40
BIN = Path(sys.executable).parent


@dataclass
class Tally:
    """What this module tried and what came of it, printed at its end."""

    faults: Counter[str] = field(default_factory=Counter)
    actions: Counter[str] = field(default_factory=Counter)
    runs: int = 0
    converged: int = 0
    terminal: list[str] = field(default_factory=list)

    def record(self, proxy: FaultProxy) -> None:
        for call in proxy.calls:
            if call.outcome != "forwarded":
                self.faults[call.outcome] += 1
                self.actions[call.action] += 1

    def render(self) -> str:
        total = sum(self.faults.values())
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.faults.items()))
        acts = ", ".join(f"{k} {n}" for k, n in sorted(self.actions.items()))
        lines = [
            f"fault injection: {total} transient faults injected ({kinds}) on calls {acts}",
            f"fault injection: {self.runs} faulted runs, {self.converged} completed and converged "
            "(one dataset, each resource once, DataStore rows = source rows, download = CSV); "
            "nothing lost",
        ]
        lines += [f"fault injection: {t}" for t in self.terminal]
        return "\n".join(lines)


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    t = Tally()
    yield t
    report_line(request.config, "\n" + t.render())


@pytest.fixture(scope="module")
def proxy(hub: HubConnection) -> Iterator[FaultProxy]:
    with FaultProxy(hub.ckan_url, hold_s=60) as p:
        yield p


@pytest.fixture
def via_proxy(
    proxy: FaultProxy, hub: HubConnection, run_id: str, purge_later: list[str], request: Any, tmp_path: Path
) -> Callable[..., Target]:
    """A Target whose calls go through the proxy; every name it may publish is purged afterwards."""
    test = request.node.name.removeprefix("test_")[:14].replace("_", "-")

    def make(suffix: str, retry: RetryPolicy = FAST, token: SecretStr | None = None) -> Target:
        namespace = f"{run_id}-{test}-{suffix}"
        client = CkanClient(proxy.url, token or hub.editor_token, timeout=TIMEOUT_S, retry=retry)
        purge_later.extend(package_name(n, hub.organization, namespace) for n in (SUBMISSIONS, SURVEY))
        return Target(Portal(client), hub.organization, namespace, lock_dir=tmp_path / "locks")

    return make


def _settled(target: Target, bundle: PublicationBundle) -> None:
    """A re-run with the same input writes nothing: the faulted run left exactly the intended state."""
    client = target.portal.client
    before = client.counter.writes
    (outcome,) = publish_all([bundle], target)
    assert outcome.status == "unchanged" and client.counter.writes == before, client.counter.write_actions


def test_one_transient_fault_on_each_call_is_retried_and_converges(
    proxy: FaultProxy, via_proxy: Callable[..., Target], catalog: Catalog, editor: CkanClient,
    tally: Tally, tmp_path: Path,
) -> None:
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path / "bundle", rows=ROWS)
    proxy.reset()
    (reference,) = publish_all([bundle], via_proxy("ref"))
    assert reference.status == "published"
    calls = proxy.actions()  # schema, package_show, package_create, uploads, DataStore, views...
    assert "datastore_create" in calls and calls.count("resource_create") == 4

    cases: list[tuple[int | str, str]] = [(n, KINDS[(n - 1) % len(KINDS)]) for n in range(1, len(calls) + 1)]
    # Held past the timeout after CKAN applied them: the answer of a create is lost.
    cases += [("package_create", "timeout"), ("datastore_create", "timeout")]
    for key, kind in cases:
        target = via_proxy(f"{key}-{kind}")
        proxy.reset({key: kind})
        (outcome,) = publish_all([bundle], target)
        assert sum(proxy.injected.values()) == 1, (key, kind, proxy.calls)
        tally.record(proxy)
        tally.runs += 1
        assert outcome.status == "published", (key, kind)
        assert_published(editor, outcome.plan.name, bundle.data_csv, ROWS)
        proxy.reset()
        _settled(target, bundle)
        tally.converged += 1


def test_a_storm_of_faults_in_one_run_converges(
    proxy: FaultProxy, via_proxy: Callable[..., Target], catalog: Catalog, editor: CkanClient,
    tally: Tally, tmp_path: Path,
) -> None:
    bundles = [example_bundle(catalog.get(n), tmp_path / n, rows=ROWS) for n in (SUBMISSIONS, SURVEY)]
    target = via_proxy("storm", retry=RetryPolicy(retries=8, base_s=0.05, max_s=0.4))
    draw = random.Random(7)  # about one call in five fails, the same calls on every run
    proxy.reset({n: draw.choice(KINDS) for n in range(2, 80) if draw.random() < 0.2})
    outcomes = publish_all(bundles, target)
    tally.record(proxy)
    tally.runs += 1
    assert sum(proxy.injected.values()) >= 8, proxy.calls
    assert [o.status for o in outcomes] == ["published", "published"]
    for outcome, bundle in zip(outcomes, bundles, strict=True):
        assert_published(editor, outcome.plan.name, bundle.data_csv, ROWS)
    proxy.reset()
    for bundle in bundles:
        _settled(target, bundle)
    tally.converged += 1


def _edit(bundle: PublicationBundle) -> None:
    """Two rows changed and two removed of 40: under the share that needs a steward's approval."""
    with bundle.data_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows = [dict(r, people_served="7") for r in rows[:2]] + rows[2:38]
    write_csv(bundle.data_csv, bundle.table_schema, rows)
    bundle.rows = len(rows)


@pytest.mark.parametrize(("action", "kind"), [
    ("datastore_upsert", "500"), ("datastore_delete", "cut"), ("resource_patch", "timeout"),
    ("package_show", "reset"),
])
def test_a_fault_during_an_update_converges(
    action: str, kind: str, proxy: FaultProxy, via_proxy: Callable[..., Target], catalog: Catalog,
    editor: CkanClient, tally: Tally, tmp_path: Path,
) -> None:
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=ROWS)
    target = via_proxy(action)
    proxy.reset()
    publish_all([bundle], target)
    _edit(bundle)
    proxy.reset({action: kind})
    (outcome,) = publish_all([bundle], target)
    assert proxy.injected == {kind: 1}, proxy.calls
    tally.record(proxy)
    tally.runs += 1
    assert outcome.status == "published"
    assert_published(editor, outcome.plan.name, bundle.data_csv, 38)
    data = next(r for r in editor.package_show(outcome.plan.name)["resources"] if r["dgti_key"] == "data")
    first = editor.datastore_search(resource_id=data["id"], sort="submission_id", limit=2)["records"]
    assert [r["people_served"] for r in first] == [7, 7]
    proxy.reset()
    _settled(target, bundle)
    tally.converged += 1


def test_ckan_stopped_and_restarted_mid_run(
    proxy: FaultProxy, via_proxy: Callable[..., Target], catalog: Catalog, editor: CkanClient,
    hub_settings: Settings, tally: Tally, tmp_path: Path,
) -> None:
    """CKAN's server process is stopped just before the DataStore load and started again in the
    background; the run waits it out (backoff) and completes. The hub is left running whatever
    happens."""
    paths = HubPaths(hub_settings)
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=ROWS)
    # Backoff long enough to outlast a restart (seconds here), bounded.
    target = via_proxy("restart", retry=RetryPolicy(retries=10, base_s=0.25, max_s=4.0))
    restarted = threading.Event()
    problems: list[BaseException] = []

    def restart() -> None:
        try:
            ckan_server.start(paths)
        except BaseException as exc:  # reported by the test, not lost in a thread
            problems.append(exc)
        finally:
            restarted.set()

    starter = threading.Thread(target=restart, daemon=True)

    def stop_ckan() -> None:
        ckan_server.stop(paths)
        starter.start()

    proxy.reset()
    proxy.before["datastore_create"] = stop_ckan
    try:
        (outcome,) = publish_all([bundle], target)
    finally:
        if starter.is_alive() or starter.ident is not None:
            restarted.wait(timeout=180)
        if not ckan_server.is_up(paths):
            ckan_server.start(paths)
    assert not problems, problems
    assert starter.ident is not None, "CKAN was never stopped"
    tally.runs += 1
    assert outcome.status == "published"
    assert_published(editor, outcome.plan.name, bundle.data_csv, ROWS)
    proxy.reset()
    _settled(target, bundle)
    tally.converged += 1
    tally.terminal.append("CKAN stopped before the DataStore load and restarted mid-run: run completed, "
                          "converged")


def test_refusals_fail_fast_with_one_clear_message_and_write_nothing(
    proxy: FaultProxy, via_proxy: Callable[..., Target], catalog: Catalog, editor: CkanClient,
    tally: Tally, tmp_path: Path,
) -> None:
    bundle = example_bundle(catalog.get(SUBMISSIONS), tmp_path, rows=5)

    # A token CKAN does not know may read but not write: the portal says so before any write
    # (organization_list_for_user), so the run fails at once without trying one.
    proxy.reset()
    bad = via_proxy("403", token=SecretStr("not-a-token"))
    (outcome,) = publish_all([bundle], bad)  # a failed outcome: other datasets would still go
    refused = outcome.error
    assert outcome.status == "failed" and isinstance(refused, PortalUnsuitable)
    assert "may not create datasets in the organisation" in str(refused) and "\n" not in str(refused)
    assert bad.portal.counter.writes == 0
    assert_absent(editor, package_name(SUBMISSIONS, bad.organization, bad.namespace))
    tally.terminal.append("a token without the right to create datasets: refused before any write")

    # 403 on a write all the same (the right withdrawn between the question and the write).
    proxy.reset()
    client = CkanClient(proxy.url, SecretStr("not-a-token"), timeout=TIMEOUT_S, retry=FAST)
    with pytest.raises(NotAuthorized) as forbidden:
        client.package_create(name=package_name(SUBMISSIONS, bad.organization, bad.namespace),
                              owner_org=bad.organization)
    assert forbidden.value.status == 403 and "package_create" in str(forbidden.value)
    assert "\n" not in str(forbidden.value)  # CKAN's own words, in the portal's language (Thai here)
    assert client.counter.write_actions == {"package_create": 1}  # not retried
    assert_absent(editor, package_name(SUBMISSIONS, bad.organization, bad.namespace))
    tally.terminal.append("HTTP 403 on package_create: failed at once (1 attempt), nothing written")

    # CKAN's own validation refusing a write the (stale) local schema let through.
    target = via_proxy("invalid")
    schema = portal_schema_of(target)
    schema = dict(schema, dataset_fields=[f for f in schema["dataset_fields"]
                                          if f["field_name"] != "data_category"])
    gd = {k: v for k, v in bundle.dataset.resource["gdCatalog"].items() if k != "dataCategory"}
    bundle.dataset = dataclasses.replace(bundle.dataset, resource=dict(bundle.dataset.resource, gdCatalog=gd))
    with pytest.raises(ValidationError) as invalid:
        publish_bundle(bundle, target, schema)
    assert "data_category" in invalid.value.fields and "\n" not in str(invalid.value)
    assert target.portal.counter.write_actions == {"package_create": 1}
    assert_absent(editor, package_name(SUBMISSIONS, target.organization, target.namespace))
    tally.terminal.append("CKAN validation error on package_create: failed at once, nothing written")


def _cli_env(proxy: FaultProxy, hub: HubConnection, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DGTI_CKAN")}
    env |= {
        "DGTI_CKAN_URL": proxy.url,
        "DGTI_CKAN_TOKEN": hub.editor_token.get_secret_value(),  # by environment, never printed
        "DGTI_CKAN_ORGANIZATION": hub.organization,
        "DGTI_CKAN_TIMEOUT": str(TIMEOUT_S),
        "DGTI_CKAN_RETRIES": "2",
        "DGTI_CKAN_BACKOFF_S": "0.05",
        "DGTI_CKAN_BACKOFF_MAX_S": "0.2",
        "DGTI_LOCK_DIR": str(tmp_path / "locks"),
    }
    return env | extra


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "dgti-data"), *args], env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_cli_with_the_portal_down_from_the_start_then_back(
    proxy: FaultProxy, hub: HubConnection, catalog: Catalog, editor: CkanClient, run_id: str,
    purge_later: list[str], tally: Tally, tmp_path: Path,
) -> None:
    results = tmp_path / "results"
    bundles = [example_bundle(catalog.get(n), results / n, rows=ROWS) for n in (SUBMISSIONS, SURVEY)]
    namespace = f"{run_id}-cli-down"
    names = [package_name(b.dataset.name, hub.organization, namespace) for b in bundles]
    purge_later.extend(names)
    env = _cli_env(proxy, hub, tmp_path)
    args = ["publish", "--from-results", str(results), "--namespace", namespace]

    proxy.down()  # connections refused at the TCP level
    try:
        down = _cli(env, *args)
    finally:
        proxy.up()
    assert down.returncode == 3, down.stdout + down.stderr
    lines = [ln for ln in down.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), down.stderr
    assert proxy.url in lines[0] and "failed after 2 retries" in lines[0] and "0 write calls" in lines[0]
    assert "Traceback" not in down.stdout + down.stderr
    assert hub.editor_token.get_secret_value() not in down.stdout + down.stderr
    for name in names:
        assert_absent(editor, name)
    tally.terminal.append("portal down from the start (CLI): exit 3, one line, no partial state")

    proxy.reset()
    back = _cli(env, *args)
    assert back.returncode == 0, back.stdout + back.stderr
    for name, bundle in zip(names, bundles, strict=True):
        assert_published(editor, name, bundle.data_csv, ROWS)
    tally.terminal.append("portal back: the next CLI run published all")

    # A token CKAN does not know: exit 2, one line saying why, before any write is tried.
    proxy.reset()
    refused = _cli(_cli_env(proxy, hub, tmp_path, DGTI_CKAN_TOKEN="not-a-token"), *args[:3],
                   "--namespace", f"{namespace}-403")
    lines = [ln for ln in refused.stderr.splitlines() if ln.strip()]
    assert refused.returncode == 2 and len(lines) == 1, refused.stderr
    assert "may not create datasets in the organisation" in lines[0], refused.stderr
    assert all(is_read_action(a) for a in proxy.actions()), proxy.actions()
    assert "Traceback" not in refused.stdout + refused.stderr


# The main job (validate, then publish) with the portal down, then back.


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def job_settings(
    proxy: FaultProxy, hub: HubConnection, monkeypatch: pytest.MonkeyPatch, run_id: str, tmp_path: Path
) -> Iterator[str]:
    """The process's settings pointed at the proxy for the main job; restored afterwards."""
    namespace = f"{run_id}-job"
    for key, value in _cli_env(proxy, hub, tmp_path, DGTI_CKAN_NAMESPACE=namespace).items():
        if key.startswith("DGTI_"):
            monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield namespace
    get_settings.cache_clear()


def test_main_job_with_the_portal_down_exits_non_zero_then_publishes_all(
    prefect_api: None, job_settings: str, proxy: FaultProxy, hub: HubConnection, editor: CkanClient,
    make_sample: Callable[..., Path], purge_later: list[str], tally: Tally, tmp_path: Path,
) -> None:
    from flows.local_digital import main as main_job

    drop, results = tmp_path / "drop", tmp_path / "results"
    drop.mkdir()
    for raw in (make_sample(SUBMISSIONS, rows=200, error_rate=0.0),
                make_sample(SURVEY, fmt="xlsx", rows=200, error_rate=0.0)):
        shutil.copy(raw, drop / raw.name)
    names = [package_name(n, hub.organization, job_settings) for n in (SUBMISSIONS, SURVEY)]
    purge_later.extend(names)

    proxy.down()
    out, err = io.StringIO(), io.StringIO()  # not capsys: Prefect's handler may outlive its stream
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main_job([str(drop), str(results), "--auto-approve"])
    finally:
        proxy.up()
    assert code == 1
    assert "Traceback" not in out.getvalue() + err.getvalue()
    unreachable = [m for m in prefect_logs() if "unreachable, nothing published" in m]
    assert len(unreachable) == 1 and proxy.url in unreachable[0], unreachable
    for name in names:
        assert_absent(editor, name)
    tally.terminal.append("portal down from the start (main job): exit 1, one error line, nothing written")

    proxy.reset()
    assert main_job([str(drop), str(results), "--auto-approve"]) == 0
    for name, dataset in zip(names, (SUBMISSIONS, SURVEY), strict=True):
        (data_csv,) = results.glob(f"{dataset}*/{dataset}.csv")
        manifest = json.loads((data_csv.parent / "publication.json").read_text(encoding="utf-8"))
        reports = [Path(p).name for p in manifest["reports"]]
        assert_published(editor, name, data_csv, count_rows(data_csv), reports)
    tally.terminal.append("portal back: the next main-job run published all")
