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
   The plan names the load path (``publish.loadpath``): on a portal running the hub's ``dgti_bulk``
   plugin, a new table (or a sync changing many rows) is loaded by one ``dgti_datastore_load`` call
   that COPYs the resource's uploaded file into the table ``datastore_create`` made; on a portal
   with XLoader instead, a new table by XLoader's job (``publish.xloader``), upserts if it fails;
   a changed file is then uploaded before the load;
3. ``datapackage.json`` and the reports are uploaded when their sha256 differs;
4. resources that are ours but no longer published (or duplicated) are deleted;
5. only then is a new (or still private) dataset made public.

"Already exists" on ``package_create`` (a retried create whose first answer was lost) is
success: the plan is stale, so it is computed again from what the portal now has.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dgti_data.ckan import NotAuthorized, NotFound, ValidationError
from dgti_data.errors import TerminalError
from dgti_data.publish import datastore as ds
from dgti_data.publish import loaded, xloader
from dgti_data.publish.loadpath import BATCH_ROWS, BULK_ACTION, LoadPath
from dgti_data.publish.loadpath import BULK_PLUGIN as BULK_PLUGIN  # re-exported: tests, bench
from dgti_data.publish.loadpath import BULK_SYNC_SHARE as BULK_SYNC_SHARE
from dgti_data.publish.portal import Portal
from dgti_data.publish.steps import (
    DATA_KEY,
    KEY,
    MARK_DATA,
    MARK_PK,
    DatasetPlan,
    DatastoreStep,
    ResourceStep,
)

log = logging.getLogger(__name__)

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
    # How the DataStore rows were written: one bulk COPY call, an XLoader job, upsert batches, or
    # not at all; and what went wrong on the way (an XLoader job that failed: upserts instead).
    datastore_load: LoadPath | None = None
    warnings: list[str] = field(default_factory=list)


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _create_package(plan: DatasetPlan, portal: Portal) -> dict[str, Any]:
    try:
        return portal.call("package_create", private=True, **plan.package)
    except ValidationError as exc:
        if "name" in exc.errors and _name_taken(portal, plan.name):
            raise StalePlan(plan.name) from None
        raise


def _name_taken(portal: Portal, name: str) -> bool:
    """Whether a dataset has the name. Asked, not read from the refusal: CKAN words its messages
    in the portal's language ("URL นี้ถูกใช้แล้ว" on a Thai portal)."""
    try:
        portal.call("package_show", id=name)
    except NotFound:
        return False
    except NotAuthorized:  # another organisation's: the re-plan refuses it
        return True
    return True


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


def delete_filters(primary_key: list[str], keys: Iterable[tuple[Any, ...]],
                   per_call: int = DELETE_KEYS) -> Iterator[dict[str, Any]]:
    """``datastore_delete`` filters that remove exactly ``keys``, many keys per call.

    CKAN ANDs the fields of ``filters`` and reads a list of values for a field as SQL ``IN``
    (``_where_clauses`` in its DataStore backend, 2.11 and 2.12), so keys that share every field
    but one go in one call, that field's values listed (``per_call`` at most). The listed field is
    the one that leaves the fewest such groups; a one-field key is a single group. Listing several
    fields at once would also match their cross products: never done."""
    keys = list(keys)
    if not keys:
        return
    width = len(primary_key)

    def grouped(listed: int) -> dict[tuple[Any, ...], list[Any]]:
        groups: dict[tuple[Any, ...], list[Any]] = {}
        for key in keys:
            groups.setdefault(key[:listed] + key[listed + 1:], []).append(key[listed])
        return groups

    listed = min(range(width), key=lambda i: len({k[:i] + k[i + 1:] for k in keys}))
    others = primary_key[:listed] + primary_key[listed + 1:]
    for rest, values in grouped(listed).items():
        for batch in _batches(values, per_call):
            yield dict(zip(others, rest, strict=True)) | {primary_key[listed]: batch}


def delete_rows(portal: Portal, rid: str, step: DatastoreStep) -> None:
    for filters in delete_filters(step.primary_key, step.rows.deletes):
        portal.call("datastore_delete", resource_id=rid, force=True, filters=filters)


