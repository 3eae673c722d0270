"""CKAN plugin ``dgti_thai``: a portal for Thai readers.

- Thai catalog search: the Solr schema (``solr/schema.xml`` beside this package) segments Thai
  into words; here dataset searches use Solr's ``edismax`` parser instead of CKAN's ``dismax``.
  dismax splits the query on spaces only and ORs the words Solr segments out of one Thai run
  (ผู้สูงอายุ -> ผู้ OR สูง OR อายุ: half the catalog matches); edismax analyses the query as a whole,
  so each segmented word counts in CKAN's minimum-match (``mm``) like a typed word. Measured in
  docs/thai-search.md. A caller's own ``defType`` is kept.
- Thai DataStore search: the bulk load and ``datastore_create``/``datastore_upsert`` (chained)
  add each row's Thai words to its ``_full_text``; ``datastore_search`` segments a Thai ``q`` the
  same way before it becomes a ``tsquery``, for the whole row or a column, and searches what was
  typed in the data preview's search boxes and its filtered download, which CKAN's DataTables view
  mangles (``thaisearch.py``).
- Thai keywords: CKAN's tag validators replaced by ones that accept Thai (``tags.py``).
- Thai interface: the dataset pages' templates and the Thai translations CKAN's ``th`` locale
  lacks (``templates/``, ``i18n/``).

"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation
from ckanext.datastore.interfaces import IDatastore
from ckanext.dgti import tags, thaisearch, thaiwords
from ckanext.dgti.plugin import connection, key_and_text_columns
from flask import has_request_context, request

log = logging.getLogger(__name__)
PREVIEW_ENDPOINT = "datatablesview.ajax"  # CKAN's DataTables view asks its rows from here
DOWNLOAD_ENDPOINT = "datatablesview.filtered_download"  # ... and sends its downloads through here


class ThaiPlugin(DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IValidators)
    p.implements(p.IConfigurer)
    p.implements(p.IPackageController, inherit=True)
    # Thai strings CKAN's own "th" locale lacks (i18n/th/LC_MESSAGES/ckanext-dgti_thai.po; the .mo is
    # compiled from it with msgfmt and shipped beside it).
    p.implements(p.ITranslation, inherit=True)
    p.implements(IDatastore, inherit=True)
    p.implements(p.IActions)
    p.implements(p.IMiddleware, inherit=True)

    def get_validators(self) -> dict[str, Any]:
        return {
            "tag_name_validator": tags.tag_name_validator,
            "tag_string_convert": tags.tag_string_convert,
        }

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")

    def before_dataset_search(self, search_params: dict[str, Any]) -> dict[str, Any]:
        search_params.setdefault("defType", "edismax")
        return search_params

    # IDatastore: a Thai q (and a Thai column search) searched as the rows' words were segmented.
    def datastore_search(self, context: Any, data_dict: dict[str, Any], fields_types: Any,
                         query_dict: dict[str, Any]) -> dict[str, Any]:
        return thaisearch.reshape(data_dict, query_dict, _typed_in_preview())

    def get_actions(self) -> dict[str, Any]:
        return {"datastore_create": datastore_create, "datastore_upsert": datastore_upsert}

    # IMiddleware: the preview's "download filtered rows" keeps a Thai search (see _thai_download).
    def make_middleware(self, app: Any, config: Any) -> Any:
        views = getattr(app, "view_functions", None)
        if views is not None and DOWNLOAD_ENDPOINT in views:
            views[DOWNLOAD_ENDPOINT] = _thai_download(views[DOWNLOAD_ENDPOINT])
        return app


def _typed_in_preview() -> thaisearch.Typed | None:
    """What the citizen typed in the data preview's search boxes, when this search is the preview's
    (CKAN's DataTables view sends it mangled, ``thaisearch`` says how); None for any other search."""
    if not has_request_context() or request.endpoint != PREVIEW_ENDPOINT or request.method != "POST":
        return None
    form = request.form
    columns: dict[str, str] = {}
    i = 0
    while f"columns[{i}][search][value]" in form:  # the preview's own loop over its columns
        if value := form.get(f"columns[{i}][search][value]", ""):
            columns[form.get(f"columns[{i}][name]", "")] = value
        i += 1
    return thaisearch.Typed(search=form.get("search[value]", ""), columns=columns)


def _thai_download(view: Any) -> Any:
    """CKAN's filtered download, whose redirect to the DataStore dump carries the search mangled as
    the preview's is (``thaisearch``): the redirect's ``q`` is given what was typed instead."""

    @functools.wraps(view)
    def download(*args: Any, **kwargs: Any) -> Any:
        response = view(*args, **kwargs)
        location = getattr(response, "headers", {}).get("Location")
        try:
            params = json.loads(request.form["params"])
        except (KeyError, ValueError, TypeError):
            return response
        if not location or not isinstance(params, dict):
            return response
        url = urlsplit(location)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        q = query.get("q", "")
        try:
            current = json.loads(q) if q.startswith("{") else q
        except ValueError:
            return response
        wanted = thaisearch.download_query(params, current)
        if wanted != current:
            query["q"] = json.dumps(wanted) if isinstance(wanted, dict) else wanted
            response.headers["Location"] = urlunsplit(url._replace(query=urlencode(query)))
        return response

    return download


def _add_words(records: list[dict[str, Any]], result: dict[str, Any]) -> None:
    """After CKAN wrote ``records`` (its trigger filled ``_full_text``), add their Thai words."""
    resource_id = result.get("resource_id")
    if not records or not resource_id or not any(
            isinstance(v, str) and thaiwords.has_thai(v) for r in records[:50] for v in r.values()):
        return
    with connection() as conn:
        cur = conn.cursor()
        try:
            keys, text_columns = key_and_text_columns(cur, resource_id)
            if not keys:
                log.warning("dgti_thai: %s has no unique key: Thai words not added", resource_id)
                return
            thaiwords.add_words(cur, resource_id, keys, records, text_columns)
            conn.commit()
        finally:
            cur.close()


def _adding_thai_words(name: str) -> Any:
    """CKAN's ``name`` action (datastore_create or datastore_upsert), then ``_add_words``."""

    @tk.chained_action
    def action(original: Any, context: Any, data_dict: dict[str, Any]) -> Any:
        records = list(data_dict.get("records") or [])  # the action consumes data_dict
        result = original(context, data_dict)
        _add_words(records, result)
        return result

    action.__name__ = name
    return action


datastore_create = _adding_thai_words("datastore_create")
datastore_upsert = _adding_thai_words("datastore_upsert")
