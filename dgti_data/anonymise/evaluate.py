"""Scoring the detectors against a labelled set: span-level exact match, per kind.

Exact match is strict on purpose: a name found without its surname leaves the surname in the
text, so it counts as a miss (and the shorter span as a false positive).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dgti_data.anonymise.detectors import KINDS, detect


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Evaluation:
    scores: dict[str, Score]
    sentences: int
    misses: list[dict[str, Any]] = field(default_factory=list)
    false_alarms: list[dict[str, Any]] = field(default_factory=list)
    clean: int = 0          # sentences without any labelled span
    clean_changed: int = 0  # of those, sentences where the detectors found something

    @property
    def total(self) -> Score:
        return Score(*(sum(getattr(s, a) for s in self.scores.values()) for a in ("tp", "fp", "fn")))


def load_labelled(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate(records: Iterable[dict[str, Any]]) -> Evaluation:
    scores = {kind: Score() for kind in KINDS}
    clean = clean_changed = 0
    misses: list[dict[str, Any]] = []
    false_alarms: list[dict[str, Any]] = []
    n = 0
    for rec in records:
        n += 1
        text = rec["text"]
        gold = {(s["start"], s["end"], s["kind"]) for s in rec["spans"]}
        found = {(s.start, s.end, s.kind) for s in detect(text)}
        if not gold:
            clean += 1
            clean_changed += bool(found)
        for _start, _end, kind in gold & found:
            scores[kind].tp += 1
        for start, end, kind in gold - found:
            scores.setdefault(kind, Score()).fn += 1  # a kind no detector has yet
            misses.append({"id": rec["id"], "kind": kind, "text": text[start:end]})
        for start, end, kind in found - gold:
            scores[kind].fp += 1
            false_alarms.append({"id": rec["id"], "kind": kind, "text": text[start:end]})
    return Evaluation(scores, n, misses, false_alarms, clean, clean_changed)
