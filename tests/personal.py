"""The personal values a sample plants, in every form someone could find them in what we publish.

The generator's manifest records each value exactly as written in the raw file: a phone as
``096-304-8252``, ``+66 96 649 4677`` or in Thai digits, a national ID with or without dashes, a
name with its title. A leak may show it as written or as the normaliser rewrites it, so each value
is searched in its written form and in its normal forms (ASCII digits, digits only, the national
number of a +66 phone, the name without its title, the e-mail in lower case). The forms come from
the generator's own word lists, not from the detectors under test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from dgti_data.sample.names import FEMALE_GIVEN, MALE_GIVEN

_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_GIVEN = sorted({thai for thai, _ in (*MALE_GIVEN, *FEMALE_GIVEN)}, key=len, reverse=True)
MIN_DIGITS = 9  # a digits-only form shorter than a phone number could be any number


def forms(value: str, kind: str) -> set[str]:
    """The written value and its normal forms."""
    written = " ".join(value.split())
    ascii_digits = written.translate(_THAI_DIGITS)
    out = {written, ascii_digits}
    if kind in ("phone", "national_id"):
        digits = re.sub(r"\D", "", ascii_digits)
        out.add(digits)
        if kind == "phone" and digits.startswith("66"):
            out.add("0" + digits[2:])
        out = {f for f in out if len(re.sub(r"\D", "", f)) >= MIN_DIGITS}
    elif kind == "email":
        out.add(written.lower())
    elif kind == "name":
        *head, surname = written.split(" ")
        before = "".join(head)
        given = next((g for g in _GIVEN if before.endswith(g)), None)
        if given:
            out.add(f"{given} {surname}")
    return out


def planted_forms(manifests: Iterable[Path]) -> dict[str, str]:
    """Every form of every personal value of the manifests → what it is (for messages)."""
    out: dict[str, str] = {}
    for manifest in manifests:
        for entry in json.loads(manifest.read_text(encoding="utf-8"))["personal_values"]:
            for form in forms(entry["value"], entry["kind"]):
                out[form] = f"{entry['kind']} of {manifest.name} row {entry['row']} ({entry['field']})"
    return out


def found_in(text: str, needles: dict[str, str]) -> Iterator[str]:
    """The needles ``text`` holds, each with what it is."""
    for needle, what in needles.items():
        if needle in text:
            yield f"{needle!r}: {what}"
