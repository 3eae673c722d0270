"""CKAN plugin ``dgti_bulk``: the action ``dgti_datastore_load``.

``dgti_datastore_load {resource_id, missing_values?, true_values?, false_values?, hash?}`` loads
the resource's uploaded file into its existing DataStore table (made by ``datastore_create`` with
the types, primary key and data dictionary), replacing every row at once (readers see the old
rows or the new), and returns ``{resource_id, rows, seconds, how}``. It is authorised exactly like
``datastore_upsert`` on that resource. ``hash``, when given, must equal the resource's ``hash``:
the caller gets the file it uploaded or an error, never a stale one.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib import uploader
from ckanext.datastore.backend.postgres import get_write_engine
from ckanext.datastore.logic.auth import datastore_upsert as _datastore_upsert_auth
from ckanext.dgti import bulk

log = logging.getLogger(__name__)


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise tk.ValidationError({name: ["must be a list of strings"]})
    return value


def _per_field(value: Any, name: str) -> dict[str, list[str]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise tk.ValidationError({name: ["must be an object: field → list of strings"]})
    return {k: _strings(v, name) for k, v in value.items()}


def dgti_datastore_load_auth(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Whoever may ``datastore_upsert`` into the resource may replace its rows."""
    return _datastore_upsert_auth(context, dict(data_dict))


def dgti_datastore_load(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    resource_id = data_dict.get("resource_id") or data_dict.get("id")
    if not resource_id or not isinstance(resource_id, str):
        raise tk.ValidationError({"resource_id": ["Missing value"]})
    tk.check_access("dgti_datastore_load", context, {"resource_id": resource_id})
    conv = bulk.Conversions(
        missing=_strings(data_dict.get("missing_values", [""]), "missing_values"),
        true_values=_per_field(data_dict.get("true_values"), "true_values"),
        false_values=_per_field(data_dict.get("false_values"), "false_values"),
    )
    resource = tk.get_action("resource_show")(dict(context), {"id": resource_id})
    if resource.get("url_type") != "upload":
        raise tk.ValidationError({"resource_id": ["the resource has no uploaded file to load"]})
    expected = data_dict.get("hash")
    if expected and resource.get("hash") != expected:
        raise tk.ValidationError({"hash": [
            f"the resource's file has hash {resource.get('hash')!r}, not the expected {expected!r}"]})
    path = uploader.get_resource_uploader(resource).get_path(resource_id)
    if not os.path.isfile(path):
        raise tk.ValidationError({"resource_id": ["the resource's uploaded file is missing"]})
    if not _table_exists(resource_id):
        raise tk.ObjectNotFound(
            f"resource {resource_id!r} has no DataStore table: create it with datastore_create")
    try:
        result = bulk.load(connection, resource_id, path, conv, thai=p.plugin_loaded("dgti_thai"))
    except bulk.LoadError as exc:
        raise tk.ValidationError(exc.errors) from None
    log.info("dgti_datastore_load %s: %d rows in %.1f s (%s)", resource_id, result["rows"],
             result["seconds"]["total"], result["how"])
    return {"resource_id": resource_id, **result}


@contextmanager
def connection() -> Iterator[Any]:
    """A psycopg2 connection of the DataStore's write engine, back to the pool afterwards (rolled
    back there if anything is left open)."""
    pooled = get_write_engine().raw_connection()
    try:
        yield getattr(pooled, "driver_connection", None) or pooled.connection  # psycopg2's own
    finally:
        pooled.close()


def _table_exists(resource_id: str) -> bool:
    with connection() as conn:
        cur = conn.cursor()
        try:
            cur.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relkind = 'r' "
                        "AND relnamespace = 'public'::regnamespace", (resource_id,))
            return cur.fetchone() is not None
        finally:
            cur.close()


class BulkLoadPlugin(p.SingletonPlugin):
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)

    def get_actions(self) -> dict[str, Any]:
        return {"dgti_datastore_load": dgti_datastore_load}

    def get_auth_functions(self) -> dict[str, Any]:
        return {"dgti_datastore_load": dgti_datastore_load_auth}


def key_and_text_columns(cur: Any, resource_id: str) -> tuple[list[str], set[str]]:
    """The columns of the table's unique key (CKAN's DataStore primary key; [] when none) and
    its text columns."""
    from ckanext.dgti.loadsql import read_table, unique_columns

    table = read_table(cur, resource_id)
    keys = unique_columns(cur, table)
    return (keys[0] if keys else []), table.text_columns
