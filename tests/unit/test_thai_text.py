"""Every Thai text a steward or citizen reads (schemas, the published schemas built from them, the
report's templates and labels) holds only Thai, Latin, digits and punctuation, and says nothing twice.

A stray character from another script (a CJK ideograph pasted into a Thai word) renders as a
glyph from another font and reads as a typo; a phrase repeated because a generated note was
appended to a description that already said it reads as a bug. Both were seen by stewards.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator

import pytest

from dgti_data.anonymise.policy import published_schema
from dgti_data.anonymise.report import KIND_LABELS, TREATMENT_LABELS
from dgti_data.datasets import load_catalog
from dgti_data.report.explain import TYPE_LABELS
from dgti_data.report.summary import NORMALISER_LABELS
from dgti_data.settings import PROJECT_ROOT

SCHEMAS = PROJECT_ROOT / "schemas"
TEMPLATES = PROJECT_ROOT / "dgti_data" / "report" / "templates"
THAI = re.compile(r"[\u0e00-\u0e7f]")
# A run of Thai without spaces this long is a phrase, not a common word: said twice, it is a repeat.
THAI_RUN = re.compile(r"[\u0e00-\u0e7f]{10,}")


def strange_characters(text: str) -> list[str]:
    """Characters outside Thai, ASCII, punctuation, symbols and spaces: letters, digits or marks of
    another script."""
    out = []
    for ch in text:
        if ch.isascii() or "\u0e00" <= ch <= "\u0e7f":
            continue
        if unicodedata.category(ch)[0] in "PSZ":  # “ ” … · → × and no-break spaces
            continue
        out.append(f"{ch!r} U+{ord(ch):04X} {unicodedata.name(ch, '?')}")
    return out


def repeated_phrases(text: str) -> list[str]:
    """Long Thai runs that occur again in the same text, alone or inside another run."""
    runs = THAI_RUN.findall(text)
    all_runs = re.findall(r"[\u0e00-\u0e7f]+", text)
    return sorted({r for r in runs if sum(other.count(r) for other in all_runs) > 1})


def strings(doc: object, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(doc, str):
        yield where, doc
    elif isinstance(doc, dict):
        for k, v in doc.items():
            if k != "pattern":  # a regular expression lists alternatives: not prose
                yield from strings(v, f"{where}.{k}")
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from strings(v, f"{where}[{i}]")


def thai_texts() -> list[tuple[str, str]]:
    texts: list[tuple[str, str]] = []
    for path in sorted(SCHEMAS.rglob("*.json")):
        texts += strings(json.loads(path.read_text(encoding="utf-8")), path.name)
    catalog = load_catalog(SCHEMAS)
    for name in catalog.names():
        texts += strings(published_schema(catalog.get(name)), f"published {name}")
    for path in sorted(TEMPLATES.glob("*.j2")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            # the text between tags: a line of markup holds several separate labels
            texts += [(f"{path.name}:{n}", t) for t in re.split(r"<[^>]*>|\{[{%].*?[%}]\}", line)]
    for table_name, table in (("NORMALISER_LABELS", NORMALISER_LABELS), ("TYPE_LABELS", TYPE_LABELS),
                              ("TREATMENT_LABELS", TREATMENT_LABELS), ("KIND_LABELS", KIND_LABELS)):
        texts += [(f"{table_name}[{k}]", th) for k, (th, _en) in table.items()]
    return [(where, text) for where, text in texts if THAI.search(text)]


TEXTS = thai_texts()


def test_the_texts_are_found() -> None:
    """The checks below run over the texts that matter: the schemas' and the published notes."""
    wheres = " ".join(w for w, _ in TEXTS)
    assert len(TEXTS) > 200
    assert "published lao-digital-readiness-survey" in wheres and "report.html.j2" in wheres


@pytest.mark.parametrize("rule", [strange_characters, repeated_phrases], ids=["script", "repeat"])
def test_thai_texts(rule) -> None:
    bad = [f"{where}: {found} in {text!r}" for where, text in TEXTS if (found := rule(text))]
    assert not bad, "\n".join(bad)


def test_the_rules_catch_what_stewards_saw() -> None:
    seen = "อายุของผู้ตอบ เผย分พร่เป็นช่วงอายุ เผยแพร่เป็นช่วง (ต่ำกว่า 30, 30-44)"
    assert strange_characters(seen) == ["'分' U+5206 CJK UNIFIED IDEOGRAPH-5206"]
    assert repeated_phrases("อายุของผู้ตอบ เผยแพร่เป็นช่วงอายุ เผยแพร่เป็นช่วง (ต่ำกว่า 30)") == ["เผยแพร่เป็นช่วง"]
    assert not strange_characters("“ชื่อ” → ๑๒๓ · 12,345 … ×") and not repeated_phrases("เผยแพร่ เผยแพร่")
