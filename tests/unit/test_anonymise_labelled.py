"""Detector quality on the labelled set: precision and recall per kind stay at or above 0.95.

Behaviour, not timing (speed is measured in bench/pii_detectors.py). See docs/anonymisation.md for
how the set was made and why these numbers are a regression guard, not an independent estimate.
"""

from __future__ import annotations

import pytest

from dgti_data.anonymise.detectors import KINDS
from dgti_data.anonymise.evaluate import evaluate, load_labelled
from dgti_data.settings import PROJECT_ROOT

LABELLED = PROJECT_ROOT / "tests" / "data" / "pii_labelled.jsonl"


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return load_labelled(LABELLED)


def test_the_set_is_big_and_consistent(records: list[dict]) -> None:
    assert len(records) >= 300
    assert sum(1 for r in records if not r["spans"]) >= 100  # hard negatives
    for r in records:
        for s in r["spans"]:
            assert r["text"][s["start"]:s["end"]] == s["text"]
            assert s["kind"] in KINDS
    for kind in KINDS:
        assert sum(s["kind"] == kind for r in records for s in r["spans"]) >= 15, kind


@pytest.mark.parametrize("kind", KINDS)
def test_precision_and_recall_per_kind(records: list[dict], kind: str) -> None:
    ev = evaluate(records)
    score = ev.scores[kind]
    misses = [m for m in ev.misses if m["kind"] == kind]
    alarms = [m for m in ev.false_alarms if m["kind"] == kind]
    assert score.recall >= 0.95, misses
    assert score.precision >= 0.95, alarms


def test_no_false_alarm_on_the_negative_sentences(records: list[dict]) -> None:
    ev = evaluate(r for r in records if r["group"] == "negative")
    assert ev.false_alarms == []