def _bulk_load(plan: DatasetPlan, portal: Portal, rid: str, sha256: str) -> None:
    """Replace the table's rows with the resource's uploaded file (which must be this bundle's)."""
    bundle = plan.bundle
    result = portal.call(BULK_ACTION, resource_id=rid, hash=sha256,
                         **ds.load_conversions(bundle.table_schema))
    if bundle.rows is not None and result.get("rows") != bundle.rows:
        raise TerminalError(f"{plan.name}: the DataStore loaded {result.get('rows')} rows, "
                            f"the bundle has {bundle.rows}")
    log.info("%s: %s rows loaded in bulk (%s)", plan.name, result.get("rows"), result.get("seconds"))


def _sync_datastore(plan: DatasetPlan, portal: Portal, rid: str, batch_rows: int, bulk: bool,
                    sha256: str) -> LoadPath:
    step = plan.datastore
    assert step is not None
    bundle = plan.bundle
    if step.action == "recreate":
        portal.call("datastore_delete", resource_id=rid, force=True)
    if step.action in ("create", "recreate") and bulk:
        portal.call("datastore_create", resource_id=rid, force=True, fields=step.fields,
                    primary_key=step.primary_key, records=[])
        _bulk_load(plan, portal, rid, sha256)
        return "bulk"
    if step.action in ("create", "recreate"):
        _load_rows(portal, rid, step, ds.read_records(bundle.data_csv, bundle.table_schema),
                   batch_rows, first=True)
        return "upsert"
    if step.dictionary:
        portal.call("datastore_create", resource_id=rid, force=True, fields=step.fields,
                    primary_key=step.primary_key)
    if step.action == "sync" and bulk:
        _bulk_load(plan, portal, rid, sha256)
        return "bulk"
    if step.action == "sync":
        _load_rows(portal, rid, step, step.rows.upserts, batch_rows, first=False)
        delete_rows(portal, rid, step)
    return "upsert"


def _upload(portal: Portal, action: str, step: ResourceStep, **extra: Any) -> dict[str, Any]:
    assert step.source is not None
    return portal.upload(action, step.source, step.file_name, **(step.fields() | extra))


def _xloader_datastore(plan: DatasetPlan, portal: Portal, data: ResourceStep, batch_rows: int,
                       warnings: list[str]) -> LoadPath:
    """A new table by XLoader (``publish.xloader``), uploading the file on the way when the resource
    lacks it; if XLoader fails, never starts or types the table otherwise: by upserts, with a warning."""
    step, bundle, rid = plan.datastore, plan.bundle, data.resource_id
    assert step is not None and rid is not None and isinstance(data.source, Path)
    if step.action == "recreate":
        portal.call("datastore_delete", resource_id=rid, force=True)
    needs_file = data.action == "create" or data.upload
    try:
        xloader.load(plan.name, portal, rid, step, bundle.data_csv, data.source, bundle.table_schema,
                     bundle.rows if bundle.rows is not None else step.rows.after,
                     upload=(lambda: _upload(portal, "resource_patch", data, id=rid)) if needs_file else None)
        log.info("%s: %s rows loaded by XLoader", plan.name, step.rows.after)
        return "xloader"
    except xloader.XLoaderFailed as exc:
        warning = f"{plan.name}: XLoader did not load the table ({exc}): loaded by datastore_upsert instead"
        log.warning(warning)
        warnings.append(warning)
    with contextlib.suppress(NotFound):  # whatever XLoader left (the dataset is still private if new)
        portal.call("datastore_delete", resource_id=rid, force=True)
    records = ds.read_records(bundle.data_csv, bundle.table_schema)
    typed = dataclasses.replace(step, fields=xloader.with_type_overrides(step.fields))  # for later jobs
    _load_rows(portal, rid, typed, records, batch_rows, first=True)
    return "upsert"


