"""Which way a plan's DataStore rows go to the portal, chosen from what the portal offers, and why.

Three paths, fastest first:

- ``bulk``: ckanext-dgti's ``dgti_datastore_load`` (plugin ``dgti_bulk``) COPYs the resource's
  uploaded CSV into the typed table ``datastore_create`` made: one call;
- ``xloader``: the portal's XLoader, which agencies' portals run anyway, loads the uploaded CSV into
  the typed table (the data dictionary's ``type_override``s keep our types): one job
  (``publish.xloader``), verified afterwards, with ``datastore_upsert`` as the fallback;
- ``upsert``: ``datastore_upsert`` batches, on any CKAN with the DataStore.

The choice is made while planning, from read calls only, so a dry run prints it with its reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from dgti_data.publish import xloader

if TYPE_CHECKING:
    from dgti_data.publish.bundle import PublicationBundle
    from dgti_data.publish.portal import Portal
    from dgti_data.publish.steps import DatastoreStep

LoadPath = Literal["bulk", "xloader", "upsert"]

BATCH_ROWS = 5_000  # records per datastore_create/upsert call
BULK_PLUGIN = "dgti_bulk"
BULK_ACTION = "dgti_datastore_load"
# A sync reloads the whole table in bulk when it changes at least this share of its rows (a bulk
# load of every row costs about as much as upserting this share of them, see docs/performance.md)
# and more rows than one upsert batch: a few changed rows stay one upsert call that keeps the others.
BULK_SYNC_SHARE = 0.05

DESCRIPTIONS: dict[LoadPath, str] = {
    "bulk": "one bulk COPY call (dgti_datastore_load)",
    "xloader": "an XLoader job (the portal's own loader)",
    "upsert": "datastore_upsert batches",
}


def choose(portal: Portal, step: DatastoreStep, bundle: PublicationBundle,
           batch_rows: int = BATCH_ROWS) -> tuple[LoadPath | None, str]:
    """The path for ``step``'s rows and why; ``(None, "")`` when no row is written (the portal is not
    even asked then: an unchanged re-run stays two reads per dataset)."""
    if step.action in ("create", "recreate"):
        offered = portal.loaders()
        if "bulk" in offered:
            return "bulk", "the portal runs ckanext-dgti: the whole table in one COPY call"
        if "xloader" not in offered:
            return "upsert", "the portal runs neither ckanext-dgti nor XLoader"
        unsuitable = xloader.unsuitable(bundle.data_csv, bundle.table_schema)
        if unsuitable:
            return "upsert", f"the portal runs XLoader, but {unsuitable}"
        return "xloader", ("the portal runs XLoader, not ckanext-dgti: it loads the uploaded CSV "
                           "with the data dictionary's types, then row count and types are checked")
    if step.action != "sync":
        return None, ""
    changed = len(step.rows.upserts) + len(step.rows.deletes)
    many = changed > batch_rows and changed >= BULK_SYNC_SHARE * step.rows.after
    if many and "bulk" in portal.loaders():
        return "bulk", (f"{changed:,} of {step.rows.after:,} rows change: the whole table again in one "
                        "COPY call (ckanext-dgti)")
    if many and "xloader" in portal.loaders():
        return "upsert", ("only the changed rows: an XLoader reload would empty the published table "
                          "while it loads")
    return "upsert", f"only the {changed:,} changed rows"
