"""Each detector on positives (Thai digits, dashes, +66, titles and ranks) and on ordinary LAO data."""

from __future__ import annotations

import csv

import pytest

from dgti_data.anonymise.detectors import (
    PLACEHOLDERS,
    detect,
    digits_only,
    national_id_valid,
    strip_title,
)
from dgti_data.anonymise.redact import known_value, redact_text
from dgti_data.settings import PROJECT_ROOT

THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
VALID_ID = "1101400123451"   # check digit 1 is right
INVALID_ID = "1101400123452"


def found(text: str) -> list[tuple[str, str]]:
    return [(text[s.start:s.end], s.kind) for s in detect(text)]


def test_check_digit() -> None:
    assert national_id_valid(VALID_ID)
    assert national_id_valid("3100501234563")
    assert not national_id_valid(INVALID_ID)
    assert not national_id_valid("110140012345")


@pytest.mark.parametrize("written", [
    VALID_ID,
    "1-1014-00123-45-1",
    "1 1014 00123 45 1",
    VALID_ID.translate(THAI),
    "1-1014-00123-45-1".translate(THAI),
    "1-10140-0123-451",  # any grouping
])
def test_national_id_positive(written: str) -> None:
    text = f"ผู้ประสานงานเลขบัตรประชาชน {written} แนบสำเนาแล้ว"
    assert found(text) == [(written, "national_id")]


@pytest.mark.parametrize("written", [INVALID_ID, "1-1014-00123-45-2", INVALID_ID.translate(THAI)])
def test_national_id_with_wrong_check_digit_is_not_personal(written: str) -> None:
    assert found(f"หมายเลขครุภัณฑ์ {written} ในทะเบียน") == []


@pytest.mark.parametrize("phone", [
    "0812345678", "081-234-5678", "081 234 5678", "08-1234-5678", "081-2345678", "081.234.5678",
    "02-123-4567", "0-2123-4567", "(02) 123 4567", "053-123456", "053 123 456", "044-611-222",
    "+66 81 234 5678", "+66812345678", "+66-81-234-5678", "(+66) 81 234 5678", "+66 (0) 2 123 4567",
    "+66 2 123 4567", "081-234-5678".translate(THAI), "๐๒-๑๒๓-๔๕๖๗",
])
def test_phone_positive(phone: str) -> None:
    assert found(f"ติดต่อได้ที่ {phone} ในเวลาราชการ") == [(phone, "phone")]


def test_phones_next_to_each_other_and_after_text() -> None:
    text = "โทร.081-234-5678,082-345-6789 หรือ โทร0612345678"
    assert [k for _, k in found(text)] == ["phone", "phone", "phone"]


@pytest.mark.parametrize("address", [
    "somchai.j@gmail.com", "Kittipong.W@Outlook.co.th", "saraban@bandu.go.th", "it-center@kalasin-city.go.th",
    "boonsong.d[at]gmail.com",
])
def test_email_positive(address: str) -> None:
    assert found(f"ส่งเอกสารที่ {address} ภายในวันศุกร์") == [(address, "email")]


@pytest.mark.parametrize(("text", "handle"), [
    ("LINE: somchai99", "somchai99"),
    ("Line ID: nok_2530", "nok_2530"),
    ("ID Line: pim1234", "pim1234"),
    ("ไลน์ไอดี @abc", "@abc"),
    ("ไลน์: jaidee.s", "jaidee.s"),
    ("ไอดีไลน์ boonmee77", "boonmee77"),
    ("ไลน์ส่วนตัว @ploy.2540 ของเจ้าหน้าที่", "@ploy.2540"),
    ("แอดไลน์ line.me/ti/p/~somsri.dev เพื่อสอบถาม", "line.me/ti/p/~somsri.dev"),
])
def test_line_id_positive(text: str, handle: str) -> None:
    assert found(text) == [(handle, "line_id")]


