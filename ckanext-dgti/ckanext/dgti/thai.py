"""CKAN plugin ``dgti_thai``: a portal for Thai readers.

- Thai catalog search: the Solr schema (``solr/schema.xml`` beside this package) segments Thai
  into words; here dataset searches use Solr's ``edismax`` parser instead of CKAN's ``dismax``.
  dismax splits the query on spaces only and ORs the words Solr segments out of one Thai run
  (ผู้สูงอายุ -> ผู้ OR สูง OR อายุ: half the catalog matches); edismax analyses the query as a whole,
  so each segmented word counts in CKAN's minimum-match (``mm``) like a typed word. Measured in
  docs/thai-search.md. A caller's own ``defType`` is kept.
- Thai keywords: CKAN's tag validators replaced by ones that accept Thai (``tags.py``).
- Thai interface: the dataset pages' templates and the Thai translations CKAN's ``th`` locale
  lacks (``templates/``, ``i18n/``).

"""

from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation
from ckanext.dgti import tags


class ThaiPlugin(DefaultTranslation, p.SingletonPlugin):
    p.implements(p.IValidators)
    p.implements(p.IConfigurer)
    p.implements(p.IPackageController, inherit=True)
    # Thai strings CKAN's own "th" locale lacks (i18n/th/LC_MESSAGES/ckanext-dgti_thai.po; the .mo is
    # compiled from it with msgfmt and shipped beside it).
    p.implements(p.ITranslation, inherit=True)

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
