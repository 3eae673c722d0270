"""Which DataStore rows change: the portal's table read page by page against the CSV to publish,
matched by primary key (rows to upsert, keys to delete), or counted whole rows without a key.
Where the publisher kept the file the table was loaded from (``publish.loaded``), that file stands
in for the table and nothing is read from the portal."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from dgti_data.ckan import ValidationError
from dgti_data.publish import datastore as ds
from dgti_data.publish.bundle import PublicationBundle
from dgti_data.publish.portal import Portal
from dgti_data.publish.steps import RowChanges

PAGE = 10_000  # rows per datastore_search when comparing rows


def diff_rows(
    portal: Portal,
    resource_id: str,
    bundle: PublicationBundle,
    fields: list[dict[str, Any]],
    pk: list[str],
    loaded_from: Path | None = None,
) -> RowChanges:
    """Rows to upsert and keys to delete so the table equals the CSV (reads every row once).
    Without a primary key, a whole row is its own key (counts only: such tables are reloaded).
    ``loaded_from``: the CSV the table holds, read instead of the table (a file that no longer
    reads under the schema falls back to the table)."""
    types = {f["id"]: f["type"] for f in fields}
    if not pk:
        return _diff_without_key(portal, resource_id, bundle, types)
    have = None
    if loaded_from is not None:
        with contextlib.suppress(ds.RowError, OSError, ValueError):
            have = _signatures(ds.read_records(loaded_from, bundle.table_schema), pk, types)
    if have is None:
        have = _signatures(read_rows(portal, resource_id, list(types)), pk, types)
    changes = RowChanges(before=len(have), after=0)
    seen: set[tuple[Any, ...]] = set()
    for record in ds.read_records(bundle.data_csv, bundle.table_schema):
        key = ds.row_key(record, pk, types)
        if key in seen:
            raise ds.RowError(f"{bundle.data_csv}: primary key {key} appears twice")
        seen.add(key)
        changes.after += 1
        old = have.get(key)
        if old is None:
            changes.added += 1
            changes.upserts.append(record)
        elif old != ds.row_signature(record, types):
            changes.changed += 1
            changes.upserts.append(record)
    changes.deletes = [k for k in have if k not in seen]
    changes.removed = len(changes.deletes)
    return changes


def _signatures(rows: Iterable[dict[str, Any]], pk: list[str], types: dict[str, str]
                ) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    return {ds.row_key(r, pk, types): ds.row_signature(r, types) for r in rows}


def read_rows(portal: Portal, resource_id: str, ids: list[str]) -> Iterator[dict[str, Any]]:
    """Every row of the table, in ``_id`` order, a page at a time.

    Where the portal pages by key (CKAN 2.12's ``include_next_page``: each page names the filter of
    the next, so a page costs the same at any depth) that is used; a portal that refuses the
    parameter (CKAN 2.11) is paged by offset. The portal's answer decides, once per ``Portal``.
    """
    query: dict[str, Any] = dict(resource_id=resource_id, limit=PAGE, sort="_id", fields=ids,
                                 records_format="lists", include_total=False)
    offset, filters = 0, None
    while True:
        page = _page(portal, query, offset, filters)
        order = [f["id"] for f in page["fields"]]
        for rec in page["records"]:
            yield dict(zip(order, rec, strict=True))
        if len(page["records"]) < PAGE:
            return
        if page.get("next_page"):
            filters = page["next_page"]
        else:
            offset += PAGE


def _page(portal: Portal, query: dict[str, Any], offset: int, filters: dict[str, Any] | None
          ) -> dict[str, Any]:
    if filters is not None:
        return portal.call("datastore_search", **query, filters=filters, include_next_page=True)
    if portal.keyset_paging is not False and offset == 0:
        try:
            page = portal.call("datastore_search", **query, include_next_page=True)
        except ValidationError as exc:
            if "include_next_page" not in str(exc):
                raise
            portal.keyset_paging = False
        else:
            portal.keyset_paging = "next_page" in page or len(page["records"]) < PAGE
            return page
    return portal.call("datastore_search", **query, offset=offset)


def _diff_without_key(
    portal: Portal, resource_id: str, bundle: PublicationBundle, types: dict[str, str]
) -> RowChanges:
    have = Counter(ds.row_signature(r, types) for r in read_rows(portal, resource_id, list(types)))
    want = Counter(ds.row_signature(r, types) for r in ds.read_records(bundle.data_csv, bundle.table_schema))
    return RowChanges(
        before=sum(have.values()), after=sum(want.values()),
        added=sum((want - have).values()), removed=sum((have - want).values()),
    )
