"""Thai keywords: published where the portal accepts them, dropped with a warning where it does not."""

from __future__ import annotations

from typing import Any

import pytest

from dgti_data.ckan import CallCounter
from dgti_data.publish.portal import Portal
from dgti_data.publish.tags import drop_refused_tags, refused_character, refused_warnings, stock_refuses


class StatusPortal:
    """A portal client that only answers ``status_show`` (what the tag decision may ask)."""

    url = "http://portal.invalid"

    def __init__(self, extensions: list[str]) -> None:
        self.counter = CallCounter()
        self._extensions = frozenset(extensions)
        self.asked = 0

    def extensions(self) -> frozenset[str]:
        self.asked += 1
        return self._extensions


def _pkg(*tags: str) -> dict[str, Any]:
    return {"tag_string": ",".join(tags)}


@pytest.mark.parametrize("tag", ["ท้องถิ่น", "ดิจิทัล", "ผู้สูงอายุ", "ข้อมูล"])
def test_stock_ckan_refuses_thai_marks(tag: str) -> None:
    assert stock_refuses(tag) and refused_character(tag) is None


@pytest.mark.parametrize("tag", ["ประชากร", "PM2.5", "Local Digital", "open_data", "co-op"])
def test_stock_ckan_accepts_these(tag: str) -> None:
    assert not stock_refuses(tag) and refused_character(tag) is None


@pytest.mark.parametrize(("tag", "bad"), [("a/b", "/"), ("x,y", ","), ("<b>", "<"), ("ราคา฿", "฿")])
def test_no_portal_accepts_these(tag: str, bad: str) -> None:
    assert refused_character(tag) == bad


def test_a_stock_portal_gets_the_rest_and_the_plan_says_which_were_dropped() -> None:
    client = StatusPortal(["datastore"])
    pkg = _pkg("DGTi", "ท้องถิ่น", "อปท", "ดิจิทัล")
    refused = drop_refused_tags(pkg, Portal(client), None)  # type: ignore[arg-type]
    assert refused == ["ดิจิทัล", "ท้องถิ่น"]
    assert pkg["tag_string"] == "DGTi,อปท"
    (warning,) = refused_warnings(refused)
    assert "ดิจิทัล" in warning and "ท้องถิ่น" in warning


def test_a_portal_with_dgti_thai_keeps_every_tag() -> None:
    pkg = _pkg("DGTi", "ท้องถิ่น")
    assert drop_refused_tags(pkg, Portal(StatusPortal(["dgti_thai"])), None) == []  # type: ignore[arg-type]
    assert pkg["tag_string"] == "DGTi,ท้องถิ่น" and refused_warnings([]) == []


def test_tags_the_dataset_already_carries_ask_nothing() -> None:
    client = StatusPortal([])
    existing = {"tags": [{"name": "ท้องถิ่น"}, {"name": "DGTi"}]}
    assert drop_refused_tags(_pkg("DGTi", "ท้องถิ่น"), Portal(client), existing) == []  # type: ignore[arg-type]
    assert client.asked == 0
