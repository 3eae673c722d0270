"""Write ``pii_holdout.jsonl``: the detectors' holdout set (see README.md beside this file).

    python tests/data/pii_holdout/make_holdout.py

Hand-written sentence templates in the forms Thai offices write (complaints, welfare lists,
minutes, project submissions, announcements), filled from hand-written value pools with a fixed
seed. A slot's labelled part is recorded as a span, so the labels are exact by construction.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "pii_holdout.jsonl"
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

GIVEN = ["สมศักดิ์", "บุญเรือน", "กัญญา", "ปิยะดา", "ประยุทธ", "สุนิสา", "ทองใบ", "คำปั่น", "อรอุมา",
         "วีระพงษ์", "จันทร์เพ็ญ", "ชูชาติ", "มาลัย", "ณัฐวุฒิ", "พรทิพย์", "บัวผัน", "สมหมาย", "เกศินี",
         "อนุชา", "ละเอียด", "ธนากร", "ยุพิน", "ศักดิ์ชัย", "นงลักษณ์"]
SURNAME = ["ทองมา", "แสนดี", "พรมมา", "สุขใจ", "ศรีเมือง", "คำแก้ว", "บุญมา", "ไชยวงศ์", "อินทร์แก้ว",
           "จันทร์หอม", "ปัญญาดี", "วงศ์ใหญ่", "ศรีสะอาด", "ทาระวัน", "กองแก้ว", "มณีรัตน์", "สายทอง",
           "พิมพ์สวัสดิ์", "แก้วประเสริฐ", "ชัยมงคล"]
TITLES = ["นาย", "นาง", "นางสาว", "น.ส.", "ด.ช.", "ด.ญ.", "จ.ส.อ.", "ส.อ.", "ร.ต.อ.", "ว่าที่ร.ต.",
          "ผู้ใหญ่บ้าน", "กำนัน", "คุณ", "ดร.", "ส.อบต.", "ด.ต."]
MONK_TITLES = ["พระ", "พระครู", "พระมหา", "พระอธิการ", "พระปลัด", "พระสมุห์", "พระใบฎีกา",
               "พระอาจารย์", "หลวงพ่อ", "หลวงปู่", "พระครูใบฎีกา", "พระครูสมุห์", "พระปลัด"]
MONK_GIVEN = ["ชัยวัฒน์", "อำนาจ", "สมพงษ์", "บุญเลิศ", "วิชัย", "สมบัติ", "ประเสริฐ", "คูณ", "ทองดี",
              "สุรชัย", "เสถียร", "อุดม", "พิชิต", "มนตรี"]
CHAYA = ["อตฺถกาโม", "ปญฺญาวโร", "ฐิตธมฺโม", "ธมฺมวโร", "จนฺทสโร", "เขมโก", "สุเมโธ", "กิตฺติญาโณ",
         "ปริสุทฺโธ", "ฐานิสฺสโร", "อาภากโร", "สิริมงฺคโล", "ปภากโร", "ญาณวีโร"]
VILLAGE = ["หนองบัว", "โนนสว่าง", "ดอนแดง", "ห้วยทราย", "โคกกลาง", "ท่าช้าง", "นาเจริญ", "สันป่าตอง",
           "ป่าแดง", "หนองแวง"]
TAMBON = ["บ้านดู่", "หนองแวง", "ท่าศาลา", "นาดี", "ในเมือง", "บ้านเป็ด", "ศิลา", "หนองหาร", "แม่เหียะ",
          "ป่าแดด"]
AMPHOE = ["เมือง", "กันทรวิชัย", "สันทราย", "บ้านไผ่", "พล", "หนองเรือ", "ชุมแพ", "แม่ริม"]
PROV = ["เชียงราย", "ขอนแก่น", "มหาสารคาม", "เชียงใหม่", "อุดรธานี", "นครราชสีมา", "ร้อยเอ็ด"]
SOI = ["ซอยวัดใหม่", "ซอยสุขุมวิท 71", "ซ.3", "ซอย 5", "ซ.ร่วมใจ", "ซอยประชาร่วมใจ 2", "ซ.เจริญสุข"]
ROAD = ["ถนนมิตรภาพ", "ถ.พหลโยธิน", "ถนนศรีจันทร์", "ถ.ประชาสโมสร", "ถนนเจริญเมือง", "ถ.ราชดำเนิน"]
EMAIL_USER = ["somsak.t", "kanya1988", "noknoi_p", "boonruen.s", "wirapong99", "ying.kaew"]
DOMAIN = ["gmail.com", "hotmail.com", "yahoo.co.th", "outlook.com"]
LINE_HANDLE = ["somsak_t", "kanya.pm", "noknoi99", "boon-ruen", "jan_pen2529", "ouy.aor"]
FB = ["somsak.thongma", "kanya.prommma.5", "profile.php?id=100012345678901", "boonruen.saendee"]
LAO = ["องค์การบริหารส่วนตำบลหนองแวง", "เทศบาลตำบลบ้านดู่", "อบต.ท่าศาลา", "เทศบาลตำบลนาดี",
       "เทศบาลเมืองศิลา", "อบต.ป่าแดด"]


class Builder:
    def __init__(self) -> None:
        self.text = ""
        self.spans: list[dict] = []

    def add(self, part: str, kind: str | None = None) -> None:
        if kind:
            self.spans.append({"start": len(self.text), "end": len(self.text) + len(part), "kind": kind,
                               "text": part})
        self.text += part


def thai_maybe(rng: random.Random, s: str, p: float = 0.3) -> str:
    return s.translate(THAI) if rng.random() < p else s


def house_number(rng: random.Random) -> str:
    n = str(rng.randint(1, 399))
    return n + (f"/{rng.randint(1, 120)}" if rng.random() < 0.6 else "")


def fill(rng: random.Random, b: Builder, slot: str) -> None:
    """Append the value of ``slot`` to ``b``: labelled parts as spans, the rest as plain text."""
    if slot == "NAME":
        title = rng.choice(TITLES)
        gap = " " if title in ("คุณ",) and rng.random() < 0.5 else ""
        b.add(f"{title}{gap}{rng.choice(GIVEN)} {rng.choice(SURNAME)}", "name")
    elif slot == "MONK":
        title = rng.choice(MONK_TITLES)
        if title in ("พระ",) or rng.random() < 0.6:
            b.add(f"{title}{rng.choice(MONK_GIVEN)} {rng.choice(CHAYA)}", "name")
        else:
            b.add(f"{title}{rng.choice(MONK_GIVEN)}", "name")
    elif slot == "PHONE":
        if rng.random() < 0.6:
            d = "0" + rng.choice("689") + "".join(rng.choice("0123456789") for _ in range(8))
            form = rng.choice([f"{d[:3]}-{d[3:6]}-{d[6:]}", d, f"{d[:3]}-{d[3:]}",
                               f"{d[:2]}-{d[2:6]}-{d[6:]}"])
        else:
            d = "0" + rng.choice("4573") + "".join(rng.choice("0123456789") for _ in range(7))
            form = rng.choice([f"{d[:3]}-{d[3:6]}-{d[6:]}", f"{d[:3]} {d[3:]}", d])
        b.add(thai_maybe(rng, form, 0.2), "phone")
    elif slot == "ID":
        b.add(thai_maybe(rng, id_form(rng, national_id(rng, first=str(rng.randint(1, 8)))), 0.2),
              "national_id")
    elif slot == "EMAIL":
        b.add(f"{rng.choice(EMAIL_USER)}@{rng.choice(DOMAIN)}", "email")
    elif slot == "LINE":
        b.add(rng.choice(["ไลน์ไอดี ", "Line ID: ", "ไลน์ ", "ID Line ", "LINE: "]))
        b.add(rng.choice(LINE_HANDLE), "line_id")
    elif slot == "FB":
        b.add(f"facebook.com/{rng.choice(FB)}", "url_handle")
    elif slot == "ADDR":
        address(rng, b)
    elif slot == "ADDR_EN":
        hn = house_number(rng)
        form = rng.randrange(3)
        if form == 0:
            b.add(f"No. {hn}", "address")
            moo = rng.randint(1, 15)
            place = rng.choice(["Nong Waeng", "Ban Du", "Tha Sala"])
            b.add(f" Moo {moo}, {place} Subdistrict")
        elif form == 1:
            b.add(hn, "address")
            b.add(f" Moo {rng.randint(1, 15)}, Tambon {rng.choice(['Na Di', 'Sila', 'Pa Daet'])}")
        else:
            b.add(f"No. {hn}", "address")
            b.add(f", Moo {rng.randint(1, 15)}")
    elif slot == "ORG_TAXID":
        b.add(thai_maybe(rng, id_form(rng, national_id(rng, first="0")), 0.1))
    else:
        b.add(plain(rng, slot))


def address(rng: random.Random, b: Builder) -> None:
    hn = thai_maybe(rng, house_number(rng))
    moo = thai_maybe(rng, str(rng.randint(1, 20)))
    form = rng.randrange(9)
    moo_word = rng.choice(["หมู่ ", "หมู่ที่ ", "ม.", "ม. ", "หมู่"])
    rest = f" {moo_word}{moo} ต.{rng.choice(TAMBON)}" if rng.random() < 0.5 else f" {moo_word}{moo}"
    if form == 0:
        b.add(f"บ้านเลขที่ {hn}", "address")
        b.add(rest)
    elif form == 1:  # glued
        b.add(f"บ้านเลขที่{hn}", "address")
        b.add(f"{moo_word.strip()}{moo}")
    elif form == 2:  # bare before the village number
        b.add(hn, "address")
        b.add(rest)
    elif form == 3:
        b.add(f"เลขที่ {hn} {rng.choice(SOI)} {rng.choice(ROAD)}", "address")
        b.add(f" แขวง{rng.choice(TAMBON)}")
    elif form == 4:
        b.add(f"{hn} {rng.choice(ROAD)}", "address")
        b.add(f" ตำบล{rng.choice(TAMBON)}")
    elif form == 5:
        b.add(f"เลขที่ {hn}", "address")
        b.add(f" ตำบล{rng.choice(TAMBON)} อำเภอ{rng.choice(AMPHOE)}")
    elif form == 6:
        b.add(f"บ้านเลขที่ {hn} {rng.choice(SOI)}", "address")
        b.add(rest)
    elif form == 7:
        b.add(f"บ้านเลขที่ {hn}", "address")
        b.add(f" บ้าน{rng.choice(VILLAGE)}{rest}")
    else:
        b.add(f"{hn} {rng.choice(SOI)}", "address")
        b.add(f" ต.{rng.choice(TAMBON)}")


def plain(rng: random.Random, slot: str) -> str:
    pools = {"VILLAGE": VILLAGE, "TAMBON": TAMBON, "AMPHOE": AMPHOE, "PROV": PROV, "LAO": LAO,
             "MONKG": MONK_GIVEN}
    if slot in pools:
        return rng.choice(pools[slot])
    if slot == "MOO":
        return thai_maybe(rng, str(rng.randint(1, 20)))
    if slot == "N":
        return str(rng.randint(2, 250))
    if slot == "YEAR":
        return thai_maybe(rng, str(rng.randint(2560, 2568)))
    if slot == "DOC":
        return thai_maybe(rng, rng.choice([f"มท 0810.{rng.randint(1, 8)}/ว {rng.randint(100, 4000)}",
                                           f"ชร 73401/{rng.randint(10, 999)}",
                                           f"{rng.randint(1, 400)}/{rng.randint(2560, 2568)}",
                                           f"ขก 7{rng.randint(1000, 9999)}/{rng.randint(1, 900)}"]))
    raise KeyError(slot)


def national_id(rng: random.Random, first: str) -> str:
    body = first + "".join(rng.choice("0123456789") for _ in range(11))
    total = sum(int(d) * (13 - i) for i, d in enumerate(body))
    return body + str((11 - total % 11) % 10)


def id_form(rng: random.Random, d: str) -> str:
    return rng.choice([d, f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}",
                       f"{d[0]} {d[1:5]} {d[5:10]} {d[10:12]} {d[12]}"])


PERSONAL = [
    "ผู้ร้องเรียน {NAME} {ADDR} อำเภอ{AMPHOE} จังหวัด{PROV} โทร {PHONE}",
    "ขอความอนุเคราะห์ซ่อมไฟฟ้าส่องสว่างหน้า{ADDR} เนื่องจากชำรุดมา {N} วัน",
    "{NAME} อยู่{ADDR} ได้รับเบี้ยยังชีพผู้สูงอายุ เดือนละ 700 บาท",
    "ผู้สูงอายุ {NAME} เลขประจำตัวประชาชน {ID} ที่อยู่ {ADDR}",
    "มอบถุงยังชีพแก่ครอบครัว{NAME} {ADDR} ซึ่งประสบอุทกภัย",
    "แจ้งน้ำประปาไม่ไหลบริเวณ{ADDR} ติดต่อกลับ {PHONE}",
    "ผู้ขอรับการสงเคราะห์: {NAME} บัตรประชาชน {ID} {ADDR}",
    "ตรวจสอบข้อเท็จจริงที่{ADDR} พบว่ามีน้ำท่วมขังบริเวณหน้าบ้าน",
    "เจ้าหน้าที่ออกเยี่ยมบ้านผู้ป่วยติดเตียง {ADDR} จำนวน {N} ครั้ง",
    "ผู้ยื่นคำร้องขออนุญาตก่อสร้างอาคาร {NAME} ที่ดินตั้งอยู่{ADDR} อำเภอ{AMPHOE}",
    "{NAME} ({ADDR}) แจ้งว่าสุนัขจรจัดกัดเด็กในหมู่บ้าน",
    "ร้องเรียนเสียงดังจากโรงงานใกล้{ADDR} ผู้แจ้ง {NAME} ไลน์ {LINE_ONLY}",
    "ส่งเอกสารได้ที่ {NAME} {ADDR} หรืออีเมล {EMAIL}",
    "ขอรับถังขยะเพิ่มที่{ADDR}",
    "รายชื่อผู้ได้รับเงินอุดหนุนเด็กแรกเกิด: {NAME} {ADDR} ตำบล{TAMBON}",
    "Complainant {EN_NAME}, address {ADDR_EN}, {TAMBON} district, tel. {PHONE}",
    "Please deliver the wheelchair to {ADDR_EN}, contact {EN_NAME}",
    "The elderly resident at {ADDR_EN} asked for a home visit.",
    "นิมนต์{MONK} เจ้าอาวาสวัด{VILLAGE} เป็นประธานฝ่ายสงฆ์ในพิธีเปิดอาคาร",
    "{MONK} วัด{VILLAGE} ร่วมปลูกต้นไม้กับ{LAO} จำนวน {N} ต้น",
    "ถวายภัตตาหารเพลแด่{MONK} และคณะสงฆ์ {N} รูป",
    "โครงการบวชป่า โดยมี{MONK} เป็นผู้นำประกอบพิธี",
    "ขอบคุณ{MONK} ที่ให้ใช้ศาลาวัดเป็นที่ฉีดวัคซีน",
    "ผู้ประสานงานฝ่ายสงฆ์ {MONK} โทร {PHONE}",
    "คณะกรรมการประกอบด้วย {NAME} ประธาน {NAME} รองประธาน และ{MONK} ที่ปรึกษา",
    "{NAME} โทร {PHONE} อีเมล {EMAIL} แจ้งขอแก้ไขข้อมูล",
    "ติดต่อ{NAME} เบอร์ {PHONE} หรือ {LINE}",
    "ผู้ประสานงานโครงการ {NAME} {FB}",
    "ผู้รับผิดชอบ: {NAME} ตำแหน่งนักวิชาการคอมพิวเตอร์ {EMAIL}",
    "ประชุมประจำเดือน ผู้เข้าร่วม {NAME} {NAME} และ{NAME}",
    "บ้าน{NAME} {ADDR} ถูกไฟไหม้เสียหายทั้งหลัง",
    "ขอใช้สถานที่จัดงานศพที่{ADDR} ผู้ขอ {NAME} โทร {PHONE}",
    "ผู้พิการ {NAME} เลขบัตร {ID} ยังไม่ได้รับเบี้ยความพิการ",
    "แจ้งย้ายเข้า {NAME} จาก{ADDR} อำเภอ{AMPHOE} จังหวัด{PROV}",
    "{MONK} แจ้งขอรับการสนับสนุนซ่อมแซมกุฏิ ติดต่อ {PHONE}",
]
CLEAN = [
    "ที่ทำการ{LAO} เลขที่ {N} หมู่ {MOO} ตำบล{TAMBON} อำเภอ{AMPHOE} จังหวัด{PROV}",
    "สำนักงาน{LAO} ตั้งอยู่เลขที่ {N} หมู่ที่ {MOO} ตำบล{TAMBON}",
    "หมู่ {MOO} บ้าน{VILLAGE} มีครัวเรือน {N} ครัวเรือน",
    "จัดประชุมประชาคมหมู่บ้าน หมู่ที่ {MOO} บ้าน{VILLAGE} วันที่ 12 มีนาคม {YEAR}",
    "ตามหนังสือกระทรวงมหาดไทย ที่ {DOC} ลงวันที่ 5 มกราคม {YEAR}",
    "อ้างถึงหนังสือที่ {DOC} เรื่องการจัดทำข้อมูลเปิดภาครัฐ",
    "คำสั่ง{LAO} ที่ {DOC} เรื่องแต่งตั้งคณะทำงาน",
    "เลขประจำตัวผู้เสียภาษีของ{LAO} {ORG_TAXID}",
    "ผู้รับจ้าง ห้างหุ้นส่วนจำกัด ศรีเมืองก่อสร้าง เลขประจำตัวผู้เสียภาษี {ORG_TAXID}",
    "จัดซื้อวัสดุอุปกรณ์จากร้าน Mr. DIY สาขา{PROV} จำนวน {N} รายการ",
    "ซื้อถังน้ำและไม้กวาดที่ Mr. DIY เป็นเงิน {N} บาท",
    "ช่องคำนำหน้า Mr., Mrs., Miss และ Ms. ให้กรอกเป็นภาษาอังกฤษ",
    "เลือกคำนำหน้าชื่อ (Mr./Mrs./Ms.) ตามบัตรประชาชนเท่านั้น",
    "ติดตามข่าวสารได้ทาง LINE @bandu.city หรือเว็บไซต์ของเทศบาล",
    "เพิ่มเพื่อนไลน์ทางการของเทศบาล @thetsabannadi เพื่อรับแจ้งเตือน",
    "แจ้งเหตุผ่าน LINE: @sila.smartcity ได้ตลอด 24 ชั่วโมง",
    "สแกนคิวอาร์โค้ดหรือเปิด https://line.me/R/ti/p/@padad.go. แล้วกดเพิ่มเพื่อน",
    "ตามพระราชบัญญัติการบริหารงานและการให้บริการภาครัฐผ่านระบบดิจิทัล พ.ศ. 2562",
    "ศึกษาดูงานที่จังหวัดพระนครศรีอยุธยา จำนวน {N} คน",
    "จัดกิจกรรมทำความสะอาดวัดพระธาตุ{VILLAGE} ร่วมกับชุมชน",
    "โครงการอันเนื่องมาจากพระราชดำริ ในพื้นที่ตำบล{TAMBON}",
    "พระสงฆ์ {N} รูป เจริญพระพุทธมนต์ในพิธีเปิดศูนย์ดิจิทัลชุมชน",
    "ถวายเทียนพรรษาแด่พระภิกษุสามเณรวัด{VILLAGE}",
    "งบประมาณซ่อมแซมพระอุโบสถวัด{VILLAGE} {N},000 บาท",
    "ก่อสร้างถนนคอนกรีตเสริมเหล็ก หมู่ {MOO} บ้าน{VILLAGE} ยาว {N} เมตร",
    "ซ่อมแซมถนนลูกรังสายบ้าน{VILLAGE} - บ้าน{VILLAGE} หมู่ที่ {MOO}",
    "จำนวนประชากรตำบล{TAMBON} ปี {YEAR} ทั้งสิ้น {N},{N} คน",
    "ติดตั้งกล้อง CCTV {N} จุดในหมู่ที่ {MOO} และหมู่ที่ {MOO}",
    "อัตราการชำระภาษีที่ดินและสิ่งปลูกสร้างปี {YEAR} ร้อยละ {N}",
    "ระบบแจ้งซ่อมออนไลน์ของ{LAO} ใช้งานแล้ว {N} ครั้ง",
    "เลขที่โครงการ {DOC} อยู่ระหว่างการตรวจรับ",
    "ประกาศ ณ วันที่ 15 กรกฎาคม {YEAR} ณ ที่ทำการ{LAO}",
    "ศูนย์พัฒนาเด็กเล็กบ้าน{VILLAGE} เลขที่ {N} หมู่ {MOO} เปิดรับสมัครนักเรียน",
    "โรงเรียนบ้าน{VILLAGE} ตั้งอยู่เลขที่ {N} หมู่ {MOO} ตำบล{TAMBON}",
    "สอบถามได้ที่กองคลัง{LAO} ในวันและเวลาราชการ",
    "The office of {LAO_EN} is at No. 99 Moo 1, Ban Du Subdistrict.",
    "Village {MOO} ({VILLAGE}) has {N} households and one health volunteer per ten houses.",
    "ผลการดำเนินงานไตรมาส {MOO} เบิกจ่ายได้ {N} ล้านบาท",
    "พระราชบัญญัติข้อมูลข่าวสารของราชการ พ.ศ. 2540 มาตรา {N}",
    "ขอเชิญร่วมทำบุญทอดกฐินวัด{VILLAGE} ณ ศาลาการเปรียญ",
]
EN_NAMES = ["Mr. Somsak Thongma", "Mrs. Boonruen Saendee", "Ms. Kanya Promma", "Miss Piyada Sukjai",
            "Dr. Wirapong Chaiwong"]


def render(rng: random.Random, template: str) -> Builder:
    b = Builder()
    pos = 0
    while (i := template.find("{", pos)) != -1:
        b.add(template[pos:i])
        j = template.index("}", i)
        slot = template[i + 1:j]
        if slot == "EN_NAME":
            b.add(rng.choice(EN_NAMES), "name")
        elif slot == "LINE_ONLY":
            b.add(rng.choice(LINE_HANDLE), "line_id")
        elif slot == "LAO_EN":
            b.add(rng.choice(["Ban Du Subdistrict Municipality", "Nong Waeng SAO"]))
        else:
            fill(rng, b, slot)
        pos = j + 1
    b.add(template[pos:])
    return b


def main() -> None:
    rng = random.Random(20261203)
    records = []
    n = 0
    for group, templates, copies in (("personal", PERSONAL, 6), ("clean", CLEAN, 3)):
        for template in templates:
            for _ in range(copies):
                b = render(rng, template)
                n += 1
                records.append({"id": f"holdout2-{n:03d}", "group": group, "text": b.text,
                                "spans": b.spans})
    with OUT.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(records)} sentences -> {OUT}")


if __name__ == "__main__":
    main()
