"""Write ``pii_holdout_v2.jsonl``: the detectors' second holdout set (see README.md beside this file).

Values are written with inline marks ``⟦kind|text⟧``; the marks are removed and each becomes a
span, so the labels are exact by construction. Run: ``python tests/data/pii_holdout_v2/make_holdout_v2.py``.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "pii_holdout_v2.jsonl"
R = random.Random(20261203)
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")

FIRST = ["สมพร", "บุญเรือง", "ประยูร", "กัลยา", "ทองใบ", "สุนีย์", "วิชัย", "อำนวย", "จันทร์เพ็ญ", "เกษม",
         "ละเอียด", "สมหมาย", "ธีรพงษ์", "ปราณี", "บัวผัน", "คำปุน", "ศิริพร", "อุดม", "ยุพิน", "ไพโรจน์",
         "สายทอง", "นิตยา", "ชาญชัย", "พยอม", "เสาร์แก้ว", "มาลัย", "ทวีศักดิ์", "รัตนา", "บุญส่ง", "ลำดวน"]
LAST = ["ศรีบุญเรือง", "แก้วประเสริฐ", "พรหมมา", "ทองคำ", "สุขเจริญ", "บุญมาก", "ชัยมงคล", "วงศ์สวัสดิ์",
        "คำภูแก้ว", "นามวงศ์", "โพธิ์ศรี", "แสนสุข", "ปัญญาดี", "อินทร์แก้ว", "จันทร์หอม", "มูลสาร",
        "ภูมิพันธ์", "สีดา", "เหล่าสมบัติ", "ดวงใจ"]
CIVIL = ["นาย", "นาง", "นางสาว", "น.ส.", "คุณ", "ดร.", "ว่าที่ร้อยตรี", "จ.ส.อ.", "ร.ต.อ.", "นาย", "นาง"]
MEMBER = ["ส.อบต.", "ส.ท.", "ผญบ.", "ผู้ใหญ่บ้าน", "กำนัน", "อสม.", "ผช.ผญบ.", "ส.อบต.", "ผญบ."]
CHILD = ["ด.ช.", "ด.ญ.", "เด็กชาย", "เด็กหญิง"]
EN_FIRST = ["Somporn", "Kanlaya", "Wichai", "Pranee", "Thongbai", "Nittaya"]
EN_LAST = ["Srisuk", "Kaewprasert", "Phromma", "Bunmak", "Chaimongkol", "Saensuk"]
EN_TITLE = ["Mr.", "Mrs.", "Ms.", "Miss"]
MONK_NAME = ["สมบัติ", "บุญมี", "เสนาะ", "ทองดี", "สุริยา", "อำพล", "ประสิทธิ์", "วันชัย", "คำพันธ์", "สงวน"]
CHAYA = ["ธมฺมวโร", "ปญฺญาวโร", "ฐิตธมฺโม", "จนฺทสโร", "กิตฺติปญฺโญ", "สุทฺธิญาโณ", "ขนฺติโก", "อคฺคธมฺโม",
         "ปภากโร", "สีลเตโช"]
MONK_TITLE = ["พระมหา", "พระอธิการ", "พระปลัด", "พระสมุห์", "พระใบฎีกา", "พระครูใบฎีกา", "หลวงพ่อ", "พระ"]
PRAKHRU = ["พระครูสุนทรธรรมวิมล", "พระครูสิริปริยัติคุณ", "พระครูประโชติธรรมรักษ์", "พระครูวิบูลย์ศีลวัตร"]
WAT = ["ศรีบุญเรือง", "โพธิ์ชัย", "บ้านนาดี", "ป่าสามัคคีธรรม", "สระแก้ว", "ทุ่งสว่าง"]
TAMBON = ["หนองบัว", "โนนสูง", "บ้านเป็ด", "ท่าช้าง", "นาดี", "ห้วยทราย", "บ้านกลาง", "สันทราย"]
AMPHOE = ["เมือง", "พล", "บ้านไผ่", "ปักธงชัย", "สันกำแพง"]
VILLAGE = ["โนนสว่าง", "หนองแวง", "ดอนมะเกลือ", "ทุ่งใหญ่", "นาคำ", "สร้างแก้ว"]
SOI = ["ร่วมใจ", "ประชาสุข 3", "วัดกลาง", "สุขสันต์ 12", "เทศบาล 5", "บ้านหมอ"]
ROAD = ["มิตรภาพ", "ศรีจันทร์", "เจริญเมือง", "ประชาสโมสร", "โพธิ์กลาง", "หน้าเมือง"]
EN_TAMBON = ["Nong Bua", "Ban Klang", "Tha Chang", "Huai Sai"]
HANDLES = ["pornsri.k", "noi_2519", "somporn1972", "kanlaya.ss", "tongbai99", "ploy.nittaya", "wichai_ch",
           "jan_pen", "boonsong.2", "may_rattana"]
MAILS = ["somporn.sr@gmail.com", "kanlaya1985@hotmail.com", "wichai.k@yahoo.com", "tongbai.p@outlook.co.th",
         "pranee_noi@gmail.com", "nittaya.saensuk@hotmail.co.th", "boonsong77@gmail.com"]


def mark(kind: str, text: str) -> str:
    return f"⟦{kind}|{text}⟧"


def house() -> str:
    n = R.randint(1, 399)
    return f"{n}/{R.randint(1, 99)}" if R.random() < 0.6 else str(n)


def moo() -> int:
    return R.randint(1, 19)


def name() -> str:
    t = R.choice(CIVIL)
    gap = " " if R.random() < 0.12 else ""
    return mark("name", f"{t}{gap}{R.choice(FIRST)} {R.choice(LAST)}")


def member() -> str:
    return mark("name", f"{R.choice(MEMBER)}{R.choice(FIRST)} {R.choice(LAST)}")


def child() -> str:
    return mark("name", f"{R.choice(CHILD)}{R.choice(FIRST)} {R.choice(LAST)}")


def ename() -> str:
    return mark("name", f"{R.choice(EN_TITLE)} {R.choice(EN_FIRST)} {R.choice(EN_LAST)}")


def monk() -> str:
    r = R.random()
    if r < 0.2:
        return mark("name", R.choice(PRAKHRU))
    t = R.choice(MONK_TITLE)
    if t == "พระ" or r < 0.7:
        return mark("name", f"{t}{R.choice(MONK_NAME)} {R.choice(CHAYA)}")
    return mark("name", f"{t}{R.choice(MONK_NAME)}")


def phone() -> str:
    r = R.random()
    d = [str(R.randint(0, 9)) for _ in range(8)]
    if r < 0.35:
        p = f"0{R.choice('689')}{d[0]}-{''.join(d[1:4])}-{''.join(d[4:8])}"
    elif r < 0.5:
        p = f"0{R.choice('689')}{d[0]}{''.join(d[1:8])}"
    elif r < 0.6:
        p = f"0{R.choice('689')}{d[0]} {''.join(d[1:4])} {''.join(d[4:8])}"
    elif r < 0.7:
        p = f"0{R.choice('34567')}{d[0]}-{''.join(d[1:7])}"
    elif r < 0.78:
        p = f"02-{''.join(d[0:3])}-{''.join(d[3:7])}"
    elif r < 0.86:
        p = f"+66 {R.choice('689')}{d[0]} {''.join(d[1:4])} {''.join(d[4:8])}"
    else:
        p = f"0{R.choice('689')}{d[0]}-{''.join(d[1:4])}-{''.join(d[4:8])}".translate(THAI)
    return mark("phone", p)


def nid_digits(first: int | None = None) -> str:
    d = [first if first is not None else R.randint(1, 8)] + [R.randint(0, 9) for _ in range(11)]
    s = sum(x * (13 - i) for i, x in enumerate(d))
    d.append((11 - s % 11) % 10)
    return "".join(map(str, d))


def nid() -> str:
    s = nid_digits()
    r = R.random()
    if r < 0.4:
        v = s
    elif r < 0.75:
        v = f"{s[0]}-{s[1:5]}-{s[5:10]}-{s[10:12]}-{s[12]}"
    elif r < 0.9:
        v = f"{s[0]} {s[1:5]} {s[5:10]} {s[10:12]} {s[12]}"
    else:
        v = f"{s[0]}-{s[1:5]}-{s[5:10]}-{s[10:12]}-{s[12]}".translate(THAI)
    return mark("national_id", v)


def email() -> str:
    return mark("email", R.choice(MAILS))


def line() -> str:
    return mark("line_id", R.choice(HANDLES))


def addr() -> str:
    """A house address: the marked part is what identifies the household."""
    h, m, t = house(), moo(), R.choice(TAMBON)
    forms = [
        lambda: f"{mark('address', f'บ้านเลขที่ {h}')} หมู่ {m} ตำบล{t}",
        lambda: f"{mark('address', f'บ้านเลขที่ {h}')} หมู่ที่ {m} ต.{t}",
        lambda: f"{mark('address', f'บ้านเลขที่ {h}')} ม.{m} ต.{t} อ.{R.choice(AMPHOE)}",
        lambda: f"{mark('address', f'บ้านเลขที่ {h}')} ม. {m}",
        lambda: f"{mark('address', f'เลขที่ {h}')} หมู่ {m} บ้าน{R.choice(VILLAGE)}",
        lambda: f"{mark('address', f'เลขที่ {h}')} ตำบล{t}",
        lambda: f"{mark('address', h)} หมู่ {m} ต.{t}",
        lambda: f"{mark('address', h)} ม.{m}",
        lambda: f"{mark('address', f'บ้านเลขที่ {h}'.translate(THAI))} หมู่ {str(m).translate(THAI)}",
        lambda: f"{mark('address', h.translate(THAI))} หมู่ที่ {str(m).translate(THAI)} ต.{t}",
        lambda: f"{mark('address', f'บ้านเลขที่{h}')}หมู่{m}",
        lambda: f"{mark('address', f'บ้านเลขที่ {h} ซอย{R.choice(SOI)}')} หมู่ {m}",
        lambda: f"{mark('address', f'{h} ซ.{R.choice(SOI)} ถ.{R.choice(ROAD)}')} ต.{t}",
        lambda: f"{mark('address', f'เลขที่ {h} ถนน{R.choice(ROAD)}')} ตำบล{t}",
        lambda: f"{mark('address', f'No. {h}')} Moo {m}, {R.choice(EN_TAMBON)} Subdistrict",
        lambda: f"{mark('address', h)} Moo {m}",
        lambda: f"{mark('address', f'บ้านเลขที่ {h}')} บ้าน{R.choice(VILLAGE)} หมู่ {m}",
        lambda: f"{mark('address', f'บ้านเลขที่ {h} ถนน{R.choice(ROAD)}')} ต.{t}",
        lambda: f"{mark('address', f'เลขที่ {h} ซอย {R.randint(1, 30)}')} แขวงบางซื่อ",
        lambda: f"{mark('address', f'บ้านเลขที่ {h}')} หมู่ {m}",
    ]
    return R.choice(forms)()


def addr_glued() -> str:
    """An address glued to the word before it and to หมู่ after it."""
    h, m = house(), moo()
    return R.choice([f"{mark('address', h)} ม. {m}", f"{mark('address', h)}หมู่{m}",
                     f"{mark('address', h.translate(THAI))} ม.{str(m).translate(THAI)}"])


def addr_en() -> str:
    h, m = house(), moo()
    return f"{mark('address', f'No. {h}')} Moo {m}, {R.choice(EN_TAMBON)}"


def url() -> str:
    return mark("url_handle", f"facebook.com/{R.choice(HANDLES)}")


def nwat() -> str:
    return R.choice(WAT)


PII = [
    "ขอแจ้งไฟฟ้าส่องสว่างดับหน้า{addr} ผู้แจ้ง {name} โทร {phone}",
    "{name} อายุ 67 ปี อยู่{addr} ขอรับเบี้ยยังชีพผู้สูงอายุ",
    "ผู้ป่วยติดเตียง {name} {addr} ต้องการเตียงลม ติดต่อญาติ {phone}",
    "อสม. ลงเยี่ยมบ้าน{name} ที่{addr} พบลูกน้ำยุงลายในโอ่ง",
    "ขออนุญาตก่อสร้างอาคาร ผู้ขอ {name} เลขประจำตัวประชาชน {nid} ที่ตั้งอาคาร {addr}",
    "ร้องเรียนเสียงดังจาก{addr} แจ้งโดย {name} (ไลน์ {line})",
    "นิมนต์{monk} วัด{wat} มาเป็นประธานสงฆ์ในพิธีเปิดศูนย์พัฒนาเด็กเล็ก",
    "{monk} เจ้าอาวาสวัด{wat} ให้ความอนุเคราะห์ศาลาการเปรียญเป็นที่จัดอบรม",
    "ถวายภัตตาหารเพลแด่{monk} และคณะสงฆ์ 9 รูป",
    "ผู้ประสานงานโครงการ {name} อีเมล {email} โทร {phone}",
    "ส่งเอกสารเพิ่มเติมได้ที่ {email} หรือไอดีไลน์ {line}",
    "{member} ได้รับแจ้งจากชาวบ้านว่าท่อระบายน้ำหน้า{addr} อุดตัน",
    "{member} อยู่{addr} เสนอให้ติดตั้งกล้อง CCTV ที่สี่แยก",
    "{member} บ้านเลขที่เดิมถูกน้ำท่วม ปัจจุบันอยู่{addr}",
    "รายชื่อผู้ได้รับถุงยังชีพ: {name} {addr}; {name2} {addr2}",
    "นักเรียนทุนเรียนดี {child} บุตรของ{name} บ้านอยู่{addr}",
    "Applicant: {ename}, {addr_en}, tel. {phone}",
    "ติดต่อสอบถาม {name} โทร. {phone} หรือ LINE ID: {line}",
    "ขอรับถังขยะเพิ่มที่{addr_glued} เพราะในบ้านมีสมาชิก 8 คน",
    "ผู้ยื่นคำร้อง {name} เลขบัตร {nid} ที่อยู่ {addr}",
    "{monk} แจ้งความประสงค์ขอรับการสนับสนุนงบประมาณซ่อมแซมกุฏิ",
    "ตั้งศพ{name} บำเพ็ญกุศล ณ {addr} สวดอภิธรรม 3 คืน",
    "{member} นำชาวบ้านร่วมกันทำความสะอาดคลองส่งน้ำ",
    "สอบถามผลการพิจารณาได้ทาง {email} ในวันและเวลาราชการ",
    "ปัญหาที่พบ: อินเทอร์เน็ตในหมู่บ้านไม่เสถียร ผู้ตอบ {name} เบอร์ {phone}",
    "จ่ายเงินค่าจ้างเหมาแก่{name} เลขประจำตัวผู้เสียภาษี {nid}",
    "มอบเกียรติบัตรแก่{child} นักเรียนชั้น ป.5 ที่ชนะการประกวดวาดภาพ",
    "{member} และ {name} ร่วมตรวจสอบถนนชำรุดหน้า{addr}",
    "ส่งรูปผลงานมาที่ {url} หรืออีเมล {email}",
    "พบสุนัขจรจัดบริเวณ{addr} แจ้งโดย{name}",
    "เจ้าของ{addr} ({name}) ยินยอมให้ใช้พื้นที่วางถังน้ำ",
    "ที่อยู่ปัจจุบัน: {addr} โทรศัพท์มือถือ {phone} อีเมล {email}",
    "คณะกรรมการตรวจรับพัสดุ ได้แก่ {name} ประธานกรรมการ และ{name2} กรรมการ",
    "{monk} ได้รับนิมนต์มาบรรยายธรรมในโครงการคุณธรรมนำชีวิต",
    "ขอเชิญ{monk} เป็นประธานในพิธีทำบุญตักบาตรวันขึ้นปีใหม่",
    "ลงทะเบียนผ่านไลน์ {line} หรือโทร {phone} ภายในวันศุกร์",
    "ผู้รับมอบอำนาจ {name} ถือบัตรประจำตัวประชาชนเลขที่ {nid}",
    "ส่งหนังสือแจ้งผลถึง{name} {addr}",
    "ทีมพัฒนาระบบ: {name}, {name2} และ{name3}",
    "ขอความอนุเคราะห์ตัดกิ่งไม้ที่พาดสายไฟบริเวณ{addr}",
    "Contact {ename} at {email} or LINE: {line}",
    "{member} ขอให้ซ่อมถนนในซอยหน้าบ้าน ({addr})",
    "ผู้สูงอายุติดบ้าน {name} {addr} โทร {phone} ต้องการรถรับส่งไปโรงพยาบาล",
    "ครัวเรือนเปราะบาง: {addr} หัวหน้าครอบครัว {name} เลขบัตร {nid}",
    "ผู้แจ้งเหตุ {member} โทร {phone} แจ้งไฟไหม้หญ้าข้าง{addr}",
    "{monk} และ{monk2} ร่วมปลูกต้นไม้ในวันสิ่งแวดล้อมโลก",
    "ผู้ติดต่อ: {name} | {phone} | {email}",
    "ลงพื้นที่สำรวจ{addr} ร่วมกับ{member}",
    "{name} แจ้งว่าน้ำประปาไม่ไหลมา 3 วันแล้ว บ้านอยู่{addr}",
    "แอดไลน์ส่วนตัว {line} เพื่อรับแจ้งเตือนการชำระภาษี",
]

CLEAN = [
    "ที่ทำการองค์การบริหารส่วนตำบล{t} เลขที่ {n} หมู่ {m} ตำบล{t} อำเภอ{a}",
    "สำนักงานเทศบาลตำบล{t} ตั้งอยู่เลขที่ {n} ถนน{road} ตำบล{t}",
    "ศูนย์พัฒนาเด็กเล็กบ้าน{v} เลขที่ {n} หมู่ {m} เปิดรับสมัครนักเรียนใหม่",
    "โรงเรียนบ้าน{v} ตั้งอยู่เลขที่ {h} หมู่ที่ {m} ตำบล{t}",
    "รพ.สต.บ้าน{v} เลขที่ {n} หมู่ {m} ให้บริการฉีดวัคซีนทุกวันพุธ",
    "จัดประชาคมหมู่บ้านที่หมู่ {m} บ้าน{v} มีผู้เข้าร่วม {c} คน",
    "ประชาชนหมู่ {m} บ้าน{v} และหมู่ {m2} บ้าน{v2} ร่วมกันขุดลอกคลอง",
    "อ้างถึงหนังสือ ที่ {n}/{y} ลงวันที่ {d} มกราคม {y}",
    "ตามหนังสือกระทรวงมหาดไทย ด่วนที่สุด ที่ มท 0810.3/ว {n4} ลงวันที่ {d} มีนาคม {y}",
    "หนังสือจังหวัด ที่ นม 0023.5/ว {n4} เรื่อง การจัดทำข้อมูลเปิดภาครัฐ",
    "คำสั่งองค์การบริหารส่วนตำบล{t} ที่ {n}/{y} เรื่อง แต่งตั้งคณะทำงาน",
    "ประกาศเทศบาลตำบล{t} เลขที่ {n}/{y} เรื่อง ประกวดราคาจ้างก่อสร้างถนนคอนกรีต",
    "โครงการก่อสร้างถนน คสล. หมู่ {m} งบประมาณ {b} บาท",
    "ได้รับจัดสรรงบประมาณ {b} บาท จากกรมส่งเสริมการปกครองท้องถิ่น",
    "จัดอบรมเมื่อวันที่ {d}/{mo}/{y} ณ ห้องประชุม อบต.{t}",
    "ระยะเวลาดำเนินการ {d} ต.ค. {y} ถึง 30 ก.ย. {y1}",
    "เลขประจำตัวผู้เสียภาษีของหน่วยงาน {tax}",
    "ผู้รับจ้าง บริษัท {co} จำกัด เลขประจำตัวผู้เสียภาษี {tax}",
    "ซื้ออุปกรณ์สำนักงานจากร้าน Mr. DIY สาขา{a} จำนวน {c} รายการ",
    "ติดตามข่าวสารได้ที่ LINE Official Account @{oa}",
    "เพิ่มเพื่อนไลน์ทางการของเทศบาล @{oa} เพื่อแจ้งเรื่องร้องเรียน",
    "แจ้งเหตุผ่าน LINE OA @{oa} ได้ตลอด 24 ชั่วโมง",
    "ดำเนินการตามพระราชบัญญัติข้อมูลข่าวสารของราชการ พ.ศ. 2540",
    "ปฏิบัติตามพระราชบัญญัติคุ้มครองข้อมูลส่วนบุคคล พ.ศ. 2562 อย่างเคร่งครัด",
    "ศึกษาดูงานที่เทศบาลนครพระนครศรีอยุธยา จังหวัดพระนครศรีอยุธยา",
    "นำผู้สูงอายุไปทำบุญที่วัดพระธาตุพนม จังหวัดนครพนม",
    "งานประเพณีสรงน้ำพระธาตุประจำปี {y} มีพระสงฆ์ร่วมพิธี {c} รูป",
    "ซ่อมแซมพระอุโบสถและศาลาการเปรียญวัดบ้าน{v}",
    "นายกองค์การบริหารส่วนตำบล{t} เป็นประธานเปิดงาน",
    "นายอำเภอ{a} มอบนโยบายแก่กำนันและผู้ใหญ่บ้านทุกหมู่บ้าน",
    "จำนวนครัวเรือนทั้งหมด {b2} ครัวเรือน ใน {m} หมู่บ้าน",
    "ร้อยละ {p} ของผู้ตอบแบบสอบถามพึงพอใจต่อการให้บริการ",
    "เปิดให้บริการวันจันทร์ถึงวันศุกร์ เวลา 08.30-16.30 น.",
    "โทรสายด่วน 1669 เมื่อเกิดเหตุฉุกเฉิน หรือ 1111 เพื่อร้องเรียน",
    "รหัสองค์กรปกครองส่วนท้องถิ่น {lao} รหัสไปรษณีย์ {zip}",
    "ติดตั้งไฟส่องสว่างพลังงานแสงอาทิตย์ {c} จุด ในซอย {s} หมู่ {m}",
    "ปรับปรุงถนนลูกรังสายบ้าน{v}-บ้าน{v2} ระยะทาง {c} กิโลเมตร",
    "เทศบาลเมือง{t} ใช้ระบบ e-Service ลดเวลารอจาก {c} นาทีเหลือ 5 นาที",
    "ชาวบ้านหมู่ที่ {m} ขอให้ขยายเขตประปาหมู่บ้านไปถึงบ้าน{v}",
    "เว็บไซต์หน่วยงาน www.{oa}.go.th อัปเดตข้อมูลทุกเดือน",
    "ข้อมูลชุดนี้เผยแพร่ภายใต้สัญญาอนุญาต Open Data Common",
    "ประชุมสภาองค์การบริหารส่วนตำบล{t} สมัยสามัญ สมัยที่ {s} ประจำปี {y}",
    "เก็บขยะได้ {c} ตันต่อเดือน ลดลงร้อยละ {p}",
    "ผลการประเมิน ITA ปี {y} ได้ {p}.50 คะแนน",
    "ตำบล{t} มี {c} หมู่บ้าน แบ่งเป็น หมู่ 1 ถึงหมู่ {m}",
    "ขนาดพื้นที่ {c} ไร่ ตั้งอยู่ริมทางหลวงหมายเลข {s}{s}",
    "ส่งแบบรายงานภายในวันที่ {d}/{mo}/{y} ทางระบบ e-LAAS",
    "อาสาสมัครสาธารณสุขประจำหมู่บ้านจำนวน {c} คน ผ่านการอบรม",
    "โครงการนี้ได้รับรางวัลชนะเลิศระดับจังหวัด ปี {y}",
    "เบี้ยยังชีพผู้สูงอายุเดือนละ 600 บาท จ่ายทุกวันที่ 10",
    "คุณภาพน้ำประปาผ่านเกณฑ์มาตรฐานทุกหมู่บ้าน",
    "ขอบคุณพระสงฆ์และชาวบ้านที่ร่วมงานบุญกฐินวัดบ้าน{v}",
    "อำเภอนางรอง จังหวัดบุรีรัมย์ เป็นพื้นที่นำร่องโครงการ",
    "รถบรรทุกขยะทะเบียน 81-{n4} นครราชสีมา เข้ารับการซ่อมบำรุง",
    "สถานที่จัดงาน ลานอเนกประสงค์ หมู่ {m} ข้างที่ทำการ อบต.{t}",
    "ค่าเช่าพื้นที่ตลาดนัด {c} บาทต่อแผงต่อวัน",
    "เลขที่โครงการ DGTi-{y}-000{c} ผ่านการคัดเลือกรอบแรก",
    "พิกัด 15.{n4} N, 102.{n4} E",
    "ตรวจสุขภาพพระภิกษุสงฆ์ {c} รูป ที่วัด{wat}",
    "ศูนย์ราชการสะดวก อบต.{t} เลขที่ {h} หมู่ {m} ให้บริการชำระภาษีที่ดิน",
]


def fill_clean(t: str) -> str:
    y = R.randint(2560, 2568)
    v = dict(t=R.choice(TAMBON), a=R.choice(AMPHOE), v=R.choice(VILLAGE), v2=R.choice(VILLAGE),
             road=R.choice(ROAD), n=R.randint(1, 199), h=house(), m=moo(), m2=moo(), y=y, y1=y + 1,
             d=R.randint(1, 28), mo=f"{R.randint(1, 12):02d}", n4=R.randint(1000, 9999),
             b=f"{R.randint(1, 9)},{R.randint(100, 999)},000", b2=f"{R.randint(1, 3)},{R.randint(100, 999)}",
             c=R.randint(2, 60), p=R.randint(60, 98), s=R.randint(1, 9),
             tax=nid_digits(0), co=R.choice(["ศรีเจริญก่อสร้าง", "ทองคำวิศวกรรม", "นาดีการโยธา"]),
             oa=R.choice(["tessabannongbua", "saobanklang", "nadi.municipality", "thachangcity",
                          "huaisai_sao", "obtnonsung"]),
             lao=R.randint(6000000, 6999999), zip=R.randint(10000, 96000), wat=R.choice(WAT))
    return t.format(**v)


def fill_pii(t: str) -> str:
    slots = dict(addr=addr(), addr2=addr(), addr_glued=addr_glued(), addr_en=addr_en(), name=name(),
                 name2=name(), name3=name(), member=member(), child=child(), ename=ename(), monk=monk(),
                 monk2=monk(), phone=phone(), nid=nid(), email=email(), line=line(), url=url(), wat=nwat())
    return t.format(**slots)


MARK = re.compile(r"⟦(\w+)\|([^⟧]+)⟧")


def unmark(marked: str) -> tuple[str, list[dict]]:
    out, spans, pos = [], [], 0
    length = 0
    for m in MARK.finditer(marked):
        before = marked[pos:m.start()]
        out.append(before)
        length += len(before)
        spans.append({"start": length, "end": length + len(m.group(2)), "kind": m.group(1),
                      "text": m.group(2)})
        out.append(m.group(2))
        length += len(m.group(2))
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    assert all(text[s["start"]:s["end"]] == s["text"] for s in spans)
    return text, spans


def main() -> None:
    rows = []
    for i in range(216):
        text, spans = unmark(fill_pii(PII[i % len(PII)]))
        rows.append({"id": f"v2-pii-{i + 1:03d}", "group": "holdout_v2", "text": text, "spans": spans})
    for i in range(120):
        text, spans = unmark(fill_clean(CLEAN[i % len(CLEAN)]))
        assert not spans
        rows.append({"id": f"v2-clean-{i + 1:03d}", "group": "holdout_v2_clean", "text": text,
                     "spans": spans})
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {len(rows)} sentences to {OUT}")


if __name__ == "__main__":
    main()
