"""Execute a ``DatasetPlan`` with patch semantics: only what the plan lists is written.

Order, chosen so that a crash at any point leaves something the next plan repairs:

1. a new dataset is created **private**; an existing one gets ``package_patch`` of the changed
   fields only (``package_update`` would delete resources it is not sent on CKAN 2.11);
2. the data CSV: a new one is uploaded first (the DataStore needs its id); then the DataStore is
   created or brought in line (upsert changed rows, delete removed keys); then the resource is
   patched with the new file and a marker of what the DataStore holds. A crash before the marker
   means the next plan compares rows again and finds little or nothing to do;
   The data preview's default views are made once the table exists (CKAN makes them at
   resource creation only for resources already in the DataStore).
3. ``datapackage.json`` and the reports are uploaded when their sha256 differs;
4. resources that are ours but no longer published (or duplicated) are deleted;
5. only then is a new (or still private) dataset made public.

"Already exists" on ``package_create`` (a retried create whose first answer was lost) is
success: the plan is stale, so it is computed again from what the portal now has.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from dgti_data.ckan import ValidationError
from dgti_data.errors import TerminalError
from dgti_data.publish import datastore as ds
from dgti_data.publish.plan import (
    DATA_KEY,
    KEY,
    MARK_DATA,
    MARK_PK,
    DatasetPlan,
    DatastoreStep,
    ResourceStep,
)
from dgti_data.publish.portal import Portal

log = logging.getLogger(__name__)

BATCH_ROWS = 5_000  # records per datastore_create/upsert call
# Batches in flight at once after the first (which creates the table). CKAN spends each call's
# time in its own Python and in PostgreSQL, one core each: two calls at a time keep both busy
# (measured 1.5x on 2 cores; more gained nothing). Order does not matter: a new table takes plain
# inserts and a sync's upserts touch distinct keys; the marker is written only after every batch.
PARALLEL_BATCHES = 2
DELETE_KEYS = 500  # keys per datastore_delete call


class PlanRefused(TerminalError):
    """The portal's schema would refuse this dataset: nothing was written."""

    def __init__(self, plan: DatasetPlan) -> None:
        problems = "; ".join(str(p) for p in plan.problems)
        super().__init__(f"{plan.name}: refused before any write: {problems}")
        self.plan = plan


class StalePlan(Exception):
    """The portal changed under the plan (a dataset appeared): plan again."""


@dataclass
class Applied:
    plan: DatasetPlan
    url: str
    package: dict[str, Any] | None = None
    resource_urls: dict[str, str] = field(default_factory=dict)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _create_package(plan: DatasetPlan, portal: Portal) -> dict[str, Any]:
    try:
        return portal.call("package_create", private=True, **plan.package)
    except ValidationError as exc:
        if "name" in exc.errors and "already in use" in str(exc.errors["name"]):
            raise StalePlan(plan.name) from None
        raise


def _patch_package(plan: DatasetPlan, portal: Portal) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for change in plan.metadata:
        if change.field == "tags":
            patch["tags"] = [{"name": t} for t in change.after]
        else:
            patch[change.field] = plan.package[change.field]
    return portal.call("package_patch", id=plan.package_id, **patch)


def _load_rows(portal: Portal, rid: str, step: DatastoreStep, records: Iterable[dict[str, Any]],
               batch_rows: int, first: bool, parallel: int = PARALLEL_BATCHES) -> None:
    """``first``: a new table, filled with plain inserts (several times faster than upserts,
    which CKAN runs row by row); otherwise upserts by primary key. The first batch of a new table
    is sent alone (it creates the table); then up to ``parallel`` batches are in flight."""
    method = "insert" if first else "upsert"
    batches = _batches(records, batch_rows)
    if first:
        batch = next(batches, [])  # no rows at all: still create the typed table and its dictionary
        portal.call("datastore_create", resource_id=rid, force=True, fields=step.fields,
                    primary_key=step.primary_key, records=batch)

    def send(batch: list[dict[str, Any]]) -> None:
        portal.call("datastore_upsert", resource_id=rid, force=True, method=method, records=batch)

    if parallel <= 1:
        for batch in batches:
            send(batch)
        return
    with ThreadPoolExecutor(parallel, thread_name_prefix="datastore-load") as pool:
        pending: deque[Future[None]] = deque()
        try:
            for batch in batches:
                if len(pending) >= parallel:
                    pending.popleft().result()
                pending.append(pool.submit(send, batch))
            while pending:
                pending.popleft().result()
        except BaseException:
            wait(pending)  # calls already sent finish (or fail) before the error is raised
            raise


