"""Detectors of personal data in Thai and English free text.

Each detector returns spans with a kind; ``detect`` merges them without overlaps. They are rules,
not a model (no model can be downloaded here, and rules can be audited line by line), one module
per kind: ``digits`` (IDs, phones), ``contacts`` (e-mail, LINE, social URLs), ``titles`` and
``names``, ``addresses``; this module joins them, and screens texts in bulk. Digits are
matched with explicit classes (``[0-9๐-๙]``): Python's ``\\d`` also matches other scripts' digits.

Choices worth knowing (see docs/anonymisation.md):
- a 13-digit number is a national ID only when its check digit is valid and its first digit is
  not 0 (an agency's or a company's tax ID);
- every Thai phone number is redacted, an LAO office line included: text cannot tell an office
  line from a private one, and office numbers are published on the LAO's own website anyway;
- every e-mail address is redacted, for the same reason;
- LINE IDs after a LINE keyword are personal, LINE *Official Account* handles (``LINE OA @x``,
  ``line.me/R/ti/p/@x``, ``lin.ee/…``, an ``@`` handle naming the LAO or called official) are the
  LAO's and are kept;
- a social-network URL with a path (facebook.com/…, tiktok.com/@…) is treated as personal: a
  person's profile and an LAO page cannot be told apart; LAO websites (``*.go.th``) are kept;
- names are found after titles (นาย, น.ส., ดร., ร.ต.อ., พระครู, Mr., …), after a bare พระ when a
  Pali chaya follows, and after contact labels (``ผู้ประสานงาน: …``); a name without any title or
  label is not found;
- a house address is redacted down to the household (house number, ซอย, ถนน); the village and
  the subdistrict stay, and so do an organisation's own address and document numbers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dgti_data.anonymise.addresses import HINT_ADDRESS, addresses
from dgti_data.anonymise.columns import arrow_strings, bools
from dgti_data.anonymise.contacts import EMAIL, line_ids, social_urls
from dgti_data.anonymise.digits import (  # noqa: F401 (re-exported: the detectors' public names)
    DIGIT,
    count_digits,
    digit_runs,
    digits_only,
    fold_digits,
    national_id_valid,
    phone_kind,
)
from dgti_data.anonymise.names import HINT_EN_TITLE, names, place_names  # noqa: F401
from dgti_data.anonymise.spans import Span
from dgti_data.anonymise.titles import ALL_TITLES, title_chain

KINDS = ("national_id", "phone", "email", "line_id", "url_handle", "name", "address")

PLACEHOLDERS = {
    "national_id": "[เลขบัตรประชาชน]",
    "phone": "[โทรศัพท์]",
    "email": "[อีเมล]",
    "line_id": "[ไลน์ไอดี]",
    "url_handle": "[ลิงก์ส่วนบุคคล]",
    "name": "[ชื่อบุคคล]",
    "address": "[ที่อยู่]",
}

# Overlapping spans: the more certain kind wins (an ID with a valid check digit beats a phone).
_PRIORITY = {
    kind: i for i, kind in enumerate(
        ("national_id", "email", "url_handle", "phone", "line_id", "name", "address"))
}

# --- all together --------------------------------------------------------------------------------




def detect(text: str, known_digits: Mapping[str, str] | None = None) -> list[Span]:
    """Non-overlapping spans of personal data in ``text``, in order.

    ``known_digits`` maps digit strings known to be personal in this row (the row's own phone or
    ID from a dropped column, digits only) to their kind: found in any grouping, check digit or not.
    """
    if not text:
        return []
    candidates: list[Span] = []
    low = text.lower()
    if count_digits(text) >= 9:
        candidates += digit_runs(text, known_digits or {})
    if "@" in text or "(at)" in low or "[at]" in low:
        candidates += [Span(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
    if ".com/" in low or ".me/" in low:
        candidates += social_urls(text)
    if "line" in low or "ไลน์" in text:
        candidates += line_ids(text)
    candidates += names(text)
    if HINT_ADDRESS.search(text):
        candidates += addresses(text)
    return resolve(candidates) if candidates else candidates


def detect_values(values: Sequence[str | None], cache: dict[str, list[Span]],
                  arrow: Callable[[], pa.Array | None] | None = None) -> list[list[Span]]:
    """``detect`` of each value (no known digits; ``[]`` for None), cached by text: texts not in
    ``cache`` are screened at once and only those ``screen`` lets through are detected. ``arrow``
    gives all ``values`` as Arrow strings, used when most of them are new."""
    todo = [i for i, v in enumerate(values) if v is not None and str(v) not in cache]
    if todo:
        full = arrow() if arrow is not None and 2 * len(todo) > len(values) else None
        maybe = screen(full)[todo] if full is not None else screen([str(values[i]) for i in todo])
        nothing: list[Span] = []
        for i, m in zip(todo, maybe.tolist(), strict=True):
            text = str(values[i])
            cache[text] = detect(text) if m else nothing
    return [[] if v is None else cache[str(v)] for v in values]


def screen(texts: Sequence[str | None] | pa.Array) -> np.ndarray:
    """False for each text in which ``detect`` certainly finds nothing (and for None), decided for
    all texts at once.

    One RE2 pattern (pyarrow, in C++) joins a superset of the tests ``detect``'s detectors start
    with: a run of 9 digits that may start where ``_RUN`` may, ``@``, ``(at)``, ``.com/``, ``line``,
    ``ไลน์``, a title, an English title's hint, a colon, ``พระ`` (a bare monk's title), the address
    words (``HINT_ADDRESS``). Where it does not match, every detector
    returns nothing; where it does, ``detect`` decides. Free text and IDs are mostly distinct per
    row: this keeps ``detect`` to the cells that may hold something."""
    arr = texts if isinstance(texts, pa.Array) else arrow_strings(texts)
    if arr is None:
        return np.array([t is not None for t in texts], dtype=bool)
    return bools(pc.match_substring_regex(arr, _screen_pattern()))


@lru_cache(maxsize=1)
def python_spaces() -> str:
    """The characters Python's ``\\s``, ``str.strip`` and ``str.isspace`` take for whitespace."""
    return "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def re2_spaces() -> str:
    """``python_spaces`` as the body of an RE2 character class (RE2's own ``\\s`` is ASCII only)."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in python_spaces())


@lru_cache(maxsize=1)
def _screen_pattern() -> str:
    """The RE2 pattern of ``screen``."""
    space = re2_spaces()
    digit = "[0-9๐-๙]"
    run = (
        # where _RUN's lookbehinds may let a run start: text start, a character that is no digit,
        # letter, "_" or "-", or a "-" that does not follow a Latin letter
        "(?:^|[^0-9๐-๙A-Za-z_\\-]|(?:^|[^A-Za-z])-)"
        f"(?:\\(?\\+[{space}]?)?\\(?{digit}(?:[().\\-{space}]*{digit}){{8}}"
    )
    titles = "|".join(re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", t) for t in sorted(ALL_TITLES))
    words = "(?i:\\(at\\)|\\[at\\]|\\.com/|\\.me/|line)"
    # "พระ": a monk's name with a bare พระ (names._bare_monks)
    return "|".join([run, "@", words, "ไลน์", ":", "：", HINT_EN_TITLE.pattern, titles, "พระ",
                     HINT_ADDRESS.pattern])


def resolve(candidates: Iterable[Span]) -> list[Span]:
    """Keep the higher-priority, then longer, span where two overlap."""
    chosen: list[Span] = []
    for span in sorted(candidates, key=lambda s: (_PRIORITY[s.kind], s.start - s.end, s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen)


def strip_title(name: str) -> str:
    """``name`` without the titles it starts with (นางสาวสมศรี มีสุข → สมศรี มีสุข)."""
    chain = title_chain(name, 0, guarded=False)
    return name[chain[0]:].strip() if chain else name
