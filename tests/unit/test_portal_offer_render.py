"""The portal offer's pure parts: version reading and how the offer reads before a dry run's plan."""

from __future__ import annotations

import pytest

from dgti_data.ckan import PortalOffer
from dgti_data.ckan.portal import MIN_CKAN, version_tuple
from dgti_data.publish import render


@pytest.mark.parametrize(("text", "expected"), [
    ("2.11.6", (2, 11, 6)), ("2.12.0", (2, 12, 0)), ("2.9.11", (2, 9, 11)), ("2.12.0a", (2, 12, 0)),
    ("", ()), ("unknown", ()),
])
def test_versions_compare_as_numbers(text: str, expected: tuple[int, ...]) -> None:
    assert version_tuple(text) == expected


def test_old_and_unreadable_versions_are_below_the_minimum_and_2_10_is_not() -> None:
    assert version_tuple("2.9.11") < MIN_CKAN and version_tuple("") < MIN_CKAN
    assert version_tuple("2.10.0") >= MIN_CKAN and version_tuple("2.12.0") >= MIN_CKAN


def _offer(**kw: object) -> PortalOffer:
    base: dict[str, object] = dict(
        url="https://catalog.example.go.th", ckan_version="2.12.0", extensions=frozenset({"datastore"}),
        datastore=True, xloader=True, bulk=False, dcat=True, scheming=True, organization="my-org",
        may_create=True,
    )
    return PortalOffer(**(base | kw))  # type: ignore[arg-type]


def test_the_offer_reads_in_thai_and_english_with_the_load_path() -> None:
    text = render.portal_offer(_offer())
    assert "รุ่น CKAN / CKAN version: 2.12.0" in text
    assert "XLoader: มี / yes" in text and "ckanext-dgti (bulk load): ไม่มี / no" in text
    assert "DCAT: มี / yes" in text and "GD Catalog schema: ครบ / complete" in text
    assert "an XLoader job" in text and "cannot publish" not in text
    without_xloader = render.portal_offer(_offer(xloader=False, extensions=frozenset({"datastore"})))
    assert "datastore_upsert batches" in without_xloader


def test_what_stops_publishing_is_listed_under_the_offer() -> None:
    offer = _offer(missing_fields=("data_category",), may_create=False,
                   problems=("the portal's dataset schema lacks ...: data_category", "the token ..."))
    text = render.portal_offer(offer)
    assert "ขาด / missing: data_category" in text
    assert "may create datasets in my-org: ไม่ได้ / no" in text
    assert text.count("เผยแพร่ไม่ได้ / cannot publish:") == 2 and not offer.usable


def test_the_offer_is_frozen() -> None:
    offer = _offer()
    with pytest.raises(AttributeError):
        offer.bulk = True  # type: ignore[misc]
