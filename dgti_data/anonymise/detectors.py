"""Detectors of personal data in Thai and English free text.

Each detector returns spans with a kind; ``detect`` merges them without overlaps. They are rules,
not a model (no model can be downloaded here, and rules can be audited line by line). Digits are
matched with explicit classes (``[0-9๐-๙]``): Python's ``\\d`` also matches other scripts' digits.

Choices worth knowing (see docs/anonymisation.md):
- a 13-digit number is a national ID only when its check digit is valid;
- every Thai phone number is redacted, an LAO office line included: text cannot tell an office
  line from a private one, and office numbers are published on the LAO's own website anyway;
- every e-mail address is redacted, for the same reason;
- LINE IDs after a LINE keyword are personal, LINE *Official Account* handles (``LINE OA @x``,
  ``line.me/R/ti/p/@x``, ``lin.ee/…``) are the LAO's and are kept;
- a social-network URL with a path (facebook.com/…, tiktok.com/@…) is treated as personal: a
  person's profile and an LAO page cannot be told apart; LAO websites (``*.go.th``) are kept;
- names are found after titles (นาย, น.ส., ดร., ร.ต.อ., Mr., …) and after contact labels
  (``ผู้ประสานงาน: …``); a name without any title or label is not found.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dgti_data.anonymise.columns import arrow_strings, bools

KINDS = ("national_id", "phone", "email", "line_id", "url_handle", "name")

PLACEHOLDERS = {
    "national_id": "[เลขบัตรประชาชน]",
    "phone": "[โทรศัพท์]",
    "email": "[อีเมล]",
    "line_id": "[ไลน์ไอดี]",
    "url_handle": "[ลิงก์ส่วนบุคคล]",
    "name": "[ชื่อบุคคล]",
}

# Overlapping spans: the more certain kind wins (an ID with a valid check digit beats a phone).
_PRIORITY = {
    kind: i for i, kind in enumerate(("national_id", "email", "url_handle", "phone", "line_id", "name"))
}

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


@dataclass(frozen=True, order=True)
class Span:
    start: int
    end: int
    kind: str


def national_id_valid(digits: str) -> bool:
    """Thai national ID check digit: (11 - Σ dᵢ·(14-i) mod 11) mod 10, i = 1..12."""
    if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
        return False
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


def _digit_runs(text: str, known_digits: Mapping[str, str]) -> list[Span]:
    spans: list[Span] = []
    for run in _runs(text):
        if len(_GROUP_DIGIT.findall(run.group())) < 9:
            continue
        groups = [(m.start() + run.start(), m.end() + run.start(), fold_digits(m.group()))
                  for m in _GROUP.finditer(run.group())]
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


# --- e-mail, LINE, social URLs --------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*"
    r"(?:@|\s?\[at\]\s?|\s?\(at\)\s?)"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}"
    r"(?![A-Za-z0-9\-])"
)

_URL_TAIL = r"[A-Za-z0-9._~%?=&/@+\-]*[A-Za-z0-9_~/=@\-]"
_SOCIAL = re.compile(
    r"(?<![A-Za-z0-9.\-])(?:https?://)?(?:(?:www|m|web|mobile|th-th|th)\.)?"
    r"(?:facebook\.com|fb\.com|fb\.me|instagram\.com|tiktok\.com|twitter\.com|x\.com|youtube\.com"
    r"|linkedin\.com/in|github\.com)"
    r"/(?!watch\b|embed\b|playlist\b)(?P<path>" + _URL_TAIL + ")",
    re.IGNORECASE,
)
_LINE_URL = re.compile(
    r"(?<![A-Za-z0-9.\-])(?:https?://)?line\.me/(?:R/)?ti/p/(?P<handle>(?:~|%7E)?[A-Za-z0-9._\-]+|(?:@|%40)[A-Za-z0-9._\-]+)",
    re.IGNORECASE,
)
_LINE_KEYWORD = re.compile(
    r"(?:(?<![A-Za-z])(?:ID\s*)?LINE(?:\s*ID)?(?![A-Za-z])|ไอดีไลน์|ไลน์ไอดี|(?:ID\s*)?(?<!ออน)ไลน์(?:\s*ID)?)"
    r"(?:\s*(?:ส่วนตัว|ส่วนบุคคล))?"
    r"(?P<oa>\s*(?:OA|Official(?:\s*Account)?|โอเอ|@?ทางการ)(?![A-Za-z]))?"
    r"(?P<sep>\s*[:：]\s*|\s+)"
    r"(?P<handle>@?[A-Za-z0-9][A-Za-z0-9._\-]{1,29})",
    re.IGNORECASE,
)
_LINE_NOT_HANDLE = {
    "oa", "official", "notify", "id", "pay", "man", "group", "groups", "app", "api", "today",
    "messaging", "chatbot", "bot", "liff", "shopping", "official account", "works", "login",
    "and", "or", "the", "to", "for", "of", "in", "on", "at", "by", "with", "is", "are",
    "account", "channel", "sticker", "stickers", "call", "chat", "open", "openchat",
}


def _line_ids(text: str) -> list[Span]:
    spans: list[Span] = []
    for m in _LINE_URL.finditer(text) if "line.me" in text.lower() else ():
        handle = m.group("handle")
        if handle.startswith(("@", "%40")):
            continue  # an Official Account: the LAO's channel
        spans.append(Span(m.start(), m.end(), "line_id"))
    for m in _windows(_LINE_KEYWORD, text, _HINT_LINE, 8, 60):
        if m.group("oa"):
            continue
        handle = m.group("handle").rstrip("._-")
        if handle.lower().lstrip("@") in _LINE_NOT_HANDLE:
            continue
        has_colon = ":" in m.group("sep") or "：" in m.group("sep")
        keyword = m.group(0)[: m.start("sep") - m.start()]
        says_id = bool(re.search(r"ID|ไอดี", keyword, re.IGNORECASE))
        thai_keyword = "ไลน์" in keyword  # "ไลน์ somchai": a Latin word after the Thai keyword is a handle
        if not (has_colon or says_id or thai_keyword or handle.startswith("@")):
            continue
        if handle.isdigit() or re.fullmatch(r"@?[0-9]+", handle):
            continue  # a number after "LINE:" is a phone: the phone detector decides
        spans.append(Span(m.start("handle"), m.start("handle") + len(handle), "line_id"))
    return spans


def _windows(pattern: re.Pattern[str], text: str, hint: re.Pattern[str], before: int, after: int
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


def _social(text: str) -> list[Span]:
    out = []
    for m in _SOCIAL.finditer(text):
        end = m.end()
        while end > m.start("path") and text[end - 1] in ".,)/":
            end -= 1
        if end - m.start("path") < 2:
            continue  # facebook.com/ alone names nobody
        out.append(Span(m.start(), end, "url_handle"))
    return out


# --- names after titles -------------------------------------------------------------------------

_TH_CHAR = "\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e"   # letters, vowels, marks
_TH_START = "\u0e01-\u0e2e\u0e40-\u0e44"                            # a word starts with these
_TH_WORD = re.compile(f"[{_TH_START}][{_TH_CHAR}]+")

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
    "ท่านผู้หญิง", "คุณหญิง", "จ่าสิบตำรวจ", *_RANK_WORDS,
]
# Abbreviations with dots. "หญิง" may follow a rank (ร.ต.อ.หญิง).
_DOTTED_TITLES = [
    "น.ส.", "ด.ช.", "ด.ญ.", "ดร.", "ผศ.", "รศ.", "ศ.", "นพ.", "พญ.", "ทพ.", "ทพญ.", "ภก.", "ภญ.",
    "ร.ต.", "ร.ท.", "ร.อ.", "พ.ต.", "พ.ท.", "พ.อ.", "พล.ต.", "พล.ท.", "พล.อ.",
    "ร.ต.ต.", "ร.ต.ท.", "ร.ต.อ.", "พ.ต.ต.", "พ.ต.ท.", "พ.ต.อ.", "พล.ต.ต.", "พล.ต.ท.", "พล.ต.อ.",
    "ด.ต.", "ส.ต.ต.", "ส.ต.ท.", "ส.ต.อ.", "จ.ส.ต.", "จ.ส.ท.", "จ.ส.อ.", "ส.ต.", "ส.ท.", "ส.อ.",
    "น.ต.", "น.ท.", "น.อ.", "พล.ร.ต.", "พล.ร.ท.", "พล.ร.อ.", "พล.อ.ต.", "พล.อ.ท.", "พล.อ.อ.",
    "จ.ต.", "จ.ท.", "จ.อ.", "พ.จ.ต.", "พ.จ.ท.", "พ.จ.อ.", "พลฯ", "ส.ส.", "ส.ว.", "ส.อบต.", "ส.อบจ.",
    "ผญบ.", "ผู้ใหญ่ฯ", "ว่าที่ ร.ต.", "ว่าที่ร.ต.", "อ.ดร.",
]
# "ศ." also ends other abbreviations (พ.ศ.): after a letter only as "ศ.ดร.". Other dotted titles may
# follow a Thai word directly (โดยดร.…, จากผศ.…) but never another abbreviation's dot.
_SINGLE_LETTER = {"ศ."}
# Word titles that end common words: ขอบคุณ (thank you), ทนาย (lawyer), ทำนาย (predict).
_WORD_GUARDS = {"คุณ": ("ขอบ", "พระ", "บุญ", "ทุน")}
_ALL_TITLES = frozenset(_DOTTED_TITLES) | frozenset(_WORD_TITLES)


def _trie_regex(words: Iterable[str]) -> str:
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


_TITLE_ANY = re.compile(_trie_regex(_ALL_TITLES))
_FEMALE = re.compile(f"\\s?หญิง(?=[{_TH_START}])")
_NAME_START = re.compile(f"[ \\u00a0]{{0,2}}(?:[{_TH_START}]|หญิง)")


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


def _title_chain(text: str, pos: int, guarded: bool = True) -> tuple[int, str] | None:
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


def _iter_titles(text: str) -> Iterator[tuple[int, int, str]]:
    pos = 0
    while True:
        m = _TITLE_ANY.search(text, pos)
        if m is None:
            return
        if m.end() == m.start():
            pos = m.start() + 1
            continue
        chain = _title_chain(text, m.start())
        if chain is None:
            pos = m.start() + 1
            continue
        yield m.start(), chain[0], chain[1]
        pos = chain[0]


# What may follow a title without being a name: nouns that start with a title word
# (นายก, นายอำเภอ, นางพยาบาล, คุณภาพ, …) and words that start the rest of a sentence.
_NOT_NAME_AFTER = {
    "นาย": ("กเทศ", "กองค์", "กอบ", "กฯ", "กรัฐ", "กสมาคม", "กสภา", "กสโมสร", "กเมือง", "กพัทยา",
            "กชมรม", "กสมาพันธ์", "กสมาชิก", "กตำบล", "กก", "อำเภอ", "ช่าง", "ทะเบียน", "จ้าง", "หน้า",
            "ตรวจ", "สิบ", "ร้อย", "พัน", "พล", "ทุน", "ท้าย", "ประกัน", "ด่าน", "พราน", "งาน", "ทหาร",
            "ตำรวจ", "กอง", "เรือ", "ห้าง", "ประตู", "สถานี", "ท่า", "ท่าน", "ตลาด", "บ้าน", "ธนาคาร",
            "กองร้อย", "วง", "ม้า", "โรง"),
    "นาง": ("พยาบาล", "งาม", "ฟ้า", "เอก", "แบบ", "กวัก", "เลิ้ง", "สนม", "ใน", "ข้าหลวง", "ร้าย", "รำ",
            "ไม้", "พญา", "ละคร", "ผีเสื้อ", "เงือก", "ชี", "ฟ้อน", "รอง"),
    "นางสาว": ("ไทย",),
    "คุณ": ("ภาพ", "ค่า", "สมบัติ", "ธรรม", "ประโยชน์", "ลักษณะ", "วุฒิ", "ความ", "พ่อ", "แม่", "ป้า",
            "ลุง", "ยาย", "ตา", "ครู", "หมอ", "ภาพชีวิต", "งาม", "ประการ", "ากร", "ท่าน", "พระ", "ปู่",
            "ย่า", "น้า", "อา", "หนู", "ครับ", "ค่ะ", "คะ", "คือ", "เป็น"),
    "อาจารย์": ("ผู้", "ประจำ", "ที่", "มหาวิทยาลัย", "จาก", "ใหญ่", "พิเศษ", "และ", "นิเทศ", "สอน",
                "ของ", "ใน"),
    "กำนัน": ("ตำบล", "และ", "ผู้", "ทุก", "ใน", "ของ", "ต."),
    "ผู้ใหญ่บ้าน": ("หมู่", "ม.", "และ", "ทุก", "ใน", "ของ", "บ้าน", "ผู้", "ตำบล"),
    "ว่าที่": ("ผู้", "ปลัด", "นายก", "ประธาน", "หัวหน้า", "ผอ", "ผู้อำนวยการ", "พนักงาน", "เจ้าหน้าที่",
               "สมาชิก", "การ", "ส.", "นัก"),
}
# Words that start the rest of a sentence, not a name (checked at the start of a name word).
# Only words no common surname starts with: "ร่วมกับ", not "ร่วม" (ร่วมใจ is a surname).
_STOP_START = (
    "เป็น", "ได้", "และ", "ซึ่ง", "ที่", "ผู้", "ตำแหน่ง", "โทร", "อีเมล", "ไลน์", "เบอร์", "หัวหน้า",
    "ปลัด", "นายก", "รองปลัด", "ผอ", "ผู้อำนวยการ", "นักวิชาการ", "เจ้าหน้าที่", "เจ้าพนักงาน", "กับ",
    "จาก", "ให้", "ร่วมกับ", "ร่วมมือ", "ร่วมกัน", "ร่วมเป็น", "พร้อมกับ", "พร้อมด้วย", "พร้อมทั้ง",
    "ประธาน", "หรือ", "กล่าว", "สังกัด", "จึง", "ก็", "ยังไม่", "ยังคง", "เพื่อ", "ว่า", "เข้า", "เมื่อ",
    "คือ", "ดูแล", "รับผิดชอบ", "รับเรื่อง", "ประสานงาน", "พัฒนา", "หมู่", "ม.", "อายุ", "อยู่ที่",
    "อยู่บ้าน", "อยู่ระหว่าง", "แจ้งว่า", "แจ้งให้", "บอกว่า", "ติดต่อ", "โดย", "อบต", "อบจ", "เทศบาล",
    "องค์การ", "ตำบล", "อำเภอ", "จังหวัด", "ต.", "อ.", "จ.", "เลข", "สำนัก", "กองช่าง", "กองคลัง",
    "กองการ", "กองสาธารณสุข", "กองยุทธศาสตร์", "กองสวัสดิการ", "กองทุน", "ฝ่าย", "งาน", "ศูนย์", "เพศ",
    "ทั้ง", "ทุก", "ส่วน", "นำเสนอ", "นำมา", "เสนอ", "ขอ", "ช่วยเหลือ", "ช่วยงาน", "ออกแบบ", "สร้าง",
    "คิดค้น", "ริเริ่ม", "เจ้าของ", "เคย", "ปัจจุบัน", "วันที่", "ของ", "ครับ", "ค่ะ", "คะ", "นะครับ",
    "นะคะ", "ไม่", "ต้อง", "กำลัง", "เพิ่ง", "ถูก", "มอบ", "ชื่อ", "นามสกุล", "เอง", "ท่าน", "ซอย",
    "ถนน", "บ้านเลขที่", "หน่วย", "โรงเรียน", "โรงพยาบาล", "คณะ", "ชมรม", "กลุ่ม", "สภา", "สมาชิก",
    "พนักงาน", "ลูกจ้าง", "เกษตรกร", "ประชาชน", "ชาวบ้าน", "ร.พ", "รพ", "อสม", "ฯ",
)
# Short words that are a stop only as a whole word (ปีติ and ในเมือง may be names).
_STOP_WORD = re.compile("(?:ปี|ใน|ทาง|จะ|วัด)(?![\u0e01-\u0e4e])")
# Inside a word without spaces: where a name stops and the sentence goes on.
_STOP_INSIDE = (
    "เป็น", "ได้", "และ", "ซึ่ง", "ที่", "ผู้", "ตำแหน่ง", "โทร", "อีเมล", "ไลน์", "เบอร์", "ให้", "จาก",
    "หัวหน้า", "ปลัด", "นายก", "ประธาน", "เจ้าหน้าที่", "นักวิชาการ", "ผู้อำนวยการ", "สังกัด", "จึง",
    "เพื่อ", "เมื่อ", "คือ", "รับผิดชอบ", "ประสานงาน", "กล่าว", "ทำหน้าที่", "ติดต่อ", "อายุ", "เลขที่",
    "ในการ", "กับ", "ก็", "ของ", "ครับ", "ค่ะ", "ภายใน", "คนเดียว", "วันที่", "เท่านั้น", "เพียง",
    "แล้ว",
)
_STOP_INSIDE_ANY = re.compile(_trie_regex(_STOP_INSIDE))
# Place-name words that a title word may start (บ้านนางเหลือง): a lone word after them is a place.
_PLACE_BEFORE = re.compile(
    "(?:บ้าน|ตำบล|ต\\.|อำเภอ|อ\\.|จังหวัด|จ\\.|ห้วย|หนอง|ดอน|ท่า|บาง|ทุ่ง|วัง|อ่าว|หาด|เกาะ|ลำ|แม่|"
    "กอง|ภู|โคก|คลอง|บึง|เขา|ถนน|ซอย|วัด|โรงเรียน|ชุมชน|หมู่บ้าน|อบต\\.|ทต\\.|ทม\\.|เทศบาลตำบล|"
    "เทศบาลเมือง|เทศบาลนคร|ที่ทำการ|สำนักงาน|ที่ว่าการ|สะพาน|ตลาด|โพน|หมอน|กุด|โนน|บุ่ง|ซับ|เนิน|แหลม)"
    "\\s?$"
)

_EN_TITLE = re.compile(
    r"(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Dr|Prof|Assoc\.?\s?Prof|Asst\.?\s?Prof|MR|MRS|MS|DR)(?:\.\s*|\s+)"
    r"(?:Dr\.?\s*)?"
    r"(?P<name>[A-Z][A-Za-z'\-]+(?:\s+[A-Z][A-Za-z'\-]+)?"
    f"|[{_TH_START}][{_TH_CHAR}]+(?:\\s[{_TH_START}][{_TH_CHAR}]+)?)"
)
_EN_NOT_NAME = {"Excel", "Word", "Universe", "Thailand", "Smart", "The", "This", "That"}

_CONTACT_LABEL = re.compile(
    r"(?:ผู้ประสานงาน(?:โครงการ)?|ผู้ติดต่อ|ผู้รับผิดชอบ(?:โครงการ)?|ชื่อผู้ติดต่อ|ชื่อผู้ประสานงาน|"
    r"ชื่อ\s?-\s?(?:นาม)?สกุล|ชื่อผู้ตอบ(?:แบบสำรวจ)?|ผู้ให้ข้อมูล|ผู้กรอกข้อมูล|"
    r"(?<![A-Za-z])[Cc]ontact(?:\s[Pp]erson)?|(?<![A-Za-z])[Cc]oordinator)\s*[:：]\s*"
)
_BARE_NAME_EN = re.compile(r"[A-Z][a-z'\-]+\s+[A-Z][A-Za-z'\-]+")


@lru_cache(maxsize=1)
def _places() -> re.Pattern[str] | None:
    """LAO, district and province names that contain a title word (อ.นางรอง, อบต.นางแล, นครนายก).

    One trie regex: at each position it takes the longest name, as an alternation of the names
    longest first would, without trying every name at every position."""
    names = place_names()
    return re.compile(_trie_regex(names)) if names else None


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    from dgti_data.settings import PROJECT_ROOT

    ref = PROJECT_ROOT / "schemas" / "reference"
    names: set[str] = set()
    for file, column in (("lao-registry.csv", "name_th"), ("districts.csv", "name_th"),
                         ("provinces.csv", "name_th")):
        path: Path = ref / file
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                name = row.get(column) or ""
                if next(_iter_titles(name), None) is not None:
                    names.add(name)
    return frozenset(names)


def _name_word(text: str, pos: int) -> tuple[int, int] | None:
    """The Thai word starting at ``pos``, cut where the sentence visibly goes on."""
    m = _TH_WORD.match(text, pos)
    if m is None:
        return None
    word = m.group()
    stop = _STOP_INSIDE_ANY.search(word, 2)  # the first place any stop word starts
    cut = stop.start() if stop is not None else len(word)
    if cut < 2:
        return None
    return pos, pos + cut


def _is_place(text: str, hit: re.Match[str]) -> bool:
    """A gazetteer hit is a place unless it could be a title and a longer name (นายม in นายมงคล)."""
    title = _title_chain(text, hit.start())
    if title is None:
        return True
    if title[0] >= hit.end() - 1:
        # the place starts with a title and at most one letter follows it: need more evidence
        return bool(
            _PLACE_BEFORE.search(text[max(0, hit.start() - 12):hit.start()])
            or not re.match("[\u0e01-\u0e4e]", text[hit.end():hit.end() + 1])
        )
    return True


def _names(text: str) -> list[Span]:
    spans: list[Span] = []
    titles = list(_iter_titles(text))
    places = _places() if titles else None
    hits = places.finditer(text) if places else ()
    place_spans = [(m.start(), m.end()) for m in hits if _is_place(text, m)]
    for t_start, t_end, last in titles:
        if any(a <= t_start < b for a, b in place_spans):
            continue
        pos = t_end
        while pos < len(text) and pos - t_end < 2 and text[pos] in " \u00a0":
            pos += 1
        rest = text[pos:pos + 20]
        if rest.startswith(_NOT_NAME_AFTER.get(last, ())) or _stops(rest):
            continue
        given = _name_word(text, pos)
        if given is None:
            continue
        end = given[1]
        surname = None
        whole = _TH_WORD.match(text, pos)
        if whole is not None and whole.end() == end:  # the given name was not cut: a surname may follow
            sgap = re.match(r"[ \u00a0]{1,2}", text[end:])
            if sgap:
                spos = end + sgap.end()
                if not _stops(text[spos:spos + 20]) and _title_chain(text, spos, guarded=False) is None:
                    surname = _name_word(text, spos)
        if surname is None and _PLACE_BEFORE.search(text[max(0, t_start - 12):t_start]):
            continue  # บ้านนางเหลือง: a village, not Mrs Lueang
        spans.append(Span(t_start, surname[1] if surname else end, "name"))
    for m in _EN_TITLE.finditer(text) if _HINT_EN_TITLE.search(text) else ():
        if m.group("name").split()[0] in _EN_NOT_NAME:
            continue
        spans.append(Span(m.start(), m.end("name"), "name"))
    for m in _CONTACT_LABEL.finditer(text) if (":" in text or "：" in text) else ():
        if _title_chain(text, m.end(), guarded=False) is not None:
            continue  # the title detector takes it
        span = _bare_name(text, m.end())
        if span is not None:
            spans.append(span)
    return spans


def _bare_name(text: str, pos: int) -> Span | None:
    """A name right after a contact label: two Thai words (given, surname) or two capitalised words."""
    en = _BARE_NAME_EN.match(text, pos)
    if en is not None:
        return Span(pos, en.end(), "name")
    if _stops(text[pos:pos + 20]):
        return None
    given = _name_word(text, pos)
    whole = _TH_WORD.match(text, pos)
    if given is None or whole is None or whole.end() != given[1]:
        return None  # "ผู้ประสานงาน: ปลัดเทศบาล…" is a sentence, not a name
    sgap = re.match(r"[ \u00a0]{1,2}", text[given[1]:])
    if sgap is None:
        return None
    spos = given[1] + sgap.end()
    if _stops(text[spos:spos + 20]):
        return None
    surname = _name_word(text, spos)
    return Span(pos, surname[1], "name") if surname else None


def _stops(rest: str) -> bool:
    return rest.startswith(_STOP_START) or _STOP_WORD.match(rest) is not None


# --- all together --------------------------------------------------------------------------------


# Cheap tests that let a detector skip text it cannot match: most cells have no personal data.
_HINT_LINE = re.compile(r"line|ไลน์", re.IGNORECASE)
_HINT_EN_TITLE = re.compile(r"M[Rr]|M[Ss]|Miss|D[Rr]|Prof|Ass")


def detect(text: str, known_digits: Mapping[str, str] | None = None) -> list[Span]:
    """Non-overlapping spans of personal data in ``text``, in order.

    ``known_digits`` maps digit strings known to be personal in this row (the row's own phone or
    ID from a dropped column, digits only) to their kind: found in any grouping, check digit or not.
    """
    if not text:
        return []
    candidates: list[Span] = []
    low = text.lower()
    if count_digits(text) >= 9:
        candidates += _digit_runs(text, known_digits or {})
    if "@" in text or "(at)" in low or "[at]" in low:
        candidates += [Span(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]
    if ".com/" in low or ".me/" in low:
        candidates += _social(text)
    if "line" in low or "ไลน์" in text:
        candidates += _line_ids(text)
    candidates += _names(text)
    return resolve(candidates) if candidates else candidates


def detect_values(values: Sequence[str | None], cache: dict[str, list[Span]],
                  arrow: Callable[[], pa.Array | None] | None = None) -> list[list[Span]]:
    """``detect`` of each value (no known digits; ``[]`` for None), cached by text: texts not in
    ``cache`` are screened at once and only those ``screen`` lets through are detected. ``arrow``
    gives all ``values`` as Arrow strings, used when most of them are new."""
    todo = [i for i, v in enumerate(values) if v is not None and str(v) not in cache]
    if todo:
        full = arrow() if arrow is not None and 2 * len(todo) > len(values) else None
        maybe = screen(full)[todo] if full is not None else screen([str(values[i]) for i in todo])
        nothing: list[Span] = []
        for i, m in zip(todo, maybe.tolist(), strict=True):
            text = str(values[i])
            cache[text] = detect(text) if m else nothing
    return [[] if v is None else cache[str(v)] for v in values]


def screen(texts: Sequence[str | None] | pa.Array) -> np.ndarray:
    """False for each text in which ``detect`` certainly finds nothing (and for None), decided for
    all texts at once.

    One RE2 pattern (pyarrow, in C++) joins a superset of the tests ``detect``'s detectors start
    with: a run of 9 digits that may start where ``_RUN`` may, ``@``, ``(at)``, ``.com/``, ``line``,
    ``ไลน์``, a title, an English title's hint, a colon. Where it does not match, every detector
    returns nothing; where it does, ``detect`` decides. Free text and IDs are mostly distinct per
    row: this keeps ``detect`` to the cells that may hold something."""
    arr = texts if isinstance(texts, pa.Array) else arrow_strings(texts)
    if arr is None:
        return np.array([t is not None for t in texts], dtype=bool)
    return bools(pc.match_substring_regex(arr, _screen_pattern()))


@lru_cache(maxsize=1)
def python_spaces() -> str:
    """The characters Python's ``\\s``, ``str.strip`` and ``str.isspace`` take for whitespace."""
    return "".join(chr(c) for c in range(0x110000) if chr(c).isspace())


