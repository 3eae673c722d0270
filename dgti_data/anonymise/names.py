"""Names: after a title (with the surname when one follows) and after a contact label."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

from dgti_data.anonymise.spans import Span, trie_regex
from dgti_data.anonymise.titles import (
    GLUED_ONLY,
    MONK_TITLES,
    TH_CHAR,
    TH_START,
    TH_WORD,
    iter_titles,
    title_chain,
)

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
    "พระมหา": ("กษัตริย์", "ราช", "เจดีย์", "ธาตุ", "ชนก", "กรุณา", "ธีรราช", "วชิร", "ภูมิพล", "บพิตร",
               "นิกาย", "จุฬา", "มงกุฎ"),
    "หลวงพ่อ": ("โต", "โสธร", "ทันใจ", "ใหญ่", "พระ", "วัด"),
    "หลวงปู่": ("วัด",),
    "สามเณร": ("ภาค", "ปลูก", "ใน", "และ", "ทั้ง", "จำนวน", "รูป", "วัด"),
    "แม่ชี": ("ไทย", "ใน", "และ", "จำนวน", "วัด"),
    "พระอาจารย์": ("ผู้", "ประจำ", "ใหญ่", "และ", "จำนวน"),
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
    "เจ้าอาวาส", "รองเจ้าอาวาส", "เจ้าคณะ", "ประธานสงฆ์", "วิทยากร",
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
_STOP_INSIDE_ANY = re.compile(trie_regex(_STOP_INSIDE))
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
    f"|[{TH_START}][{TH_CHAR}]+(?:\\s[{TH_START}][{TH_CHAR}]+)?)"
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
    return re.compile(trie_regex(names)) if names else None


# The reference tables shipped with the project (place names are not a setting: they are data).
REFERENCE_DIR = Path(__file__).resolve().parents[2] / "schemas" / "reference"


@lru_cache(maxsize=1)
def place_names() -> frozenset[str]:
    ref = REFERENCE_DIR
    names: set[str] = set()
    for file, column in (("lao-registry.csv", "name_th"), ("districts.csv", "name_th"),
                         ("provinces.csv", "name_th")):
        path: Path = ref / file
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                name = row.get(column) or ""
                if next(iter_titles(name), None) is not None:
                    names.add(name)
    return frozenset(names)


def _name_word(text: str, pos: int) -> tuple[int, int] | None:
    """The Thai word starting at ``pos``, cut where the sentence visibly goes on."""
    m = TH_WORD.match(text, pos)
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
    title = title_chain(text, hit.start())
    if title is None:
        return True
    if title[0] >= hit.end() - 1:
        # the place starts with a title and at most one letter follows it: need more evidence
        return bool(
            _PLACE_BEFORE.search(text[max(0, hit.start() - 12):hit.start()])
            or not re.match("[\u0e01-\u0e4e]", text[hit.end():hit.end() + 1])
        )
    return True


def names(text: str) -> list[Span]:
    spans: list[Span] = []
    titles = list(iter_titles(text))
    places = _places() if titles else None
    hits = places.finditer(text) if places else ()
    place_spans = [(m.start(), m.end()) for m in hits if _is_place(text, m)]
    taken = 0  # a title inside the name just found is part of it (พระครูสิริปริยัติคุณ: not คุณ …)
    for t_start, t_end, last in titles:
        if t_start < taken or any(a <= t_start < b for a, b in place_spans):
            continue
        pos = t_end
        while pos < len(text) and pos - t_end < 2 and text[pos] in " \u00a0":
            pos += 1
        rest = text[pos:pos + 20]
        if last in GLUED_ONLY and pos != t_end:
            continue
        if rest.startswith(_NOT_NAME_AFTER.get(last, ())) or _stops(rest):
            continue
        given = _name_word(text, pos)
        if given is None:
            continue
        end = given[1]
        surname = None
        whole = TH_WORD.match(text, pos)
        if whole is not None and whole.end() == end:  # the given name was not cut: a surname may follow
            sgap = re.match(r"[ \u00a0]{1,2}", text[end:])
            if sgap:
                spos = end + sgap.end()
                if not _stops(text[spos:spos + 20]) and title_chain(text, spos, guarded=False) is None:
                    surname = _name_word(text, spos)
                if surname is not None and last in _CHAYA_TITLES and not _is_chaya(text, *surname):
                    surname = None  # พระอธิการเสถียร แจ้งขอรับ…: a monk's second word is a chaya or the sentence
        if surname is None and _PLACE_BEFORE.search(text[max(0, t_start - 12):t_start]):
            continue  # บ้านนางเหลือง: a village, not Mrs Lueang
        spans.append(Span(t_start, surname[1] if surname else end, "name"))
        taken = spans[-1].end
    for m in _EN_TITLE.finditer(text) if HINT_EN_TITLE.search(text) else ():
        first = m.group("name").split()[0]
        if first in _EN_NOT_NAME or (first.isupper() and len(first) <= 3):
            continue  # Mr. DIY (a shop), Dr. IT: no name is a short all-capital word
        if not first.isascii() and (_stops(m.group("name")) or _in_title_list(text, m.start())):
            continue  # "Mr., Mrs., Miss และ Ms. ให้กรอก…": titles listed, then the sentence goes on
        spans.append(Span(m.start(), m.end("name"), "name"))
    spans += _bare_monks(text)
    for m in _CONTACT_LABEL.finditer(text) if (":" in text or "：" in text) else ():
        if title_chain(text, m.end(), guarded=False) is not None:
            continue  # the title detector takes it
        span = _bare_name(text, m.end())
        if span is not None:
            spans.append(span)
    return spans


_EN_LIST_BEFORE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr)\.?\s*[,/]\s*$|[,/(]\s*$")


# A monk named with a bare "พระ": his name, then a Pali chaya (ฉายา), recognised by the Pali
# spelling: a phinthu (ฺ) or the ending โ + consonant (อตฺถกาโม, ธมฺมวโร, สุเมโธ, เขมโก).
_BARE_MONK = re.compile(f"พระ(?P<given>[{TH_START}][{TH_CHAR}]+)[ \u00a0](?P<chaya>[{TH_START}][{TH_CHAR}]+)")
_PALI_END = re.compile("\u0e3a|โ[\u0e01-\u0e2e]\u0e4c?$")
# Nouns that "พระ" starts (พระพุทธรูป, พระราชบัญญัติ, พระธาตุ, พระสงฆ์, …): never a monk's name.
_NOT_MONK = ("พุทธ", "ราช", "บรม", "บาท", "ธาตุ", "สงฆ์", "ภิกษุ", "อุโบสถ", "เจ้า", "นคร", "ธรรมนูญ",
             "ประธาน", "ปรมา", "ไตร", "เครื่อง", "วิหาร", "เจดีย์", "ตำหนัก", "คุณ", "ครู", "มหา")


# Monks' titles: the word after the name is a Pali chaya, never a surname (novices and nuns keep
# their surnames: สามเณร and แม่ชี are not here).
_CHAYA_TITLES = frozenset(t for t in MONK_TITLES if t not in ("สามเณร", "แม่ชี"))


def _is_chaya(text: str, start: int, end: int) -> bool:
    """A Pali chaya by its spelling: a phinthu or a nikhahit, or the ending โ + consonant."""
    word = text[start:end]
    return "\u0e4d" in word or _PALI_END.search(word) is not None


def _bare_monks(text: str) -> list[Span]:
    spans = []
    for m in _BARE_MONK.finditer(text) if "พระ" in text else ():
        if m.group("given").startswith(_NOT_MONK) or not _PALI_END.search(m.group("chaya")):
            continue
        spans.append(Span(m.start(), m.end(), "name"))
    return spans


def _in_title_list(text: str, start: int) -> bool:
    """An English title that is the last of a list of titles (after "," "/" or "(")."""
    return _EN_LIST_BEFORE.search(text[max(0, start - 12):start]) is not None


def _bare_name(text: str, pos: int) -> Span | None:
    """A name right after a contact label: two Thai words (given, surname) or two capitalised words."""
    en = _BARE_NAME_EN.match(text, pos)
    if en is not None:
        return Span(pos, en.end(), "name")
    if _stops(text[pos:pos + 20]):
        return None
    given = _name_word(text, pos)
    whole = TH_WORD.match(text, pos)
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



# A cheap test that lets the English-title rule skip text it cannot match.
HINT_EN_TITLE = re.compile(r"M[Rr]|M[Ss]|Miss|D[Rr]|Prof|Ass")