def _quiet_xloader(portal: Portal, data: ResourceStep, path: LoadPath | None) -> dict[str, str]:
    """Where XLoader loads every CSV upload by itself (agencies' portals), its job would replace the
    table the upserts load: the upload then carries XLoader's own digest of the file as the
    resource's ``hash``, and the job skips the file. Nothing when no file goes up, nor for the bulk
    action, which checks that ``hash`` is the file's sha256 (its portals are ours to configure)."""
    if path != "upsert" or not (data.action == "create" or data.upload):
        return {}
    if "xloader" not in portal.loaders() or not isinstance(data.source, Path):
        return {}
    return {"hash": xloader.file_hash(data.source)}


def _data_resource(
    plan: DatasetPlan, portal: Portal, package_id: str, batch_rows: int, warnings: list[str]
) -> LoadPath | None:
    """Upload the data CSV, load the DataStore, then mark what the DataStore holds.

    The bulk and XLoader paths load the file the resource holds, so a changed file is uploaded
    before the load (without the marker: a crash between them leaves a table the next plan compares
    and repairs). XLoader's new resource gets its file only once the typed table exists: the upload
    may start XLoader's job, which must find our types.
    """
    data, store = plan.resources[0], plan.datastore
    assert data.key == DATA_KEY and store is not None
    markers = {MARK_DATA: store.marker, MARK_PK: ",".join(store.primary_key)}
    path = store.load if store.action != "unchanged" else None
    quiet = _quiet_xloader(portal, data, path)
    uploaded = False
    if data.action == "create" and path == "xloader":
        bare = {k: v for k, v in data.fields().items() if k in ("name", "description", KEY)}
        data.resource_id = portal.call("resource_create", package_id=package_id, **bare)["id"]
    elif data.action == "create":
        data.resource_id = _upload(portal, "resource_create", data, package_id=package_id, **quiet)["id"]
        uploaded = True
    elif data.action == "update" and data.upload and path == "bulk":
        _upload(portal, "resource_patch", data, id=data.resource_id, **quiet)
        uploaded = True
    assert data.resource_id is not None
    load = None
    if path == "xloader":
        load = _xloader_datastore(plan, portal, data, batch_rows, warnings)
        uploaded = uploaded or data.action == "create" or data.upload
    elif store.action != "unchanged":
        load = _sync_datastore(plan, portal, data.resource_id, batch_rows, path == "bulk", data.sha256)
    if store.create_views:  # idempotent: CKAN skips view types the resource already has
        resource = {"id": data.resource_id, "package_id": package_id, "datastore_active": True,
                    "name": data.name, "format": data.format, "url_type": "upload"}
        portal.call("resource_create_default_resource_views", resource=resource,
                    create_datastore_views=True)
    loaded = store.action in ("create", "recreate", "sync")
    if data.action == "update" and data.upload and not uploaded:
        _upload(portal, "resource_patch", data, id=data.resource_id, **quiet, **(markers if loaded else {}))
    elif data.action == "update" and not uploaded:
        fields = data.fields() | (markers if loaded else {})
        portal.call("resource_patch", id=data.resource_id, **fields)
    elif loaded:
        portal.call("resource_patch", id=data.resource_id, **markers)
    return load if loaded else None


def apply_plan(plan: DatasetPlan, portal: Portal, *, batch_rows: int = BATCH_ROWS,
               loaded_dir: Path | None = None) -> Applied:
    """Write what ``plan`` lists, nothing else. Raises ``PlanRefused`` for a refused plan and
    ``StalePlan`` when the dataset appeared since planning (plan again and re-apply).
    ``loaded_dir``: where to keep the file a table was loaded from (``publish.loaded``)."""
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

    warnings: list[str] = []
    load = _data_resource(plan, portal, package_id, batch_rows, warnings)
    store = plan.datastore
    if load is not None and store is not None and plan.resources[0].resource_id is not None:
        loaded.keep(loaded_dir, plan.resources[0].resource_id, store.marker, plan.bundle.data_csv)
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
    return Applied(plan, url, package, _urls(package), datastore_load=load, warnings=warnings)


def _urls(package: dict[str, Any] | None) -> dict[str, str]:
    return {r[KEY]: r["url"] for r in (package or {}).get("resources", []) if r.get(KEY)}
