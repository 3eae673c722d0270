"""Security of a full run against the real hub, and of what the pipeline may publish where.

- The API tokens and the pseudonymisation key appear in no output of the main job (validate and
  publish): not in any file it wrote, the captured logs and prints, Prefect's logs, artifacts,
  flow and task runs, nor in what CKAN publishes (metadata, downloaded files, DataStore rows), nor
  in the text of errors, nor in the hub's own logs (CKAN, its access log, Solr, PostgreSQL, Redis);
  searched whole, and as their first and last 12 characters. The scan proves it looked: every
  place held something, the run's own requests are in the access log it read, and the run used
  the key searched for (its key id in the report, a pseudonym recomputed with it published).
- Publishing goes only into the organisations the configuration names, refused before any call.
- Formula cells arrive neutralised on the portal, and the published report counts them.
- Dataset names and output folders made from input are slugs, bounded; bundle manifests cannot
  name files outside their folder.
- The local hub listens on loopback only.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr

from dgti_data.anonymise.policy import load_policy
from dgti_data.anonymise.pseudonym import Pseudonymiser
from dgti_data.app import connect
from dgti_data.ckan import CkanClient, CkanConnectionError, NotAuthorized
from dgti_data.datasets import Catalog
from dgti_data.errors import ConfigurationError
from dgti_data.hub.layout import HubPaths
from dgti_data.publish import BundleError, load_bundle
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.metadata import package_name
from dgti_data.settings import PROJECT_ROOT, HubConnection, Settings, get_settings
from tests.integration.faultproxy import FaultProxy, prefect_logs, report_line

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

SUBMISSIONS, SURVEY = "local-digital-submissions", "lao-digital-readiness-survey"
KEY = "scan-key-" + secrets.token_urlsafe(24)  # a key only this run knows, to look for
FORMULAS_CSV = PROJECT_ROOT / "tests" / "data" / "bad" / f"{SUBMISSIONS}-formulas.csv"
BIN = Path(sys.executable).parent


def _needles(hub: HubConnection) -> dict[str, str]:
    """What must never appear: each secret whole and its first and last 12 characters (of a JWT,
    after its header, which every token of the hub shares)."""
    out = {}
    for label, value in (("editor token", hub.editor_token.get_secret_value()),
                         ("sysadmin token", hub.sysadmin_token.get_secret_value()),
                         ("pseudonymisation key", KEY)):
        out[label] = value
        out[f"{label} (first 12)"] = value.split(".", 1)[-1][:12]
        out[f"{label} (last 12)"] = value[-12:]
    return out


class Scan:
    """Searches text and bytes for the needles; remembers what it looked at."""

    def __init__(self, needles: dict[str, str]) -> None:
        self.needles = needles
        self.looked: dict[str, int] = {}
        self.size: dict[str, int] = {}  # bytes searched, per kind: an empty kind proves nothing
        self.found: list[str] = []

    def text(self, where: str, kind: str, text: str | bytes) -> None:
        data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape")
        self.looked[kind] = self.looked.get(kind, 0) + 1
        self.size[kind] = self.size.get(kind, 0) + len(data)
        for label, needle in self.needles.items():
            if needle.encode() in data:
                self.found.append(f"{label} in {where}")


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def job(hub: HubConnection, monkeypatch: pytest.MonkeyPatch, run_id: str, tmp_path: Path) -> Iterator[str]:
    """Settings for the main job: the hub, its editor token, a known key, a namespace of our own."""
    namespace = f"{run_id}-scan"
    env = {
        "DGTI_CKAN_URL": hub.ckan_url,
        "DGTI_CKAN_TOKEN": hub.editor_token.get_secret_value(),
        "DGTI_CKAN_ORGANIZATION": hub.organization,
        "DGTI_CKAN_NAMESPACE": namespace,
        "DGTI_PSEUDONYMISATION_KEY": KEY,
        "DGTI_LOCK_DIR": str(tmp_path / "locks"),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    get_settings.cache_clear()
    yield namespace
    get_settings.cache_clear()


def _prefect_records() -> list[tuple[str, str]]:
    """Artifacts, flow runs and task runs of the test Prefect API, as JSON text."""
    from prefect.client.orchestration import get_client

    async def read() -> list[tuple[str, str]]:
        async with get_client() as client:
            out = [("artifact", a.model_dump_json()) for a in await client.read_artifacts()]
            out += [("flow run", r.model_dump_json()) for r in await client.read_flow_runs()]
            out += [("task run", r.model_dump_json()) for r in await client.read_task_runs()]
        return out

    return asyncio.run(read())


SCANNED = ("output files", "captured output", "Prefect logs", "Prefect artifacts", "Prefect flow runs",
           "Prefect task runs", "error messages", "reprs", "CKAN metadata", "downloaded resources",
           "DataStore rows", "hub logs")
HUB_LOGS = ("ckan", "ckan-access", "solr", "postgres")  # each must hold something to count


def _first_email(path: Path) -> str:
    """The first contact e-mail of a raw submissions CSV (its 21st column)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        return next(rows)[header.index("อีเมลผู้ประสานงาน")]


