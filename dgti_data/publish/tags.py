"""Which of a dataset's keywords the portal will accept, decided before any write.

Stock CKAN (2.11, 2.12) checks tags with ``[\\w \\-.]*$``; ``\\w`` does not match combining marks,
so Thai keywords with vowel or tone marks (ท้องถิ่น, ดิจิทัล) are refused, and one refused tag
fails the whole ``package_create``. A portal running ``dgti_thai`` (ckanext-dgti) accepts letters
and marks of any script. On any other portal the plan drops the tags CKAN's rule refuses, says
which, and publishes the rest: a keyword never costs a dataset its publication.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from dgti_data.publish.metadata import tags_of
from dgti_data.publish.portal import Portal

THAI_TAGS_PLUGIN = "dgti_thai"
# CKAN's own tag_name_validator (ckan/logic/validators.py), as stock portals apply it: Python's \w
# excludes the Thai vowel and tone marks (category Mn), so ท้องถิ่น is refused and อปท is not.
_STOCK_TAG = re.compile(r"[\w \-.]*$")
TAG_LENGTH = (2, 100)  # CKAN's MIN_TAG_LENGTH, MAX_TAG_LENGTH
_PUNCTUATION_ALLOWED = frozenset(" -_.")


def refused_character(tag: str) -> str | None:
    """The first character no portal accepts in a tag (the rule of ckanext-dgti's validator:
    letters and marks of any script, decimal digits, space - _ .), or None."""
    for ch in tag:
        category = unicodedata.category(ch)
        if ch not in _PUNCTUATION_ALLOWED and category[0] not in "LM" and category != "Nd":
            return ch
    return None


def stock_refuses(tag: str) -> bool:
    return _STOCK_TAG.match(tag) is None


def drop_refused_tags(
    package: dict[str, Any], portal: Portal, existing: dict[str, Any] | None
) -> list[str]:
    """Remove from ``package['tag_string']`` the tags ``portal`` would refuse; return them.

    Tags the dataset already carries were accepted: the portal is only asked (``status_show``,
    once per client) when a new tag is one stock CKAN refuses, so an unchanged re-run asks nothing.
    """
    if "tag_string" not in package:
        return []
    wanted = tags_of(package)
    have = set(tags_of(existing)) if existing else set()
    doubtful = [t for t in wanted if t not in have and stock_refuses(t)]
    if not doubtful or portal.offers(THAI_TAGS_PLUGIN):
        return []
    package["tag_string"] = ",".join(t for t in wanted if t not in doubtful)
    return doubtful


def refused_warnings(refused: list[str]) -> list[str]:
    """The plan's warning about refused tags (none when none were)."""
    if not refused:
        return []
    return [f"the portal's tag rule (stock CKAN) refuses {len(refused)} keyword(s), published "
            f"without them: {', '.join(refused)} (install ckanext-dgti's dgti_thai to accept them)"]
