"""Spans of personal data, and the search helpers the detectors share."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    kind: str



def trie_regex(words: Iterable[str]) -> str:
    """One regex for many literals, as a trie: the engine follows one branch per character
    instead of trying 150 alternatives at every position. Longest match wins (greedy)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


def windows(pattern: re.Pattern[str], text: str, hint: re.Pattern[str], before: int, after: int
             ) -> Iterator[re.Match[str]]:
    """``pattern``'s matches near ``hint``'s: a slow pattern scans a few characters, not the cell."""
    last_end = 0
    for h in hint.finditer(text):
        start = max(last_end, h.start() - before)
        endpos = min(len(text), h.end() + after)
        for m in pattern.finditer(text, start, endpos):
            if m.end() == endpos:  # the window may have cut the match short: match again, uncut
                m = pattern.match(text, m.start()) or m
            if m.start() >= last_end:
                last_end = m.end()
                yield m
