"""Digits: Thai digits folded, national IDs (check digit) and Thai phone numbers in any grouping."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from dgti_data.anonymise.spans import Span

_THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_FOLD = str.maketrans(_THAI_DIGITS, "0123456789")
DIGIT = "[0-9๐-๙]"


_THAI_DIGIT = re.compile("[๐-๙]")
_NOT_DIGIT = re.compile("[^0-9๐-๙]+")


def fold_digits(text: str) -> str:
    """Thai digits to ASCII (other characters unchanged)."""
    return text.translate(_FOLD) if _THAI_DIGIT.search(text) else text


def digits_only(text: str) -> str:
    """The ASCII digits of ``text``, in order: how IDs and phones are compared across formats."""
    return fold_digits(_NOT_DIGIT.sub("", text))


def count_digits(text: str) -> int:
    return len(_NOT_DIGIT.sub("", text))



def national_id_valid(digits: str) -> bool:
    """Thai national ID check digit: (11 - Σ dᵢ·(14-i) mod 11) mod 10, i = 1..12.

    A first digit 0 is a juristic person's or an agency's tax ID (same check digit), not a
    person's: those are published by the agencies themselves."""
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit() or digits[0] == "0":
        return False
    return _check_digit_ok(digits)


def juristic_id(digits: str) -> bool:
    """A 13-digit juristic person's or agency's tax ID: first digit 0, valid check digit."""
    return len(digits) == 13 and digits.isascii() and digits.isdigit() and digits[0] == "0" \
        and _check_digit_ok(digits)


def _check_digit_ok(digits: str) -> bool:
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def phone_kind(digits: str) -> bool:
    """A Thai number in national form: mobile 0[689]+8 digits, fixed 0[2-7]+7 digits."""
    if not digits.startswith("0"):
        return False
    if len(digits) == 10:
        return digits[1] in "689"
    if len(digits) == 9:
        return digits[1] in "234567"
    return False


# --- digit runs: national IDs and phones ----------------------------------------------------

# A run of digit groups joined by one separator ("-", ".", " ", or parentheses around an area
# code), optionally led by "+66". Not inside a word ("DGTi-2564-…", "p_0812…") nor inside a
# number with thousands separators or decimals ("1,250,000", "3.25").
_RUN = re.compile(
    r"(?<![0-9๐-๙A-Za-z_])(?:(?<![0-9๐-๙][.,])|(?=[0๐]))(?<![A-Za-z]-)"
    r"(?P<plus>\(?\+\s?)?"
    r"\(?[0-9๐-๙]+(?:(?:\)\s?|\s?\(|[ .\-]|\s-\s)\(?[0-9๐-๙]+)*\)?"
)
_GROUP = re.compile(DIGIT + "+")
_GROUP_DIGIT = re.compile(DIGIT)


def digit_runs(text: str, known_digits: Mapping[str, str]) -> list[Span]:
    spans: list[Span] = []
    for run in _runs(text):
        if len(_GROUP_DIGIT.findall(run.group())) < 9:
            continue
        groups = [(m.start() + run.start(), m.end() + run.start(), fold_digits(m.group()))
                  for m in _GROUP.finditer(run.group())]
        whole = "".join(g[2] for g in groups)
        if juristic_id(whole) and whole not in known_digits:
            continue  # an agency's tax ID in any grouping: no phone inside it either
        i = 0
        if run.group("plus") is not None:
            span = _international(text, run, groups)
            if span is not None:
                spans.append(span)
                i = len(groups)
        while i < len(groups):
            best: tuple[int, str] | None = None
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j][2]
                if len(digits) > 13:
                    break
                kind = known_digits.get(digits)
                if kind is None and national_id_valid(digits):
                    kind = "national_id"
                elif kind is None and phone_kind(digits):
                    kind = "phone"
                if kind is not None:
                    best = (j, kind)
            if best is None:
                i += 1
                continue
            j, kind = best
            start, end = groups[i][0], groups[j][1]
            # "(02) 123 4567": the area code's parentheses belong to the number; "(081-234-5678)"
            # wrapping a whole number stays around the placeholder.
            if start > run.start() and text[start - 1] == "(" and ")" in text[start:end]:
                start -= 1
            spans.append(Span(start, end, kind))
            i = j + 1
    return spans


def _runs(text: str) -> Iterator[re.Match[str]]:
    """``_RUN.finditer(text)``, searching only from 4 characters before the next digit: a run starts
    at most "(+ (" before its first digit, so no match is skipped (lookbehinds still see the text
    before the search position)."""
    pos = 0
    while (digit := _GROUP_DIGIT.search(text, pos)) is not None:
        run = _RUN.search(text, max(pos, digit.start() - 4))
        if run is None:
            return
        yield run
        pos = run.end()


def _international(text: str, run: re.Match[str], groups: list[tuple[int, int, str]]) -> Span | None:
    """``+66 81 234 5678``, ``+66 (0) 2 123 4567``: 66 then the number without its leading 0."""
    digits = "".join(g[2] for g in groups)
    if not digits.startswith("66"):
        return None
    local = digits[2:]
    if local.startswith("0"):  # the "(0)" some people write
        local = local[1:]
    if not phone_kind("0" + local):
        return None
    end = groups[-1][1]
    return Span(run.start(), end, "phone")

