"""Plan a dataset: compare what would be published with what the portal has, using read calls only.

The result, a ``DatasetPlan``, says per dataset: create, update (with a readable diff of
metadata, resources, DataStore rows and data dictionary) or unchanged. ``apply`` executes a plan;
a dry run only prints it. Every apply starts from a fresh plan, which is what makes re-runs
after a crash converge: the plan is always "from what the portal has now to what it should have".

Identity: the dataset by its deterministic name, each resource by its ``dgti_key`` extra (the
data CSV, ``datapackage.json``, each report). Resources without a ``dgti_key`` are someone
else's and are never touched.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dgti_data.ckan import NotAuthorized, NotFound
from dgti_data.publish import datastore as ds
from dgti_data.publish import loaded, loadpath
from dgti_data.publish.bundle import PublicationBundle, data_file_name, datapackage_bytes, sha256_file
from dgti_data.publish.digest import content_digest
from dgti_data.publish.excel import excel_csv
from dgti_data.publish.metadata import package_dict, package_name, tags_of
from dgti_data.publish.portal import Portal
from dgti_data.publish.portal_schema import SchemaProblem, check
from dgti_data.publish.rowdiff import diff_rows
from dgti_data.publish.steps import (
    CONTENT,
    DATA_KEY,
    DATAPACKAGE_KEY,
    KEY,
    MARK_DATA,
    MARK_PK,
    DatasetPlan,
    DatastoreAction,
    DatastoreStep,
    FieldChange,
    ResourceStep,
    RowChanges,
)
from dgti_data.publish.tags import drop_refused_tags

BANGKOK = ZoneInfo("Asia/Bangkok")
# Set by publishing when the data changes, never compared on its own.
VOLATILE = frozenset({"last_updated_date"})



def today_bangkok() -> str:
    return datetime.now(BANGKOK).date().isoformat()


def _norm(key: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return sorted(str(v) for v in value)
    return str(value)


def _metadata_changes(desired: dict[str, Any], existing: dict[str, Any]) -> list[FieldChange]:
    changes = []
    for key, want in desired.items():
        if key in ("name", "owner_org"):
            continue
        if key == "tag_string":
            have_tags, want_tags = tags_of(existing), tags_of(desired)
            if have_tags != want_tags:
                changes.append(FieldChange("tags", have_tags, want_tags))
            continue
        have = existing.get(key)
        if _norm(key, have) != _norm(key, want):
            changes.append(FieldChange(key, have, want))
    return changes


def _desired_resources(bundle: PublicationBundle, name: str, data_sha: str) -> list[ResourceStep]:
    dset = bundle.dataset
    steps = [
        ResourceStep(
            key=DATA_KEY,
            action="create",
            name=data_file_name(bundle),
            file_name=data_file_name(bundle),
            source=excel_csv(bundle.data_csv),  # with a BOM: Excel shows the Thai
            sha256=data_sha,
            size=excel_csv(bundle.data_csv).stat().st_size,
            format="CSV",
            description=f"{dset.title_th} (UTF-8 CSV)\n\n{dset.title}: anonymised and validated rows.",
        )
    ]
    dp = datapackage_bytes(bundle, name, data_sha)
    steps.append(
        ResourceStep(
            key=DATAPACKAGE_KEY,
            action="create",
            name="datapackage.json",
            file_name="datapackage.json",
            source=dp,
            sha256=hashlib.sha256(dp).hexdigest(),
            size=len(dp),
            format="JSON",
            description="คำอธิบายชุดข้อมูลและโครงสร้างตาราง (Frictionless Data Package)\n\n"
            "Data Package descriptor with the Table Schema of the CSV.",
        )
    )
    for report in bundle.reports:
        fmt = report.suffix.lstrip(".").upper() or "TXT"
        steps.append(
            ResourceStep(
                key=report.name,
                action="create",
                name=report.name,
                file_name=report.name,
                source=report,
                sha256=sha256_file(report),
                content=content_digest(report),
                size=report.stat().st_size,
                format=fmt,
                description="รายงานผลการตรวจสอบและการปกปิดข้อมูลส่วนบุคคล\n\n"
                "Validation and anonymisation report (no personal data).",
            )
        )
    return steps


def _compare_resource(step: ResourceStep, have: dict[str, Any]) -> None:
    step.resource_id = have["id"]
    content = step.content or step.sha256
    step.upload = (have.get(CONTENT) or have.get("hash")) != content or have.get("url_type") != "upload"
    if step.upload:
        step.changes.append(FieldChange("file sha256", have.get("hash"), step.sha256))
    for key, want in step.fields().items():
        if key in ("hash", CONTENT):
            continue
        if (have.get(key) or "") != want:
            step.changes.append(FieldChange(key, have.get(key), want))
    step.action = "update" if step.changes else "unchanged"


def _marker(data_sha: str, fields: list[dict[str, Any]], pk: list[str]) -> str:
    shape = [(f["id"], f["type"]) for f in fields]
    doc = json.dumps({"data": data_sha, "shape": shape, "pk": pk}, sort_keys=True)
    return hashlib.sha256(doc.encode()).hexdigest()


def _plan_datastore(
    portal: Portal, bundle: PublicationBundle, data: ResourceStep, have: dict[str, Any] | None,
    loaded_dir: Path | None = None,
) -> DatastoreStep:
    fields = ds.datastore_fields(bundle.table_schema)
    pk = ds.primary_key(bundle.table_schema)
    marker = _marker(data.sha256, fields, pk)
    rows = bundle.rows if bundle.rows is not None else 0
    new = DatastoreStep(
        "create", fields, pk, marker, RowChanges(before=0, after=rows, added=rows), create_views=True
    )
    if have is None:
        return new
    try:
        table = portal.call("datastore_search", resource_id=have["id"], limit=0)
    except NotFound:
        return new
    current = [f for f in table["fields"] if f["id"] != "_id"]
    shape = [(f["id"], f["type"]) for f in current]
    want_shape = [(f["id"], f["type"]) for f in fields]
    old_pk = have.get(MARK_PK)
    if shape != want_shape or (old_pk is not None and old_pk != ",".join(pk)):
        why = "column types or primary key changed" if shape != want_shape else "primary key changed"
        # Every row is written again: for approval, all of them change.
        rewritten = RowChanges(before=table["total"], after=rows, changed=max(rows, table["total"]))
        return DatastoreStep("recreate", fields, pk, marker, rewritten, reason=why, create_views=True)
    dictionary = [
        FieldChange(f"{f['id']}.info", c.get("info") or {}, f["info"])
        for f, c in zip(fields, current, strict=True)
        if {k: (c.get("info") or {}).get(k, "") for k in f["info"]} != f["info"]
    ]
    if not pk and have.get(MARK_DATA) != marker:
        # Without a key, rows cannot be matched: count what changes, then reload the table.
        rows_diff = diff_rows(portal, have["id"], bundle, fields, pk)
        rows_diff.upserts, rows_diff.deletes = [], []
        return DatastoreStep("recreate", fields, pk, marker, rows_diff,
                             reason="no primary key: the table is reloaded", create_views=True)
    if have.get(MARK_DATA) == marker:
        unchanged = RowChanges(before=table["total"], after=table["total"])
        action: DatastoreAction = "dictionary" if dictionary else "unchanged"
        return DatastoreStep(action, fields, pk, marker, unchanged, dictionary)
    kept = loaded.find(loaded_dir, have["id"], have.get(MARK_DATA))
    rows_diff = diff_rows(portal, have["id"], bundle, fields, pk, loaded_from=kept)
    views = portal.call("resource_view_list", id=have["id"])
    return DatastoreStep("sync", fields, pk, marker, rows_diff, dictionary, create_views=not views)


def plan_dataset(
    bundle: PublicationBundle,
    portal: Portal,
    organization: str,
    schema: dict[str, Any],
    *,
    namespace: str | None = None,
    today: str | None = None,
    loaded_dir: Path | None = None,
) -> DatasetPlan:
    """The plan for one bundle, from read calls only (``package_show``, ``datastore_search``).
    ``loaded_dir``: where the publisher keeps the files its tables were loaded from
    (``publish.loaded``), so that a sync compares rows on disk."""
    bundle.check()
    name = package_name(bundle.dataset.name, organization, namespace)
    desired = package_dict(bundle.dataset, name, organization, bundle.data_csv)
    plan = DatasetPlan(bundle, name, organization, desired, "create")
    try:
        existing = portal.call("package_show", id=name)
    except NotFound:
        existing = None
    except NotAuthorized:
        plan.problems = [SchemaProblem(
            "name", "", f"{name!r} is taken by a dataset this token may not see (another organisation's)"
        )]
        plan.action = "refused"
        return plan
    plan.existing = existing
    plan.refused_tags = drop_refused_tags(desired, portal, existing)
    plan.problems = check(desired, schema, creating=existing is None)
    if existing is not None and existing.get("organization", {}).get("name") != organization:
        owner = (existing.get("organization") or {}).get("name")
        plan.problems.append(
            SchemaProblem("name", "", f"{name!r} already belongs to organisation {owner!r}")
        )
    data_sha = sha256_file(excel_csv(bundle.data_csv))  # the bytes published
    if not _already_loaded(existing, bundle, data_sha):
        plan.problems += [
            SchemaProblem("data", "", p) for p in ds.row_problems(bundle.data_csv, bundle.table_schema)
        ]
    if plan.problems:
        plan.action = "refused"
        return plan

    plan.resources = _desired_resources(bundle, name, data_sha)
    ours: dict[str, list[dict[str, Any]]] = {}
    for res in (existing or {}).get("resources", []):
        if res.get(KEY):
            ours.setdefault(res[KEY], []).append(res)
    for step in plan.resources:
        found = ours.pop(step.key, [])
        if found:
            _compare_resource(step, found[0])
        for extra in found[1:]:  # duplicates of one of our files: keep the first only
            plan.resources.append(_delete_step(extra, "duplicate"))
    for leftovers in ours.values():  # our files this bundle no longer has
        plan.resources += [_delete_step(r, "no longer published") for r in leftovers]

    data = plan.resources[0]
    data_have = next(
        (r for r in (existing or {}).get("resources", []) if r.get("id") == data.resource_id), None
    )
    plan.datastore = _plan_datastore(portal, bundle, data, data_have, loaded_dir)
    plan.datastore.load, plan.datastore.load_reason = loadpath.choose(portal, plan.datastore, bundle)

    today = today or today_bangkok()
    if existing is None:
        desired.setdefault("last_updated_date", today)
        plan.make_public = True
        return plan
    if data.upload:
        desired.setdefault("last_updated_date", today)
    if existing.get("state") == "deleted":
        desired["state"] = "active"
    plan.metadata = _metadata_changes(
        {k: v for k, v in desired.items() if k not in VOLATILE or data.upload}, existing
    )
    plan.make_public = bool(existing.get("private"))
    busy = (
        plan.metadata
        or plan.make_public
        or any(r.action != "unchanged" for r in plan.resources)
        or plan.datastore.action != "unchanged"
    )
    plan.action = "update" if busy else "unchanged"
    return plan


def _already_loaded(existing: dict[str, Any] | None, bundle: PublicationBundle, data_sha: str) -> bool:
    """Whether the DataStore already holds exactly this file (its marker matches): the DataStore
    accepted every row then, so the row check, a full read of the file, would find nothing."""
    fields = ds.datastore_fields(bundle.table_schema)
    marker = _marker(data_sha, fields, ds.primary_key(bundle.table_schema))
    return any(
        r.get(KEY) == DATA_KEY and r.get(MARK_DATA) == marker
        for r in (existing or {}).get("resources", [])
    )


def _delete_step(res: dict[str, Any], why: str) -> ResourceStep:
    return ResourceStep(
        key=res.get(KEY, ""), action="delete", name=res.get("name", ""), resource_id=res["id"],
        changes=[FieldChange("reason", None, why)],
    )