def test_a_full_run_leaks_no_secret_and_neutralises_formulas(
    prefect_api: None, job: str, hub: HubConnection, hub_settings: Settings, editor: CkanClient,
    catalog: Catalog, make_sample: Callable[..., Path], purge_later: list[str], tmp_path: Path,
    caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest,
) -> None:
    from flows.local_digital import main as main_job

    caplog.set_level(logging.DEBUG)
    drop, results = tmp_path / "drop", tmp_path / "results"
    drop.mkdir()
    shutil.copyfile(FORMULAS_CSV, drop / FORMULAS_CSV.name)  # pseudonymised e-mails, formula cells
    survey = make_sample(SURVEY, fmt="xlsx", rows=200, error_rate=0.0)
    shutil.copyfile(survey, drop / survey.name)
    names = [package_name(n, hub.organization, job) for n in (SUBMISSIONS, SURVEY)]
    purge_later.extend(names)

    # Prints and stderr of the job, to scan. Not capsys: Prefect's console handler may be made
    # while it captures and keep writing to its stream after the test closed it.
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main_job([str(drop), str(results), "--auto-approve"]) == 0
    # Errors the run's code can raise, with the token in hand: their text must not carry it.
    errors: list[Exception] = []
    client = CkanClient(hub.ckan_url, hub.editor_token, timeout=10)
    try:
        client.call("package_create", name=f"x-{job}", owner_org="other-agency")
    except NotAuthorized as exc:
        errors.append(exc)
    with FaultProxy(hub.ckan_url) as proxy:
        proxy.down()
        try:
            CkanClient(proxy.url, hub.editor_token, timeout=2).status()
        except CkanConnectionError as exc:
            errors.append(exc)
    assert len(errors) == 2

    scan = Scan(_needles(hub))
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        scan.text(str(path.relative_to(tmp_path)), "output files", path.read_bytes())
    scan.text("stdout", "captured output", out.getvalue())
    scan.text("stderr", "captured output", err.getvalue())
    scan.text("log records", "captured output", caplog.text)
    for message in prefect_logs():
        scan.text("a Prefect log", "Prefect logs", message)
    for kind, record in _prefect_records():
        scan.text(f"a Prefect {kind}", f"Prefect {kind}s", record)
    for exc in errors:
        scan.text(f"{type(exc).__name__}", "error messages", f"{exc}\n{exc!r}")
    scan.text("settings and clients", "reprs", f"{get_settings()!r} {connect()!r} {client!r}")

    # The run used the key searched for: its fingerprint is in the report, and a pseudonym computed
    # here with it, of the first raw e-mail, is what CKAN serves.
    keyed = Pseudonymiser(SecretStr(KEY))
    (anonymisation,) = [p for p in results.rglob("anonymisation-report.json") if SUBMISSIONS in str(p)]
    assert json.loads(anonymisation.read_text(encoding="utf-8"))["key_id"] == keyed.key_id
    email = load_policy(catalog.get(SUBMISSIONS)).field("contact_email")
    pseudonym = keyed(_first_email(FORMULAS_CSV), email.pseudonym_domain, email.personal_kind)

    neutralised = reported = 0
    downloads: list[str] = []
    served = b""
    for name in names:
        pkg = editor.package_show(name)
        scan.text(f"package {name}", "CKAN metadata", json.dumps(pkg, ensure_ascii=False))
        for res in pkg["resources"]:
            body = requests.get(res["url"], timeout=60).content
            downloads.append(res["id"])
            served += body
            scan.text(f"{name}/{res['name']}", "downloaded resources", body)
            if res.get("dgti_key") == "data":
                rows = editor.datastore_search(resource_id=res["id"], limit=1000)
                scan.text(f"{name} DataStore", "DataStore rows", json.dumps(rows, ensure_ascii=False))
                for row in csv.reader(io.StringIO(body.decode("utf-8"))):
                    assert not any(c.startswith(("=", "@", "\t", "\r")) for c in row), row
                neutralised += sum(1 for r in rows["records"] for v in r.values()
                                   if isinstance(v, str) and v[:2] in ("'=", "'+", "'-", "'@"))
            if res["name"] == "report.json":
                reported += json.loads(body)["dgti"]["formulas_neutralised"]["total"]
    # =HYPERLINK(...), =cmd|..., +, -, @ cells reached the DataStore as text, each counted.
    assert neutralised == reported == 9
    assert pseudonym.encode() in served, "the run did not use the key searched for"

    # The hub's own logs, once they hold every request of the run (gunicorn writes an access
    # line after the answer is sent, so the last ones may lag a little).
    paths = HubPaths(hub_settings)
    for _ in range(100):
        access = paths.log("ckan-access").read_text(encoding="utf-8", errors="replace")
        if all(rid in access for rid in downloads):
            break
        time.sleep(0.1)
    assert all(rid in access for rid in downloads), "the access log scanned misses this run"
    for path in sorted(p for p in paths.logs.rglob("*") if p.is_file()):
        scan.text(f"hub log {path.name}", "hub logs", path.read_bytes())
    for log_name in HUB_LOGS:
        assert paths.log(log_name).stat().st_size > 0, f"{log_name}.log is empty"

    assert not scan.found, scan.found
    empty = [kind for kind in SCANNED if not scan.size.get(kind)]
    assert not empty, f"nothing was scanned in: {empty}"
    looked = ", ".join(f"{n} {kind}" for kind, n in scan.looked.items())
    report_line(request.config, f"\nsecrets scan: {len(scan.needles)} needles (2 tokens, the key; whole, "
                f"first and last 12 characters) searched in {looked}: none found")


