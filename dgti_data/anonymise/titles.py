"""Titles before a person's name: civil, academic, military and police ranks, elected offices."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dgti_data.anonymise.spans import trie_regex

TH_CHAR = "\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e"   # letters, vowels, marks
TH_START = "\u0e01-\u0e2e\u0e40-\u0e44"                            # a word starts with these
TH_WORD = re.compile(f"[{TH_START}][{TH_CHAR}]+")

# Monks' and nuns' titles (a bare "พระ" is handled by the names module: it starts many nouns).
MONK_TITLES = [
    "พระครู", "พระมหา", "พระอธิการ", "พระปลัด", "พระสมุห์", "พระใบฎีกา", "พระครูใบฎีกา",
    "พระครูสมุห์", "พระครูปลัด", "พระครูวินัยธร", "พระครูธรรมธร", "พระวินัยธร", "พระธรรมธร",
    "พระอาจารย์", "พระอาจารย์มหา", "หลวงพ่อ", "หลวงปู่", "หลวงตา", "สามเณร", "แม่ชี",
]
# Full-word titles. Ranks in full; "ว่าที่" (acting) is a prefix to any rank.
_RANK_WORDS = [
    f"{base}{grade}"
    for base in ("ร้อย", "พัน", "พล", "สิบ", "จ่าสิบ", "ร้อยตำรวจ", "พันตำรวจ", "พลตำรวจ", "สิบตำรวจ",
                 "จ่าสิบตำรวจ", "นาวา", "เรือ", "จ่า", "พันจ่า", "นาวาอากาศ", "เรืออากาศ", "พันจ่าอากาศ",
                 "จ่าอากาศ", "พลอากาศ", "พลเรือ")
    for grade in ("ตรี", "โท", "เอก")
]
_WORD_TITLES = [
    "นางสาว", "นาง", "นาย", "เด็กชาย", "เด็กหญิง", "คุณ", "นายแพทย์", "แพทย์หญิง", "ทันตแพทย์หญิง",
    "ทันตแพทย์", "ศาสตราจารย์", "รองศาสตราจารย์", "ผู้ช่วยศาสตราจารย์", "อาจารย์", "กำนัน",
    "ผู้ใหญ่บ้าน", "พระครู", "ดาบตำรวจ", "พลตำรวจ", "ว่าที่", "หม่อมราชวงศ์", "หม่อมหลวง",
    "ท่านผู้หญิง", "คุณหญิง", "จ่าสิบตำรวจ", *_RANK_WORDS, *MONK_TITLES,
]
# Abbreviations with dots. "หญิง" may follow a rank (ร.ต.อ.หญิง).
_DOTTED_TITLES = [
    "น.ส.", "ด.ช.", "ด.ญ.", "ดร.", "ผศ.", "รศ.", "ศ.", "นพ.", "พญ.", "ทพ.", "ทพญ.", "ภก.", "ภญ.",
    "ร.ต.", "ร.ท.", "ร.อ.", "พ.ต.", "พ.ท.", "พ.อ.", "พล.ต.", "พล.ท.", "พล.อ.",
    "ร.ต.ต.", "ร.ต.ท.", "ร.ต.อ.", "พ.ต.ต.", "พ.ต.ท.", "พ.ต.อ.", "พล.ต.ต.", "พล.ต.ท.", "พล.ต.อ.",
    "ด.ต.", "ส.ต.ต.", "ส.ต.ท.", "ส.ต.อ.", "จ.ส.ต.", "จ.ส.ท.", "จ.ส.อ.", "ส.ต.", "ส.ท.", "ส.อ.",
    "น.ต.", "น.ท.", "น.อ.", "พล.ร.ต.", "พล.ร.ท.", "พล.ร.อ.", "พล.อ.ต.", "พล.อ.ท.", "พล.อ.อ.",
    "จ.ต.", "จ.ท.", "จ.อ.", "พ.จ.ต.", "พ.จ.ท.", "พ.จ.อ.", "พลฯ", "ส.ส.", "ส.ว.", "ส.อบต.", "ส.อบจ.",
    "ผญบ.", "ผู้ใหญ่ฯ", "ว่าที่ ร.ต.", "ว่าที่ร.ต.", "อ.ดร.", "อสม.", "ผช.ผญบ.",
]
# Titles that are also the name of a group ("อสม. ลงเยี่ยมบ้าน": the village health volunteers):
# a title only when the name follows without a space.
GLUED_ONLY = frozenset({"อสม.", "ผช.ผญบ."})
# "ศ." also ends other abbreviations (พ.ศ.): after a letter only as "ศ.ดร.". Other dotted titles may
# follow a Thai word directly (โดยดร.…, จากผศ.…) but never another abbreviation's dot.
_SINGLE_LETTER = {"ศ."}
# Word titles that end common words: ขอบคุณ (thank you), ทนาย (lawyer), ทำนาย (predict).
_WORD_GUARDS = {"คุณ": ("ขอบ", "พระ", "บุญ", "ทุน")}
ALL_TITLES = frozenset(_DOTTED_TITLES) | frozenset(_WORD_TITLES)

_TITLE_ANY = re.compile(trie_regex(ALL_TITLES))
_FEMALE = re.compile(f"\\s?หญิง(?=[{TH_START}])")
_NAME_START = re.compile(f"[ \\u00a0]{{0,2}}(?:[{TH_START}]|หญิง)")


def _title_allowed(text: str, start: int, title: str) -> bool:
    """The left-context rules of one title found at ``start``."""
    before = text[start - 1] if start else ""
    if title in _SINGLE_LETTER:
        if before == ".":
            return False
        after_letter = "\u0e01" <= before <= "\u0e2e"
        return not after_letter or re.match(r"\s?ดร\.", text[start + len(title):]) is not None
    if title.endswith(".") or "." in title:
        return before != "."
    if before in ("ท", "ำ"):
        return False
    guards = _WORD_GUARDS.get(title, ())
    return not any(text.endswith(g, 0, start) for g in guards)


def title_chain(text: str, pos: int, guarded: bool = True) -> tuple[int, str] | None:
    """Titles starting exactly at ``pos`` (ผศ.ดร., ว่าที่ ร.ต.…หญิง): their end and the last title."""
    m = _TITLE_ANY.match(text, pos)
    if m is None or m.end() == pos or (guarded and not _title_allowed(text, pos, m.group())):
        return None
    chain = [(m.end(), m.group())]
    while True:
        end = chain[-1][0]
        nxt = _TITLE_ANY.match(text, end + (1 if text[end:end + 1].isspace() else 0))
        if nxt is None or nxt.end() == nxt.start():
            break
        chain.append((nxt.end(), nxt.group()))
    # A name may start with a title word (นายคุณากร): keep the longest chain a name can follow.
    end, last = chain[-1]
    for cand_end, cand_last in reversed(chain):
        if _NAME_START.match(text, cand_end):
            end, last = cand_end, cand_last
            break
    female = _FEMALE.match(text, end)
    if female is not None:  # ranks take "หญิง" for women: ร.ต.อ.หญิง, ว่าที่ร้อยตรีหญิง
        end = female.end()
    return end, last


def iter_titles(text: str) -> Iterator[tuple[int, int, str]]:
    pos = 0
    while True:
        m = _TITLE_ANY.search(text, pos)
        if m is None:
            return
        if m.end() == m.start():
            pos = m.start() + 1
            continue
        chain = title_chain(text, m.start())
        if chain is None:
            pos = m.start() + 1
            continue
        yield m.start(), chain[0], chain[1]
        pos = chain[0]


# What may follow a title without being a name: nouns that start with a title word
