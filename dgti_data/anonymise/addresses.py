"""House addresses in Thai and English free text: what narrows an address to one household.

Found: the house number with its keyword (``บ้านเลขที่ 28/69``, ``เลขที่ 12``, ``No. 12/3``), a bare
house number before a village number (``12/3 หมู่ 4``, ``12/3 Moo 4``) or before a ซอย/ถนน, and
the ซอย and ถนน that follow the number. What stays: the village number, the village name, the
subdistrict and what follows (the k-anonymity generalisation level, kept in other columns too);
an organisation's own address (``ที่ทำการ อบต.… เลขที่ 99 หมู่ 1``: an organisation word before the
number and no person's title between them); document numbers (``ที่ 123/2564``, ``มท 0810.3/ว 2063``)
and dates, which no village number, street or subdistrict follows.
"""

from __future__ import annotations

import re

from dgti_data.anonymise.spans import Span
from dgti_data.anonymise.titles import iter_titles

_D = "[0-9๐-๙]"
_SP = "[ \\u00a0]?"
# A house number: 28, 28/69; never part of a longer number, a date (12/3/2567) or a word.
_HOUSE = f"(?<![0-9๐-๙/.,A-Za-z\\-])(?<![0-9๐-๙]:){_D}{{1,5}}(?:/{_D}{{1,5}})?(?![0-9๐-๙/])"
# A street's name: a Thai word that stops where the subdistrict or village starts (ถนนมิตรภาพตำบล…),
# with its number (ซอยสุขุมวิท 71), or a number alone (ซอย 5, ซ.3).
_AREA_WORDS = "ตำบล|แขวง|หมู่|อำเภอ|เขต|จังหวัด"
_STREET_NAME = (f"(?:(?:(?!{_AREA_WORDS})[\\u0e01-\\u0e4e])+(?:{_SP}{_D}+(?:/{_D}+)?(?![0-9๐-๙]))?"
                f"|{_D}+(?:/{_D}+)?)")
_STREET = f"(?:{_SP}(?:ซอย|ซ\\.|ถนน|ถ\\.){_SP}{_STREET_NAME})"
_VILLAGE_NO = f"{_SP}(?:หมู่(?:ที่)?|ม\\.){_SP}{_D}"
_AREA = f"{_SP}(?:ตำบล|ต\\.|แขวง|อำเภอ|อ\\.|เขต)"