def re2_spaces() -> str:
    """``python_spaces`` as the body of an RE2 character class (RE2's own ``\\s`` is ASCII only)."""
    return "".join(f"\\x{{{ord(c):x}}}" for c in python_spaces())


@lru_cache(maxsize=1)
def _screen_pattern() -> str:
    """The RE2 pattern of ``screen``."""
    space = re2_spaces()
    digit = "[0-9๐-๙]"
    run = (
        # where _RUN's lookbehinds may let a run start: text start, a character that is no digit,
        # letter, "_" or "-", or a "-" that does not follow a Latin letter
        "(?:^|[^0-9๐-๙A-Za-z_\\-]|(?:^|[^A-Za-z])-)"
        f"(?:\\(?\\+[{space}]?)?\\(?{digit}(?:[().\\-{space}]*{digit}){{8}}"
    )
    titles = "|".join(re.sub(r"([\\.^$|?*+()\[\]{}])", r"\\\1", t) for t in sorted(_ALL_TITLES))
    words = "(?i:\\(at\\)|\\[at\\]|\\.com/|\\.me/|line)"
    return "|".join([run, "@", words, "ไลน์", ":", "：", _HINT_EN_TITLE.pattern, titles])


def resolve(candidates: Iterable[Span]) -> list[Span]:
    """Keep the higher-priority, then longer, span where two overlap."""
    chosen: list[Span] = []
    for span in sorted(candidates, key=lambda s: (_PRIORITY[s.kind], s.start - s.end, s.start)):
        if all(span.end <= c.start or span.start >= c.end for c in chosen):
            chosen.append(span)
    return sorted(chosen)


def strip_title(name: str) -> str:
    """``name`` without the titles it starts with (นางสาวสมศรี มีสุข → สมศรี มีสุข)."""
    chain = _title_chain(name, 0, guarded=False)
    return name[chain[0]:].strip() if chain else name
