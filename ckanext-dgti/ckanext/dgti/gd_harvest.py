"""CKAN plugin ``dgti_dcat``: the portal's DCAT catalogue (``/catalog.ttl``, ``/catalog.jsonld``...,
what a harvester such as the central GD Catalog reads) lists only datasets whose publisher
consented: GD Catalog field ``allow_harvest`` = ``True``. A dataset without the field is not
listed. Each dataset's own page and its ``/dataset/<name>.rdf`` stay as public as the dataset.

Enable it beside ckanext-dcat's ``dcat``; the GD Catalog profiles are in ``gd_dcat.py``.
``ckanext.dgti.dcat.consented_only = false`` lists every public dataset again.
"""

from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

CONSENT_FQ = "+allow_harvest:True"


def consented(data_dict: dict[str, Any]) -> dict[str, Any]:
    """The catalogue query with the consent filter ANDed to the caller's own ``fq``."""
    if not tk.asbool(tk.config.get("ckanext.dgti.dcat.consented_only", True)):
        return data_dict
    fq = (data_dict.get("fq") or "").strip()
    return {**data_dict, "fq": f"{CONSENT_FQ} +({fq})" if fq else CONSENT_FQ}


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_show(original: Any, context: Any, data_dict: dict[str, Any]) -> Any:
    return original(context, consented(data_dict))


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_search(original: Any, context: Any, data_dict: dict[str, Any]) -> Any:
    return original(context, consented(data_dict))


class DCATConsentPlugin(p.SingletonPlugin):
    p.implements(p.IActions)

    def get_actions(self) -> dict[str, Any]:
        return {"dcat_catalog_show": dcat_catalog_show, "dcat_catalog_search": dcat_catalog_search}