def test_publishing_only_into_configured_organisations(
    prefect_api: None, hub: HubConnection, catalog: Catalog, editor: CkanClient, run_id: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    results = tmp_path / "results"
    example_bundle(catalog.get(SUBMISSIONS), results / "a", rows=5)
    settings = Settings(
        ckan_url=hub.ckan_url, ckan_token=hub.editor_token, ckan_organization=hub.organization
    )
    with pytest.raises(ConfigurationError, match="not one this configuration publishes to"):
        connect(settings, organization="other-agency")
    allowed = settings.model_copy(update={"ckan_allowed_organizations": [hub.organization, "other-agency"]})
    assert connect(allowed, organization="other-agency").organization == "other-agency"

    with FaultProxy(hub.ckan_url) as proxy:  # counts every call the CLI and the flow make
        env = {"DGTI_CKAN_URL": proxy.url, "DGTI_CKAN_TOKEN": hub.editor_token.get_secret_value(),
               "DGTI_CKAN_ORGANIZATION": hub.organization, "DGTI_LOCK_DIR": str(tmp_path / "locks")}
        done = subprocess.run(
            [str(BIN / "dgti-data"), "publish", "--from-results", str(results),
             "--organization", "other-agency", "--namespace", f"{run_id}-org"],
            env=os.environ | env, capture_output=True, text=True, timeout=120,
            check=False,
        )
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        assert done.returncode == 2 and len(lines) == 1, done.stderr
        assert "'other-agency' is not one this configuration publishes to" in lines[0]
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        get_settings.cache_clear()
        try:
            from flows.publish import publish_datasets

            with pytest.raises(ConfigurationError, match="not one this configuration"):
                publish_datasets(results_dir=str(results), organization="other-agency")
        finally:
            get_settings.cache_clear()
        assert proxy.calls == []  # refused before any call to the portal
    found = editor.package_search(fq=f"name:{package_name(SUBMISSIONS, 'other-agency', f'{run_id}-org')}",
                                  include_private=True)
    assert found["count"] == 0


@pytest.mark.parametrize(("dataset", "namespace"), [
    ("../../etc/passwd", None),
    ("ข้อมูล สำรวจ", "ทดสอบ"),
    ("x" * 300, "<script>alert(1)</script>"),
    ("local-digital-submissions", "a\nb\x1b[2J" + "z" * 200),
])
def test_dataset_names_made_from_input_are_slugs_and_bounded(dataset: str, namespace: str | None) -> None:
    name = package_name(dataset, "dga", namespace)
    assert re.fullmatch(r"[a-z0-9_-]{2,100}", name), name


def test_a_manifest_naming_files_outside_its_folder_is_refused(catalog: Catalog, tmp_path: Path) -> None:
    example_bundle(catalog.get(SUBMISSIONS), tmp_path / "b", rows=3)
    manifest = tmp_path / "b" / "publication.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    secret = tmp_path / "secret.txt"
    secret.write_text("not for publication", encoding="utf-8")
    for reports in ([str(secret)], ["../secret.txt"]):
        manifest.write_text(json.dumps(doc | {"reports": reports}), encoding="utf-8")
        with pytest.raises(BundleError, match="outside the bundle folder"):
            load_bundle(tmp_path / "b", catalog)
    (tmp_path / "b" / "link.html").symlink_to(secret)
    manifest.write_text(json.dumps(doc | {"reports": ["link.html"]}), encoding="utf-8")
    with pytest.raises(BundleError, match="outside the bundle folder"):
        load_bundle(tmp_path / "b", catalog)


def _listening() -> list[tuple[str, int, set[int]]]:
    """(address, port, pids) of every listening TCP socket, from ``ss``."""
    out = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True, timeout=30).stdout
    rows = []
    for line in out.splitlines():
        parts = line.split()
        address, _, port = parts[3].rpartition(":")
        rows.append((address, int(port), {int(p) for p in re.findall(r"pid=(\d+)", line)}))
    return rows


