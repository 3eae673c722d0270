"""CKAN plugin ``dgti_thai``: a portal for Thai readers.

- Thai keywords: CKAN's tag validators replaced by ones that accept Thai (``tags.py``).
- Thai interface: the dataset pages' templates and the Thai translations CKAN's ``th`` locale
  lacks (``templates/``, ``i18n/``).

Catalog search in Thai is the Solr schema's work (``solr/schema.xml`` beside this package).
"""

from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckanext.dgti import tags


class ThaiPlugin(p.SingletonPlugin):
    p.implements(p.IValidators)
    p.implements(p.IConfigurer)

    def get_validators(self) -> dict[str, Any]:
        return {
            "tag_name_validator": tags.tag_name_validator,
            "tag_string_convert": tags.tag_string_convert,
        }

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
