"""The publishing flow as production runs it: a Prefect server and a process worker on loopback,
the nightly deployment registered from this checkout, a triggered run that publishes to the hub,
and a run that pauses for a data steward's approval and publishes once approved.

Prefect runs in child processes with their own ``PREFECT_HOME`` in tmp, so nothing here touches
the Prefect settings of this test process or of the machine.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from dgti_data.ckan import CkanClient
from dgti_data.datasets import load_catalog
from dgti_data.hub.processes import free_port
from dgti_data.publish.examples import example_bundle, write_csv
from dgti_data.publish.metadata import package_name
from dgti_data.settings import PROJECT_ROOT, HubConnection, Settings
from flows.publish import approve_answer, reject_answer
from tests.integration.cdp import resume_form

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]  # a bound: ~10 min on a busy machine

BIN = Path(sys.executable).parent
POOL = "dgti-test-pool"
DEPLOYMENT = "publish-datasets/nightly"
STARTUP_LIMIT_S = 120  # a bound, not an assertion about speed



@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT,
                                start_new_session=True)
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def _wait(what: str, ready: Any, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.5)
    pytest.fail(f"{what} not ready within {STARTUP_LIMIT_S} s; log:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def prefect_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A Prefect server (own home and SQLite database in tmp) and a process worker."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_UI_ENABLED": "true",  # the steward's resume form is checked in Chromium
        "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }
    env["PREFECT_UI_API_URL"] = f"http://127.0.0.1:{port}/api"  # the UI's default is port 4200
    server_log = home / "server.log"
    with _process([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                  env, server_log):
        api = f"http://127.0.0.1:{port}/api"

        def healthy() -> bool:
            with contextlib.suppress(requests.RequestException):
                return requests.get(f"{api}/health", timeout=2).status_code == 200
            return False

        _wait("prefect server", healthy, server_log)
        client_env = env | {"PREFECT_API_URL": api, "PREFECT_WORKER_QUERY_SECONDS": "2",
                            "DGTI_TEST_UI": f"http://127.0.0.1:{port}"}
        subprocess.run([str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process"],
                       env=client_env, check=True, capture_output=True, cwd=PROJECT_ROOT, timeout=120)
        worker_log = home / "worker.log"
        with _process([str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"],
                      client_env, worker_log):
            yield client_env | {"DGTI_TEST_WORKER_LOG": str(worker_log)}


_HELPER = r"""
import json, sys, time, uuid
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.flow_runs import resume_flow_run

command, arg = sys.argv[1], json.loads(sys.argv[2])
if command == "run":
    run = run_deployment(arg["deployment"], parameters=arg["parameters"], timeout=0)
    print(json.dumps({"id": str(run.id)}))
elif command == "state":
    with get_client(sync_client=True) as client:
        run = client.read_flow_run(uuid.UUID(arg["id"]))
        print(json.dumps({"type": run.state.type.value, "name": run.state.name}))
elif command == "blocks":
    import os
    from dgti_data.publish.blocks import CkanPortal
    token = os.environ["DGTI_TEST_TOKEN"]
    CkanPortal(url=arg["url"], organization=arg["organization"], token=token).save("hub", overwrite=True)
    print("{}")
elif command == "resume":
    try:
        resume_flow_run(uuid.UUID(arg["id"]), run_input=arg["input"])
    except RuntimeError as exc:  # the server refused the answer
        print(json.dumps({"refused": str(exc)}))
    else:
        print("{}")
elif command == "artifact":
    with get_client(sync_client=True) as client:
        from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter
        by_key = ArtifactFilter(key=ArtifactFilterKey(any_=[arg["key"]]))
        found = client.read_artifacts(artifact_filter=by_key,
                                      flow_run_filter=FlowRunFilter(id={"any_": [uuid.UUID(arg["id"])]}))
        print(json.dumps({"data": found[0].data if found else None}))
