"""What a portal offers, asked before anything is written, against the real hubs (CKAN 2.11 and
2.12), and the portals publishing must refuse: each gives one line, a non-zero exit and no write.

Portals unlike the hub (an HTML login page, an older CKAN, a schema without one of our fields)
are the real hub seen through the loopback proxy (``faultproxy``), which answers that one call
differently; every other answer is the hub's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dgti_data.ckan import CkanClient, NotACkanPortal, is_read_action, probe
from dgti_data.ckan.portal import has_action, version_tuple
from dgti_data.datasets import Catalog, load_catalog
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.metadata import package_name, sent_fields
from dgti_data.settings import HubConnection, Settings
from tests.integration.faultproxy import FaultProxy

pytestmark = pytest.mark.integration

SUBMISSIONS, SURVEY = "local-digital-submissions", "lao-digital-readiness-survey"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def catalog(hub_settings: Settings) -> Catalog:
    return load_catalog(hub_settings.schemas_dir)


@pytest.fixture
def results(catalog: Catalog, tmp_path: Path) -> Path:
    example_bundle(catalog.get(SUBMISSIONS), tmp_path / "results" / "a", rows=8)
    example_bundle(catalog.get(SURVEY), tmp_path / "results" / "b", rows=8)
    return tmp_path / "results"


def _publish(url: str, hub: HubConnection, results: Path, tmp_path: Path, *args: str,
             **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DGTI_CKAN")}
    base |= {"DGTI_CKAN_URL": url, "DGTI_CKAN_TOKEN": hub.editor_token.get_secret_value(),
             "DGTI_CKAN_ORGANIZATION": hub.organization, "DGTI_CKAN_RETRIES": "1",
             "DGTI_CKAN_BACKOFF_S": "0.05", "DGTI_LOCK_DIR": str(tmp_path / "locks")}
    return subprocess.run(
        [str(BIN / "dgti-data"), "publish", "--from-results", str(results), "--namespace",
         f"offer-{tmp_path.name[-12:]}", *args],
        env=base | env, capture_output=True, text=True, timeout=180, check=False,
    )


@pytest.mark.both_ckan
def test_the_probe_says_what_the_hub_offers(hub: HubConnection, hub_settings: Settings,
                                            editor: CkanClient, catalog: Catalog) -> None:
    fields = set().union(*(sent_fields(catalog.get(n)) for n in (SUBMISSIONS, SURVEY)))
    before = editor.counter.writes
    offer = probe(editor, hub.organization, fields)
    assert offer.ckan_version == hub_settings.hub_ckan_version
    assert offer.datastore and offer.bulk and offer.scheming and offer.may_create is True
    assert offer.dcat  # the hub runs ckanext-dcat for the central catalogue's harvest
    assert offer.xloader == hub_settings.hub_xloader  # XLoader only where opted in
    assert offer.missing_fields == () and offer.problems == () and offer.load_path == "bulk"
    assert {"data_category", "objective", "allow_harvest"} <= fields
    # Actions are asked for, not assumed: the hub has our bulk load, and no XLoader.
    assert has_action(editor, "dgti_datastore_load") and not has_action(editor, "xloader_submit")
    assert editor.counter.writes == before


@pytest.mark.both_ckan
def test_dry_run_prints_the_offer_before_the_plan_and_writes_nothing(
    hub: HubConnection, hub_settings: Settings, results: Path, tmp_path: Path
) -> None:
    with FaultProxy(hub.ckan_url) as proxy:
        done = _publish(proxy.url, hub, results, tmp_path, "--dry-run")
        assert done.returncode == 0, done.stderr
        out = done.stdout
        assert f"รุ่น CKAN / CKAN version: {hub_settings.hub_ckan_version}" in out
        assert "โครงสร้าง GD Catalog (scheming) / GD Catalog schema: ครบ / complete" in out
        assert "XLoader: ไม่มี / no" in out and "ckanext-dgti (bulk load): มี / yes" in out
        assert out.index("CKAN version") < out.index(": CREATE")  # the offer comes before the plan
        assert "dry run: 0 write calls" in out
        assert all(is_read_action(a) for a in proxy.actions()), proxy.actions()


def _refused(done: subprocess.CompletedProcess[str], proxy: FaultProxy, *words: str) -> str:
    """The run exited 2 with one line on stderr holding ``words``, and sent no write."""
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert done.returncode == 2 and len(lines) == 1, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert all(is_read_action(a) for a in proxy.actions()), proxy.actions()
    return lines[0]


@pytest.mark.parametrize(("fault", "words", "dry_run"), [
    ("login", ("HTML page", "not CKAN's API"), True),
    ("redirect", ("redirect to", "/user/login", "not CKAN's API"), False),
], ids=["login-page-dry-run", "redirect-publish"])
def test_a_portal_answering_html_is_refused_in_one_line(
    hub: HubConnection, results: Path, tmp_path: Path, fault: str, words: tuple[str, ...], dry_run: bool
) -> None:
    with FaultProxy(hub.ckan_url, schedule={"status_show": fault}) as proxy:
        done = _publish(proxy.url, hub, results, tmp_path, *(["--dry-run"] if dry_run else []))
        _refused(done, proxy, *words)


def test_the_client_names_an_html_answer(hub: HubConnection) -> None:
    with FaultProxy(hub.ckan_url, schedule={1: "login"}) as proxy:
        client = CkanClient(proxy.url, hub.editor_token)
        with pytest.raises(NotACkanPortal, match=r"answered HTTP 200 \(an HTML page\)"):
            client.status()


def _without(field: str) -> Any:
    def edit(schema: dict[str, Any]) -> dict[str, Any]:
        return dict(schema, dataset_fields=[f for f in schema["dataset_fields"] if f["field_name"] != field])

    return edit


@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "publish"])
@pytest.mark.parametrize(("action", "edit", "words"), [
    ("status_show", lambda s: dict(s, ckan_version="2.9.11"),
     ("CKAN 2.9.11 is older than 2.10", "nothing written")),
    ("scheming_dataset_schema_show", _without("data_category"),
     ("lacks GD Catalog fields", "data_category", "nothing written")),
], ids=["ckan-2.9", "schema-without-a-field"])
def test_a_portal_publishing_cannot_use_is_refused_before_any_write(
    hub: HubConnection, editor: CkanClient, results: Path, tmp_path: Path, action: str, edit: Any,
    words: tuple[str, ...], dry_run: bool,
) -> None:
    with FaultProxy(hub.ckan_url, rewrite={action: edit}) as proxy:
        done = _publish(proxy.url, hub, results, tmp_path, *(["--dry-run"] if dry_run else []))
        _refused(done, proxy, *words)
        if dry_run:  # the offer was printed, with the reason, before the refusal
            assert "เผยแพร่ไม่ได้ / cannot publish" in done.stdout
    name = package_name(SUBMISSIONS, hub.organization, f"offer-{tmp_path.name[-12:]}")
    assert editor.package_search(fq=f"name:{name}", include_private=True)["count"] == 0


def test_a_portal_without_the_datastore_is_refused(hub: HubConnection, results: Path,
                                                   tmp_path: Path) -> None:
    """A portal whose ``status_show`` lists no ``datastore`` plugin (a catalogue-only CKAN)."""
    def no_datastore(status: dict[str, Any]) -> dict[str, Any]:
        return dict(status, extensions=[e for e in status["extensions"] if e != "datastore"])

    with FaultProxy(hub.ckan_url, rewrite={"status_show": no_datastore}) as proxy:
        done = _publish(proxy.url, hub, results, tmp_path)
        _refused(done, proxy, "no DataStore")


def test_a_token_of_a_user_outside_the_organisation_is_refused(
    hub: HubConnection, editor: CkanClient, results: Path, tmp_path: Path
) -> None:
    """The editor's token, publishing into an organisation the configuration allows but the
    editor is not a member of: refused from the portal's answer, before any write."""
    with FaultProxy(hub.ckan_url) as proxy:
        done = _publish(proxy.url, hub, results, tmp_path, "--organization", "other-agency",
                        DGTI_CKAN_ALLOWED_ORGANIZATIONS='["dga", "other-agency"]')
        _refused(done, proxy, "may not create datasets in the organisation 'other-agency'")
    name = package_name(SUBMISSIONS, "other-agency", f"offer-{tmp_path.name[-12:]}")
    assert editor.package_search(fq=f"name:{name}", include_private=True)["count"] == 0


