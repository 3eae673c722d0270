"""The vectorised Thai-text statistics against their regex definition, block by block."""

from __future__ import annotations

import random
import re

import pytest

from dgti_data.read.encoding import _ThaiStats

# The definition: maximal runs of Thai-block characters, consonants, marks not after a Thai letter.
THAI = re.compile("[\u0e01-\u0e5b]+")
CONSONANT = re.compile("[\u0e01-\u0e2e]")
ORPHAN_MARK = re.compile("(?<![\u0e01-\u0e5b])[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")


def by_regex(blocks: list[str]) -> tuple[int, int, int, int]:
    letters = consonants = in_runs = orphans = 0
    for text in blocks:
        for match in THAI.finditer(text):
            n = len(match.group())
            letters += n
            in_runs += n if n >= 2 else 0
        consonants += len(CONSONANT.findall(text))
        orphans += len(ORPHAN_MARK.findall(text))
    return letters, consonants, in_runs, orphans


ALPHABET = [
    "ก", "ข", "ฮ", "ะ", "\u0e31", "\u0e34", "\u0e3a", "\u0e3f", "\u0e47", "\u0e48", "\u0e4e", "\u0e4f",
    "๙", "\u0e5b", "\u0e00", "\u0e5c", "\u0e7f", "a", " ", "é", ",", "\n", "😀", "\ud800",
]


@pytest.mark.parametrize("seed", range(5))
def test_vectorised_stats_equal_the_regex_definition(seed):
    rng = random.Random(seed)
    for _ in range(200):
        blocks = ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 30)))
                  for _ in range(rng.randrange(1, 4))]
        stats = _ThaiStats()
        for text in blocks:
            stats.feed(text)
        got = (stats.letters, stats.consonants, stats.in_runs, stats.orphan_marks)
        assert got == by_regex(blocks), blocks