"""


def _helper(env: dict[str, str], command: str, secret: SecretStr | None = None, **arg: Any) -> dict[str, Any]:
    # The token goes by environment, never on a command line or in a test report.
    child_env = env | ({"DGTI_TEST_TOKEN": secret.get_secret_value()} if secret else {})
    done = subprocess.run([sys.executable, "-c", _HELPER, command, json.dumps(arg)], env=child_env,
                          capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _wait_state(env: dict[str, str], run_id: str, wanted: set[str], limit_s: float = 300) -> str:
    deadline = time.monotonic() + limit_s
    state = ""
    while time.monotonic() < deadline:
        state = _helper(env, "state", id=run_id)["type"]
        if state in wanted:
            return state
        if state in {"FAILED", "CRASHED", "CANCELLED"}:
            break
        time.sleep(1)
    log = Path(env["DGTI_TEST_WORKER_LOG"]).read_text()[-4000:]
    pytest.fail(f"flow run {run_id} ended {state}, wanted {wanted}; worker log:\n{log}")


def test_deployed_flow_publishes_and_pauses_for_approval(
    prefect_env: dict[str, str], hub: HubConnection, hub_settings: Settings, sysadmin: CkanClient,
    run_id: str, purge_later: list[str], tmp_path: Path,
) -> None:
    dataset = load_catalog(hub_settings.schemas_dir).get("local-digital-submissions")
    results = tmp_path / "results"
    bundle = example_bundle(dataset, results / dataset.name, rows=60)
    namespace = f"{run_id}-prefect"
    name = package_name(dataset.name, hub.organization, namespace)
    purge_later.append(name)

    # The nightly deployment, registered from this checkout on the process pool.
    deployed = subprocess.run(
        [sys.executable, "flows/publish.py", "deploy", str(results), "--pool", POOL],
        env=prefect_env, capture_output=True, text=True, timeout=180, cwd=PROJECT_ROOT,
    )
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    api = prefect_env["PREFECT_API_URL"]
    found = requests.post(f"{api}/deployments/filter", json={}, timeout=10).json()
    (deployment,) = [d for d in found if d["name"] == "nightly"]
    (schedule,) = deployment["schedules"]
    assert schedule["schedule"]["cron"] == "0 2 * * *"
    assert schedule["schedule"]["timezone"] == "Asia/Bangkok"

    # A triggered run, picked up by the worker, publishes; the portal and its token come from
    # Prefect blocks, as in production.
    _helper(prefect_env, "blocks", secret=hub.editor_token, url=hub.ckan_url, organization=hub.organization)
    params = {"namespace": namespace, "portal_block": "hub"}
    run = _helper(prefect_env, "run", deployment=DEPLOYMENT, parameters=params)
    assert _wait_state(prefect_env, run["id"], {"COMPLETED"}) == "COMPLETED"
    pkg = sysadmin.package_show(name)
    assert pkg["private"] is False and len(pkg["resources"]) == 4
    # The run's table artifact: per dataset its status, rows published and write calls.
    table = _helper(prefect_env, "artifact", id=run["id"], key="publish-result")["data"]
    (row,) = json.loads(table) if isinstance(table, str) else table
    values = list(row.values())
    assert values[:3] == [dataset.name, "published", 60] and values[3] > 0, row

    # A changed row with a zero approval threshold: the run waits for a steward, then publishes.
    with bundle.data_csv.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["people_served"] = "12345"
    write_csv(bundle.data_csv, bundle.table_schema, rows)
    run = _helper(prefect_env, "run", deployment=DEPLOYMENT,
                  parameters={"namespace": namespace, "max_changed_share": 0.0})
    assert _wait_state(prefect_env, run["id"], {"PAUSED"}) == "PAUSED"
    data = next(r for r in sysadmin.package_show(name)["resources"] if r["dgti_key"] == "data")
    first_row = {"submission_id": rows[0]["submission_id"]}
    before = sysadmin.datastore_search(resource_id=data["id"], filters=first_row)
    assert before["records"][0]["people_served"] != 12345  # nothing applied while paused
    # The steward's form at 1280 px: Thai and English, nothing cut off (the screenshots are kept);
    # approving asks for the check, rejecting for a reason, and neither says "(Optional)".
    shot = tmp_path / "resume-form.png"
    reject_tab = "ไม่อนุมัติ / Reject"
    page = f"{prefect_env['DGTI_TEST_UI']}/runs/flow-run/{run['id']}"
    approve_tab = "อนุมัติ / Approve"
    views = resume_form(page, shot, choose=(reject_tab, approve_tab), submit=True)
    print(f"resume form: {shot} and {views[reject_tab]['png']}")
    # Submitted as the form opens (Approve, its check left off), the server refuses: no default.
    assert "decision.checked" in views.pop("submitted")
    for view in views.values():
        assert view["png"].stat().st_size > 10_000 and view["cut_off"] == [], view
        assert "Optional" not in view["text"], view["text"]
    assert "I checked the tables and reports" in views[""]["text"]
    assert "Why it is rejected" in views[reject_tab]["text"]
    # A decision must be made, and a rejection needs a reason: the server refuses other answers.
    for answer in ({}, {"decision": {}}, {"decision": {"checked": False}}, reject_answer(" "),
                   {"decision": "approve"}):
        assert "refused" in _helper(prefect_env, "resume", id=run["id"], input=answer), answer
    assert _helper(prefect_env, "state", id=run["id"])["type"] == "PAUSED"
    _helper(prefect_env, "resume", id=run["id"], input=approve_answer())
    assert _wait_state(prefect_env, run["id"], {"COMPLETED"}) == "COMPLETED"
    pkg_after_approval = sysadmin.package_show(name)
    after = sysadmin.datastore_search(resource_id=data["id"], filters=first_row)
    assert after["records"][0]["people_served"] == 12345

    # The same flow served from a local process (no pool): a triggered run finds nothing to do.
    serve_log = tmp_path / "serve.log"
    with _process([sys.executable, "flows/publish.py", "serve", str(results), "--name", "served"],
                  prefect_env, serve_log):
        def served() -> bool:
            found = requests.post(f"{api}/deployments/filter", json={}, timeout=10).json()
            return any(d["name"] == "served" for d in found)

        _wait("served deployment", served, serve_log)
        run = _helper(prefect_env, "run", deployment="publish-datasets/served",
                      parameters={"namespace": namespace})
        assert _wait_state(prefect_env, run["id"], {"COMPLETED"}) == "COMPLETED"
    assert sysadmin.package_show(name)["metadata_modified"] == pkg_after_approval["metadata_modified"]