@pytest.mark.parametrize("text", [
    "ติดต่อผ่าน LINE OA @tessaban.bandu", "ไลน์โอเอ @tessaban-nana", "แจ้งเตือนผ่าน LINE Notify",
    "เพิ่มเพื่อน lin.ee/AbC123x", "บัญชีทางการ line.me/R/ti/p/@bandu-city", "ระบบออนไลน์ online",
])
def test_line_official_accounts_and_words_are_kept(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("url", [
    "https://www.facebook.com/somchai.jaidee", "facebook.com/somchai.jaidee.9", "fb.com/abt.nongbua",
    "https://www.tiktok.com/@krusomsri", "instagram.com/pim.s", "https://www.youtube.com/@nongbuachannel",
    "https://www.facebook.com/profile.php?id=100012345678901",
])
def test_social_url_positive(url: str) -> None:
    assert found(f"ติดตามได้ที่ {url} ทุกวัน") == [(url, "url_handle")]


@pytest.mark.parametrize("text", [
    "เว็บไซต์ https://www.bandu.go.th/news/2566", "www.dga.or.th", "https://data.go.th/dataset/lao-digital",
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.facebook.com",
])
def test_lao_and_public_urls_are_kept(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize("person", [
    "นายสมชาย ใจดี", "นางบุญมี ศรีสุข", "นางสาวพิมพ์ชนก แก้วมณี", "น.ส.วรรณา ศรีสุข", "ดร.ธีรวัฒน์ วงศ์ไทย",
    "ผศ.ดร.กมล ศรีสวัสดิ์", "รศ.สุดา พงษ์พานิช", "ว่าที่ร้อยตรีวีระ ชัยมงคล", "ว่าที่ ร.ต.ประเสริฐ บุญยืน",
    "ร.ต.อ.สมหมาย รักดี", "พ.ต.ท.สุริยา เดชบุญ", "จ.ส.อ.มานพ แสงทอง", "นพ.วิชัย สุขใจ", "พญ.ปรียา จันทร์เพ็ญ",
    "ร.ต.อ.หญิงอรุณี ทองดี", "ว่าที่ร้อยตรีหญิงสมหญิง ใจดี", "นายกมล ชัยศรี", "คุณมาลัย ใจงาม",
    "Mr. Somchai Jaidee", "Ms. Pimchanok Kaewmanee", "Dr. Teerawat Wongthai", "ศ.ดร.ปรีชา วงศ์ทอง",
])
def test_names_after_titles(person: str) -> None:
    assert found(f"ผู้ประสานงาน {person} เป็นผู้ดูแลระบบ") == [(person, "name")]


def test_name_joined_to_the_sentence() -> None:
    assert found("ติดต่อนายสมชาย ใจดี โทร 081-234-5678") == [
        ("นายสมชาย ใจดี", "name"), ("081-234-5678", "phone")]
    assert found("ขอบคุณคุณสมหญิง ใจเย็น ที่ช่วยทดสอบ") == [("คุณสมหญิง ใจเย็น", "name")]
    assert found("ส่งรายงานให้นางสาวธิดารัตน์ บุญศรีภายในวันที่ 20") == [("นางสาวธิดารัตน์ บุญศรี", "name")]


def test_name_after_contact_label() -> None:
    assert found("ผู้ประสานงาน: สมชาย ใจดี") == [("สมชาย ใจดี", "name")]
    assert found("ผู้ประสานงาน: ปลัดเทศบาลและหัวหน้าสำนักปลัด") == []


@pytest.mark.parametrize("text", [
    "งบประมาณ 1,250,000 บาท จากเงินอุดหนุนทั่วไป ปีงบประมาณ 2566",
    "ดำเนินการระหว่างวันที่ 15/07/2564 ถึง 30/09/2565",
    "เริ่มให้บริการ 2564-07-15 และขยายผลเมื่อ 1 ต.ค. 2565",
    "รหัส อปท. 5200101 และ 6130408 อยู่ในทะเบียน",
    "จำนวนผู้รับบริการ 3,245 คน คิดเป็นร้อยละ 85.5",
    "โครงการรหัส DGTi-2566-000123 และแบบสำรวจ SRV-2566-000045",
    "ให้บริการ 08.30-16.30 น. สายด่วน 1111 และ 1669",
    "หนังสือที่ มท 0808.2/ว 1234 ลงวันที่ 15 มิ.ย. 2566",
    "ปีงบประมาณ พ.ศ. 2565 ได้รับงบประมาณ 2,345,678.50 บาท",
    "IP 203.150.12.45 เวอร์ชัน 2.4.10 พิกัด 16.4419, 102.8360",
    "นายกเทศมนตรีตำบลหนองบัว นายก อบต. และนายอำเภอเมืองร่วมประชุม",
    "นายช่างโยธา นายทะเบียนท้องถิ่น และนางพยาบาลวิชาชีพ",
    "พัฒนาคุณภาพชีวิต คุณสมบัติ และคุณค่าของผลิตภัณฑ์ชุมชน",
    "อำเภอนางรอง อบต.นางแล อบต.ดอนนางหงส์ เทศบาลตำบลบางนายสี จังหวัดนครนายก",
    "ร่วมกับ รพ.สต.บ้านหนองแวง และ ร.พ.ส.ต.บ้านโนนสูง",
    "ผู้ใหญ่บ้านหมู่ที่ 3 และกำนันตำบลบ้านดู่ ว่าที่ปลัดเทศบาล อาจารย์ผู้สอน",
    "ทนายความอาสา ระบบทำนายผลผลิต ขอบคุณประชาชน",
    "ชาวบ้านในบ้านนางามยังเข้าไม่ถึงอินเทอร์เน็ต",
    "เลขที่ใบเสร็จ 0012345678 ออกโดยระบบ",
])
def test_ordinary_lao_text_is_not_personal(text: str) -> None:
    assert found(text) == []


def test_lao_registry_and_district_names_are_not_personal() -> None:
    """Every LAO and district name, alone and with its type or district, passes untouched."""
    ref = PROJECT_ROOT / "schemas" / "reference"
    hits = []
    with (ref / "lao-registry.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for text in (row["name_th"], f"{row['lao_type']}{row['name_th']}",
                         f"{row['lao_type']}{row['name_th']} อำเภอ{row['district_name_th']}",
                         f"ที่ทำการ{row['name_th']}"):
                if detect(text):
                    hits.append(text)
    with (ref / "districts.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for text in (row["name_th"], f"อำเภอ{row['name_th']}", f"อ.{row['name_th']} จ.ขอนแก่น"):
                if detect(text):
                    hits.append(text)
    assert hits == []


def test_placeholders_are_not_detected_again() -> None:
    assert detect(" ".join(PLACEHOLDERS.values())) == []


def test_redact_text_counts_kinds_and_leaves_the_rest() -> None:
    text = f"ติดต่อ นายสมชาย ใจดี โทร 081-234-5678 เลขบัตร {VALID_ID} งบ 1,250,000 บาท"
    out, counts = redact_text(text)
    assert out == "ติดต่อ [ชื่อบุคคล] โทร [โทรศัพท์] เลขบัตร [เลขบัตรประชาชน] งบ 1,250,000 บาท"
    assert counts == {"name": 1, "phone": 1, "national_id": 1}


def test_known_values_of_the_row_are_redacted_without_a_title() -> None:
    known = [known_value("name", "นายสมชาย ใจดี"), known_value("phone", "+66812345678")]
    text = "สมชาย ใจดี แจ้งว่าระบบล่ม ติดต่อกลับ 081 2345 678"
    out, counts = redact_text(text, [k for k in known if k])
    assert "สมชาย" not in out and "678" not in out
    assert counts == {"name": 1, "phone": 1}


def test_helpers() -> None:
    assert digits_only("๐๘๑-๒๓๔-๕๖๗๘") == "0812345678"
    assert strip_title("ว่าที่ ร.ต.ประเสริฐ บุญยืน") == "ประเสริฐ บุญยืน"
    assert strip_title("สมชาย ใจดี") == "สมชาย ใจดี"


def test_line_id_far_after_an_official_account_mention() -> None:
    """Regression: the window around the first LINE mention cut the second one's handle short."""
    text = ("ประชาชนสามารถยื่นคำร้องผ่าน LINE OA ได้โดยไม่ต้องเดินทางมาที่สำนักงาน "
            "ติดต่อผ่านไลน์ไอดี manop70")
    assert found(text) == [("manop70", "line_id")]


# --- issue 14: addresses, monks, over-redactions ------------------------------------------------


@pytest.mark.parametrize(("text", "address"), [
    ("ผู้ร้อง บ้านเลขที่ ๒๘/๖๙ หมู่ ๑๓ ต.บ้านดู่", "บ้านเลขที่ ๒๘/๖๙"),
    ("อยู่บ้านเลขที่28/69หมู่13", "บ้านเลขที่28/69"),
    ("ที่อยู่ 12/3 หมู่ 4 ตำบลนาดี", "12/3"),
    ("ที่อยู่ 12/3 ม.4", "12/3"),
    ("ที่อยู่ 12 หมู่ที่ 4", "12"),
    ("เลขที่ 45 ตำบลศิลา อำเภอเมือง", "เลขที่ 45"),
    ("เลขที่ 7/1 ซอยกลางเมือง 3 ถนนพหลโยธิน แขวงสามเสนใน", "เลขที่ 7/1 ซอยกลางเมือง 3 ถนนพหลโยธิน"),
    ("ส่งที่ 99/4 ถ.มิตรภาพตำบลในเมือง", "99/4 ถ.มิตรภาพ"),
    ("lives at No. 12/3 Moo 4, Tambon Sila", "No. 12/3"),
    ("lives at 12/3 Moo 4, Tambon Sila", "12/3"),
])
def test_house_addresses_are_found_up_to_the_village(text: str, address: str) -> None:
    assert found(text) == [(address, "address")]
    assert redact_text(text)[0] == text.replace(address, PLACEHOLDERS["address"])


@pytest.mark.parametrize("text", [
    "ที่ทำการองค์การบริหารส่วนตำบลหนองแวง เลขที่ 99 หมู่ 1 ตำบลหนองแวง",   # an office's own address
    "โรงเรียนบ้านนาดี ตั้งอยู่เลขที่ 45 หมู่ 2",
    "หมู่ 5 บ้านหนองบัว มีครัวเรือน 120 ครัวเรือน",                         # a village
    "ตามหนังสือที่ 123/2564 ลงวันที่ 5 มกราคม 2564",                         # document numbers
    "ที่ มท 0810.3/ว 2063",
    "ก่อสร้างถนน ซอย 3 หมู่ 5 ยาว 450 เมตร",
    "ในปี 2567 หมู่ 1 ถึงหมู่ 14 ได้รับงบ",
    "ประชุมวันที่ 12/3/2567 หมู่ 4",                                        # a date
])
def test_what_is_not_a_house_address_stays(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("นิมนต์พระชัยวัฒน์ อตฺถกาโม เป็นประธาน", "พระชัยวัฒน์ อตฺถกาโม"),
    ("พระอธิการอำนาจ ปญฺญาวโร เจ้าอาวาส", "พระอธิการอำนาจ ปญฺญาวโร"),
    ("ประธานสงฆ์ พระอธิการอำนาจ เจ้าอาวาสวัดโนนสูง", "พระอธิการอำนาจ"),
    ("พระมหาสมพงษ์ ฐิตธมฺโม", "พระมหาสมพงษ์ ฐิตธมฺโม"),
    ("หลวงพ่อคูณ ปริสุทฺโธ", "หลวงพ่อคูณ ปริสุทฺโธ"),
    ("สามเณรธนกร ใจดี ได้รับทุน", "สามเณรธนกร ใจดี"),
])
def test_monks_names(text: str, name: str) -> None:
    assert found(text) == [(name, "name")]


@pytest.mark.parametrize("text", [
    "ตามพระราชบัญญัติการบริหารงาน", "จังหวัดพระนครศรีอยุธยา จำนวน 46 คน", "วัดพระธาตุหนองบัว ร่วมกับ",
    "พระสงฆ์ 9 รูป", "พระมหากษัตริย์", "พระพุทธรูป หลวงพ่อโต", "ถวายแด่พระภิกษุสามเณรวัดนาดี",
])
def test_words_starting_with_phra_stay(text: str) -> None:
    assert found(text) == []


def test_an_agencys_tax_id_is_not_a_national_id() -> None:
    assert not national_id_valid("0994000165668")   # valid check digit, first digit 0
    for written in ("0994000165668", "0-9940-00165-66-8", "0 9940 00165 66 8"):
        assert found(f"เลขประจำตัวผู้เสียภาษี {written} ของหน่วยงาน") == []


@pytest.mark.parametrize("text", [
    "ซื้อถังน้ำที่ Mr. DIY สาขาบิ๊กซี",
    "ช่องคำนำหน้า Mr., Mrs., Miss และ Ms. ให้กรอกเป็นภาษาอังกฤษ",
    "เลือกคำนำหน้า (Mr./Mrs./Ms.) ตามบัตร",
    "ติดตามข่าวสารทาง LINE @bandu.city หรือเว็บไซต์",
    "เพิ่มเพื่อนไลน์ทางการของเทศบาล @thetsabannadi",
])
def test_no_over_redaction(text: str) -> None:
    assert found(text) == []


def test_a_personal_at_handle_is_still_a_line_id() -> None:
    assert found("ไลน์ส่วนตัว @somsak_abt") == [("@somsak_abt", "line_id")]
    assert found("ติดต่อทาง LINE @bundit.k") == [("@bundit.k", "line_id")]


def test_a_line_link_leaves_the_full_stop() -> None:
    text = "ส่งมาที่ https://line.me/ti/p/~kanokwan.s."
    assert redact_text(text)[0] == f"ส่งมาที่ {PLACEHOLDERS['line_id']}."


# --- issue 14, second round: the first holdout's miss classes -----------------------------------


@pytest.mark.parametrize(("text", "name", "address"), [
    ("ส.อบต.กัญญา คำแก้ว อยู่๒๕๐/๙๕ ซ.3", "ส.อบต.กัญญา คำแก้ว", "๒๕๐/๙๕ ซ.3"),
    ("ส.อบต.ทองสุข มาลัย 88 หมู่ 3 แจ้งเรื่อง", "ส.อบต.ทองสุข มาลัย", "88"),
    ("สมาชิกสภาเทศบาลนางจำปี ดวงดี บ้านอยู่เลขที่ 40/1 หมู่ 9", "นางจำปี ดวงดี", "เลขที่ 40/1"),
])
def test_a_house_after_a_member_title_is_the_members_not_the_offices(
        text: str, name: str, address: str) -> None:
    # the อบต./เทศบาล in the member's title does not make the address an office's own
    assert found(text) == [(name, "name"), (address, "address")]


def test_an_office_address_stays_after_the_member_fix() -> None:
    assert found("สมาชิกสภา อบต.บ้านโคก ประชุม ณ ที่ทำการ อบต. เลขที่ 1 หมู่ 2") == []


@pytest.mark.parametrize(("text", "address"), [
    ("ขอรับถังขยะเพิ่มที่237/11 ม. 17", "237/11"),      # ที่ meaning "at", glued
    ("น้ำท่วมขังที่ 14/2 หมู่ที่ 3", "14/2"),
    ("ขยะตกค้างที่๑๒๓ ม.๖", "๑๒๓"),
])
def test_a_house_number_after_ti_meaning_at(text: str, address: str) -> None:
    assert found(text) == [(address, "address")]


@pytest.mark.parametrize("text", [
    "อ้างถึงคำสั่งที่ 112/2566 หมู่ 3 ได้รับงบ",     # a document: its second part is a BE year
    "ที่ 123/2564 ม.4",
    "ลำดับที่ 12 หมู่ 4 บ้านหนองแซง",                 # an ordinal
    "แปลงที่ 3 หมู่ 7 เป็นที่สาธารณะ",
])
def test_a_document_or_list_number_after_ti_stays(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(("text", "name"), [
    ("พระอธิการเสถียร แจ้งขอรับงบประมาณ", "พระอธิการเสถียร"),
    ("พระมหาบุญชู ประสงค์ขอใช้ศาลา", "พระมหาบุญชู"),
    ("พระครูสมุห์อนันต์ แจ้งซ่อมไฟฟ้า", "พระครูสมุห์อนันต์"),
    ("พระสมุห์ไพรัช ปิยธมฺโม ขอรับ", "พระสมุห์ไพรัช ปิยธมฺโม"),   # a chaya still follows the name
    ("พระปลัดวีระ สํวโร รับนิมนต์", "พระปลัดวีระ สํวโร"),         # nikhahit
    ("สามเณรภานุวัฒน์ คำแสน ได้รางวัล", "สามเณรภานุวัฒน์ คำแสน"),  # a novice keeps his surname
])
def test_a_monks_second_word_is_a_chaya_or_the_sentence(text: str, name: str) -> None:
    assert found(text) == [(name, "name")]


def test_volunteer_and_assistant_headman_titles_only_glued_to_a_name() -> None:
    assert found("อสม.มณีรัตน์ คำมูล ลงพื้นที่") == [("อสม.มณีรัตน์ คำมูล", "name")]
    assert found("ผช.ผญบ.ธวัชชัย ปิ่นทอง ช่วยประสาน") == [("ผช.ผญบ.ธวัชชัย ปิ่นทอง", "name")]
    assert found("อสม. ลงเยี่ยมผู้ป่วยติดเตียงทุกเดือน") == []   # the volunteers as a group
    assert found("อสม.ทุกหมู่บ้านร่วมรณรงค์") == []


def test_a_title_inside_a_name_does_not_start_another_name() -> None:
    # a พระครู title name ending in คุณ: not the title คุณ with the next words as a name
    assert found("นิมนต์พระครูวิจิตรธรรมคุณ วัดโนนสูง มาเป็นประธาน") == [("พระครูวิจิตรธรรมคุณ", "name")]
    assert found("นายคุณากร ใจดี") == [("นายคุณากร ใจดี", "name")]
