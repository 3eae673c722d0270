"""Tag names in any script: the rule CKAN's ``tag_name_validator`` means but does not implement.

CKAN checks tags with ``[\\w \\-.]*$``. Python's ``\\w`` matches letters and digits but not
combining marks (Unicode category M*), and Thai writes its vowels above/below the line and its
tone marks as combining marks: ข้อมูล, ท้องถิ่น, ดิจิทัล are refused while ประชากร passes.
Here a tag may hold letters (L*) and combining marks (M*) of any script, decimal digits (Nd),
space, ``-``, ``_`` and ``.``; CKAN's length limits are kept; anything else is refused with a
message naming the character.
"""

from __future__ import annotations

import unicodedata
from itertools import count
from typing import Any

from ckan.lib.navl.dictization_functions import Invalid
from ckan.logic.validators import tag_length_validator
from ckan.plugins.toolkit import _

PUNCTUATION_ALLOWED = frozenset(" -_.")


def refused_character(name: str) -> str | None:
    """The first character a tag may not hold, or None when every character is allowed."""
    for ch in name:
        if ch in PUNCTUATION_ALLOWED:
            continue
        category = unicodedata.category(ch)
        if category[0] in "LM" or category == "Nd":
            continue
        return ch
    return None


def tag_name_validator(value: Any, context: Any) -> Any:
    bad = refused_character(value)
    if bad is not None:
        raise Invalid(
            _('Tag "%s" may only contain letters, combining marks (such as Thai vowels and tone '
              'marks), digits, spaces, hyphens ("-"), underscores ("_") or dots ("."), not %r '
              '(U+%04X)') % (value, bad, ord(bad)))
    return value


def tag_string_convert(key: Any, data: dict[Any, Any], errors: Any, context: Any) -> Any:
    """CKAN's ``tag_string_convert`` (comma-separated tags → ``tags``), validating with the rule
    above: CKAN's own calls its module's validator directly, so overriding that alone would
    leave the web form and ``tag_string`` refusing Thai."""
    value = data[key]
    tags = [t.strip() for t in value.split(",") if t.strip()] if isinstance(value, str) else list(value)
    current = max([int(k[1]) for k in data if len(k) == 3 and k[0] == "tags"] + [-1])
    for num, tag in zip(count(current + 1), tags, strict=False):
        data[("tags", num, "name")] = tag
    for tag in tags:
        tag_length_validator(tag, context)
        tag_name_validator(tag, context)