def _delete_rows(portal: Portal, rid: str, step: DatastoreStep) -> None:
    keys = step.rows.deletes
    if len(step.primary_key) == 1:
        (name,) = step.primary_key
        for batch in _batches((k[0] for k in keys), DELETE_KEYS):
            portal.call("datastore_delete", resource_id=rid, force=True, filters={name: batch})
    else:
        for key in keys:
            filters = dict(zip(step.primary_key, key, strict=True))
            portal.call("datastore_delete", resource_id=rid, force=True, filters=filters)


def _sync_datastore(plan: DatasetPlan, portal: Portal, rid: str, batch_rows: int) -> None:
    step = plan.datastore
    assert step is not None
    bundle = plan.bundle
    if step.action == "recreate":
        portal.call("datastore_delete", resource_id=rid, force=True)
    if step.action in ("create", "recreate"):
        _load_rows(portal, rid, step, ds.read_records(bundle.data_csv, bundle.table_schema),
                   batch_rows, first=True)
        return
    if step.dictionary:
        portal.call("datastore_create", resource_id=rid, force=True, fields=step.fields,
                    primary_key=step.primary_key)
    if step.action == "sync":
        _load_rows(portal, rid, step, step.rows.upserts, batch_rows, first=False)
        _delete_rows(portal, rid, step)


def _upload(portal: Portal, action: str, step: ResourceStep, **extra: Any) -> dict[str, Any]:
    assert step.source is not None
    return portal.upload(action, step.source, step.file_name, **step.fields(), **extra)


def _data_resource(
    plan: DatasetPlan, portal: Portal, package_id: str, batch_rows: int
) -> dict[str, Any] | None:
    data, store = plan.resources[0], plan.datastore
    assert data.key == DATA_KEY and store is not None
    markers = {MARK_DATA: store.marker, MARK_PK: ",".join(store.primary_key)}
    result = None
    if data.action == "create":
        result = _upload(portal, "resource_create", data, package_id=package_id)
        data.resource_id = result["id"]
    assert data.resource_id is not None
    if store.action != "unchanged":
        _sync_datastore(plan, portal, data.resource_id, batch_rows)
    if store.create_views:  # idempotent: CKAN skips view types the resource already has
        resource = {"id": data.resource_id, "package_id": package_id, "datastore_active": True,
                    "name": data.name, "format": data.format, "url_type": "upload"}
        portal.call("resource_create_default_resource_views", resource=resource,
                    create_datastore_views=True)
    loaded = store.action in ("create", "recreate", "sync")
    if data.action == "update" and data.upload:
        result = _upload(portal, "resource_patch", data, id=data.resource_id, **(markers if loaded else {}))
    elif data.action == "update":
        fields = data.fields() | (markers if loaded else {})
        result = portal.call("resource_patch", id=data.resource_id, **fields)
    elif loaded:
        result = portal.call("resource_patch", id=data.resource_id, **markers)
    return result


def apply_plan(plan: DatasetPlan, portal: Portal, *, batch_rows: int = BATCH_ROWS) -> Applied:
    """Write what ``plan`` lists, nothing else. Raises ``PlanRefused`` for a refused plan and
    ``StalePlan`` when the dataset appeared since planning (plan again and re-apply)."""
    url = f"{portal.url}/dataset/{plan.name}"
    if plan.action == "refused":
        raise PlanRefused(plan)
    if plan.action == "unchanged":
        return Applied(plan, url, plan.existing, _urls(plan.existing))

    if plan.existing is None:
        package = _create_package(plan, portal)
        log.info("created %s (private until complete)", plan.name)
    elif plan.metadata:
        package = _patch_package(plan, portal)
    else:
        package = plan.existing
    package_id = package["id"]

    _data_resource(plan, portal, package_id, batch_rows)
    for step in plan.resources[1:]:
        if step.action == "create":
            _upload(portal, "resource_create", step, package_id=package_id)
        elif step.action == "update" and step.upload:
            _upload(portal, "resource_patch", step, id=step.resource_id)
        elif step.action == "update":
            portal.call("resource_patch", id=step.resource_id, **step.fields())
    for step in plan.resources[1:]:
        if step.action == "delete":
            portal.call("resource_delete", id=step.resource_id)

    if plan.make_public:
        package = portal.call("package_patch", id=package_id, private=False)
    else:
        package = portal.call("package_show", id=package_id)
    return Applied(plan, url, package, _urls(package))


def _urls(package: dict[str, Any] | None) -> dict[str, str]:
    return {r[KEY]: r["url"] for r in (package or {}).get("resources", []) if r.get(KEY)}