def _children(pids: set[int]) -> set[int]:
    """``pids`` and all their descendants (gunicorn workers, Solr's threads are one process)."""
    parent: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    found = set(pids)
    while True:
        more = {p for p, pp in parent.items() if pp in found} - found
        if not more:
            return found
        found |= more


def test_the_local_hub_listens_on_loopback_only(hub: HubConnection, hub_settings: Settings) -> None:
    from dgti_data.hub import ckan_server, postgres, redis, solr_server

    paths = HubPaths(hub_settings)
    pids = {p for p in (postgres.running_pid(paths), redis.running_pid(paths), solr_server.running_pid(paths),
                        ckan_server.running_pid(paths)) if p}
    assert len(pids) == 4, "the hub is not fully up"
    ours = _children(pids)
    s = hub_settings
    ports = {s.hub_postgres_port, s.hub_redis_port, s.hub_solr_port, s.hub_ckan_port}
    sockets = [(a, port) for a, port, owners in _listening() if port in ports or owners & ours]
    assert {port for _, port in sockets} >= ports, sockets
    loopback = {"127.0.0.1", "[::1]", "[::ffff:127.0.0.1]"}
    exposed = [(a, port) for a, port in sockets if a not in loopback]
    assert not exposed, f"hub sockets not on loopback: {exposed}"