@pytest.mark.both_ckan
def test_rows_are_read_page_by_page_by_key_where_the_portal_offers_it(
    hub: HubConnection, hub_settings: Settings, editor: CkanClient, purge_later: list[str],
    monkeypatch: pytest.MonkeyPatch, run_id: str,
) -> None:
    """CKAN 2.12 names the next page (keyset paging); 2.11 refuses the parameter and is read by
    offset. Both read every row once, in order: the portal's answer decides, not its version."""
    from dgti_data.publish import rowdiff
    from dgti_data.publish.portal import Portal

    name = f"paging-{run_id}-{hub_settings.hub_ckan_version.replace('.', '-')}"
    purge_later.append(name)
    pkg = editor.package_create(name=name, owner_org=hub.organization, private=True, **_minimal(editor))
    table = editor.datastore_create(
        resource={"package_id": pkg["id"], "name": "rows"}, force=True,
        fields=[{"id": "n", "type": "int4"}, {"id": "t", "type": "text"}],
        records=[{"n": i, "t": f"แถว {i}"} for i in range(23)],
    )
    monkeypatch.setattr(rowdiff, "PAGE", 5)
    portal = Portal(CkanClient(hub.ckan_url, hub.editor_token))
    rows = list(rowdiff.read_rows(portal, table["resource_id"], ["n", "t"]))
    assert [r["n"] for r in rows] == list(range(23)) and rows[7]["t"] == "แถว 7"
    asked = portal.counter.by_action["datastore_search"]
    if portal.keyset_paging:  # 5 pages, the first asked once
        assert asked == 5
    else:  # the first page refused the keyset parameter, then 5 pages by offset
        assert asked == 6
    assert portal.keyset_paging is (version_tuple(hub_settings.hub_ckan_version) >= (2, 12))


def _minimal(editor: CkanClient) -> dict[str, Any]:
    """Values for the GD Catalog schema's required fields (from the portal's own schema)."""
    schema = editor.call("scheming_dataset_schema_show", type="dataset")
    out: dict[str, Any] = {}
    for spec in schema["dataset_fields"]:
        if not spec.get("required") or spec["field_name"] in ("name", "owner_org"):
            continue
        choices = [c["value"] for c in spec.get("choices", [])]
        value: Any = choices[0] if choices else "ทดสอบ"
        if spec.get("preset") == "multiple_checkbox":
            value = [value]
        elif spec.get("preset") == "date":
            value = "2024-01-01"
        elif "email" in spec["field_name"]:
            value = "test@example.org"
        elif spec["field_name"] == "tag_string":
            value = "paging"
        out[spec["field_name"]] = value
    return out