_THAI = re.compile(
    f"(?P<house>บ้านเลขที่){_SP}{_HOUSE}{_STREET}{{0,2}}"
    f"|(?P<kw>เลขที่){_SP}{_HOUSE}(?:{_STREET}{{1,2}}|(?={_VILLAGE_NO}|{_AREA}|{_SP}บ้าน[\\u0e01-\\u0e4e]))"
    f"|{_HOUSE}(?:{_STREET}{{1,2}}|(?={_VILLAGE_NO}))"
)
_ENGLISH = re.compile(
    f"(?<![A-Za-z])(?:No\\.?|NO\\.?|no\\.){_SP}{_HOUSE}(?=,?\\s?(?:Moo|M\\.|Soi|Village)\\s?[0-9A-Z])"
    f"|{_HOUSE}(?=,?\\s?(?:Moo|Soi)\\s?[0-9A-Z])"
)
# A number after these is a count, a year or a document's number, not a house.
_NOT_HOUSE_BEFORE = re.compile(
    r"(?:จำนวน|ปี|พ\.ศ\.|ร้อยละ|ครั้งที่|ข้อ|วันที่|ยาว|กว้าง|รวม|ทั้งหมด|กม\.|(?<!แ)ละ|"
    r"ซอย|ซ\.|ถนน|ถ\.|หมู่|หมู่ที่|ม\.|Soi|Moo)\s?$"
)
# Organisations whose own address is public: an address right after one of these is theirs.
_ORGANISATION = re.compile(
    r"ที่ทำการ|สำนักงาน|ที่ว่าการ|ศาลากลาง|องค์การบริหารส่วน|อบต\.|อบจ\.|เทศบาล|ทต\.|ทม\.|ทน\.|"
    r"โรงเรียน|ศูนย์|โรงพยาบาล|รพ\.|รพ\.สต\.|สถานี|บริษัท|ห้างหุ้นส่วน|หจก\.|มูลนิธิ|สหกรณ์|ธนาคาร|"
    r"(?<![A-Za-z])(?:[Oo]ffice|[Mm]unicipality|SAO|[Ss]chool|[Hh]ospital|[Cc]ompany|[Tt]emple)"
)
_ORG_WINDOW = 60
# "สมาชิกสภา อบต.", "สมาชิกสภาเทศบาล": a member's office, as the title ส.อบต. is
_MEMBER_BEFORE = re.compile(r"สมาชิก(?:สภา)?\s?$")
# "ที่ 123/2564": a document's number, unless a street follows it (ส่งที่ 99/4 ถ.มิตรภาพ) or it is a
# house number before a village number (ขอรับถังขยะที่237/11 ม. 17: ที่ meaning "at"). A number
# whose second part is a Buddhist-Era year (123/2564), or one after an ordinal (ลำดับที่ 5 หมู่ 3),
# stays a document's or a list's number.
_DOCUMENT_BEFORE = re.compile(r"(?<!อยู่)ที่\s?$")
_ORDINAL_BEFORE = re.compile(
    r"(?:ลำดับ|อันดับ|ข้อ|ครั้ง|คน|ราย|จุด|แปลง|ชั้น|งวด|รุ่น|ฉบับ|เล่ม|ห้อง|โซน|ภาค|ระยะ|รอบ|สัญญา|"
    r"คำสั่ง|หนังสือ|ประกาศ|เลข)ที่\s?$"
)
_YEAR_PART = re.compile("/[12๑๒][0-9๐-๙]{3}$")
_STREET_WORD = re.compile(r"ซอย|ซ\.|ถนน|ถ\.")

# A cheap test that lets ``addresses`` skip text it cannot match (mirrored in the RE2 screen).
HINT_ADDRESS = re.compile(r"เลขที่|หมู่|ม\.|ซอย|ซ\.|ถนน|ถ\.|Moo|Soi")


def addresses(text: str) -> list[Span]:
    """House addresses in ``text`` (see the module's docstring for what is and is not one)."""
    spans: list[Span] = []
    for m in _THAI.finditer(text):
        if m.group("house") is None and _not_a_house(text, m.start(), m.group("kw") is None):
            continue
        if m.group("kw") is None and m.group("house") is None and _a_document(text, m):
            continue
        spans.append(Span(m.start(), m.end(), "address"))
    for m in _ENGLISH.finditer(text) if ("Moo" in text or "Soi" in text) else ():
        if _not_a_house(text, m.start(), bare=False):
            continue
        spans.append(Span(m.start(), m.end(), "address"))
    return spans


def _a_document(text: str, m: re.Match[str]) -> bool:
    """A bare number after ที่ that is a document's or a list's number, not a house."""
    if not _DOCUMENT_BEFORE.search(text[max(0, m.start() - 6):m.start()]):
        return False
    if _STREET_WORD.search(m.group()):
        return False
    return bool(_YEAR_PART.search(m.group())
                or _ORDINAL_BEFORE.search(text[max(0, m.start() - 14):m.start()]))


def _not_a_house(text: str, start: int, bare: bool) -> bool:
    """A count or a document number (bare numbers only), or an organisation's own address."""
    if bare and _NOT_HOUSE_BEFORE.search(text[max(0, start - 12):start]):
        return True
    window = text[max(0, start - _ORG_WINDOW):start]
    # an organisation word inside a person's title (ส.อบต.กัญญา …) names the person's office
    titles = [(a, b) for a, b, _ in iter_titles(window)]
    ends = [m.end() for m in _ORGANISATION.finditer(window)
            if not any(a <= m.start() < b for a, b in titles)
            and not _MEMBER_BEFORE.search(window, 0, m.start())]
    if not ends:
        return False
    between = window[ends[-1]:]
    return next(iter_titles(between), None) is None  # no person named between them
