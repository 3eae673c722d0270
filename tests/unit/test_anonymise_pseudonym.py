"""Keyed pseudonyms: stable with one key, different with another, refused without a key."""

from __future__ import annotations

import re

import pytest
from pydantic import SecretStr

from dgti_data.anonymise.pseudonym import PATTERN, Pseudonymiser, canonical
from dgti_data.errors import ConfigurationError

KEY = SecretStr("a-long-test-key-0123456789")
OTHER = SecretStr("another-test-key-9876543210")


def test_same_key_same_pseudonym_across_instances() -> None:
    a, b = Pseudonymiser(KEY), Pseudonymiser(KEY)
    assert a("somchai.j@gmail.com", "contact_email") == b("somchai.j@gmail.com", "contact_email")
    assert re.fullmatch(PATTERN, a("somchai.j@gmail.com", "contact_email"))


def test_pseudonyms_hold_no_digit_and_match_their_pattern() -> None:
    p = Pseudonymiser(KEY)
    values = [p(f"user{i}@example.org", "e") for i in range(2000)]
    assert all(re.fullmatch(PATTERN, v) for v in values)
    assert not any(c.isdigit() for v in values for c in v)
    assert len({v[2:3] for v in values}) == 16  # all 16 letters are used: 64 bits kept
    assert len(set(values)) == len(values)


def test_another_key_another_pseudonym() -> None:
    value = "somchai.j@gmail.com"
    assert Pseudonymiser(KEY)(value, "contact_email") != Pseudonymiser(OTHER)(value, "contact_email")


def test_formatting_does_not_change_the_pseudonym() -> None:
    p = Pseudonymiser(KEY)
    assert p(" Somchai.J@Gmail.com ", "e") == p("somchai.j@gmail.com", "e")
    same = {p("081-234-5678", "t", "phone"), p("๐๘๑ ๒๓๔ ๕๖๗๘", "t", "phone"), p("+66812345678", "t", "phone")}
    assert len(same) == 1
    assert p("a@b.co", "one") != p("a@b.co", "two")  # domains separate fields


def test_no_key_or_short_key_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="DGTI_PSEUDONYMISATION_KEY"):
        Pseudonymiser(None)
    with pytest.raises(ConfigurationError, match="shorter than"):
        Pseudonymiser(SecretStr("short"))


def test_the_key_never_shows() -> None:
    p = Pseudonymiser(KEY)
    assert KEY.get_secret_value() not in repr(p)
    assert len(p.key_id) == 8 and p.key_id != Pseudonymiser(OTHER).key_id


def test_canonical() -> None:
    assert canonical("  Somchai   JAIDEE ") == "somchai jaidee"
    assert canonical("1-1014-00123-45-1", "national_id") == "1101400123451"


def test_example_rows_fill_the_pseudonym_pattern_with_distinct_values() -> None:
    from dgti_data.publish.examples import from_pattern

    values = [from_pattern(PATTERN, n) for n in range(300)]
    assert all(re.fullmatch(PATTERN, v) for v in values)
    assert len(set(values)) == 300
