"""Word lists for people and places: titled Thai names with romanisations, job titles, URL roots.

Names carry a romanisation so that e-mails and LINE IDs look like the person's own. The lists are
short on purpose: names repeat in real exports too, and a short list keeps generation fast.
"""

from __future__ import annotations

# (Thai, romanised) given names.
MALE_GIVEN = (
    ("สมชาย", "somchai"), ("สมศักดิ์", "somsak"), ("วิชัย", "wichai"), ("สุรชัย", "surachai"),
    ("อนุชา", "anucha"), ("ธนากร", "thanakorn"), ("ณัฐพล", "nattapon"), ("กิตติศักดิ์", "kittisak"),
    ("ชัยวัฒน์", "chaiwat"), ("ปิยะพงษ์", "piyapong"), ("วีระพงษ์", "weerapong"),
    ("สุทธิพงษ์", "sutthipong"), ("อภิชาติ", "apichat"), ("ธีรวุฒิ", "teerawut"),
    ("พงศกร", "pongsakorn"), ("จักรพันธ์", "jakkapan"), ("เอกชัย", "ekkachai"), ("บุญมี", "boonmee"),
    ("ศักดิ์ชัย", "sakchai"), ("นพดล", "noppadon"), ("ธวัชชัย", "thawatchai"),
    ("ภานุวัฒน์", "panuwat"), ("วรวุฒิ", "worawut"), ("สมบัติ", "sombat"), ("ประเสริฐ", "prasert"),
    ("มานพ", "manop"), ("สุเมธ", "sumet"), ("อำนาจ", "amnat"), ("ณรงค์", "narong"),
    ("ทรงศักดิ์", "songsak"), ("เกรียงไกร", "kriangkrai"), ("ปรีชา", "preecha"),
)
FEMALE_GIVEN = (
    ("สมหญิง", "somying"), ("สุดารัตน์", "sudarat"), ("กาญจนา", "kanjana"), ("วนิดา", "wanida"),
    ("พรทิพย์", "porntip"), ("นันทนา", "nantana"), ("ศิริพร", "siriporn"), ("อรุณี", "arunee"),
    ("จันทร์เพ็ญ", "janpen"), ("ปวีณา", "paweena"), ("รัตนา", "rattana"), ("สุภาพร", "supaporn"),
    ("ณัฐธิดา", "nattida"), ("พิมพ์ชนก", "pimchanok"), ("ชลธิชา", "chonticha"),
    ("กัญญารัตน์", "kanyarat"), ("วิไลวรรณ", "wilaiwan"), ("อัญชลี", "anchalee"),
    ("ธิดารัตน์", "thidarat"), ("เพ็ญศรี", "pensri"), ("มาลัย", "malai"), ("บุษบา", "busaba"),
    ("ลำดวน", "lamduan"), ("จิราพร", "jiraporn"), ("ศศิธร", "sasithorn"), ("อรทัย", "orathai"),
    ("นภาพร", "napaporn"), ("ปิยะนุช", "piyanuch"), ("สายสุนีย์", "saisunee"), ("ดวงใจ", "duangjai"),
    ("วันเพ็ญ", "wanpen"), ("อุไรวรรณ", "uraiwan"),
)
SURNAMES = (
    ("ใจดี", "jaidee"), ("รักษ์ไทย", "rakthai"), ("ศรีสุข", "srisuk"), ("แสงทอง", "saengthong"),
    ("บุญมา", "boonma"), ("พึ่งบุญ", "phuengboon"), ("สุขสวัสดิ์", "suksawat"),
    ("วงศ์สวัสดิ์", "wongsawat"), ("ทองดี", "thongdee"), ("มั่นคง", "mankong"),
    ("เจริญผล", "charoenphon"), ("แก้วมณี", "kaewmanee"), ("ศรีวงศ์", "sriwong"),
    ("ปัญญาดี", "panyadee"), ("สมบูรณ์ศักดิ์", "somboonsak"), ("อินทร์แก้ว", "inkaew"),
    ("ชัยมงคล", "chaimongkol"), ("พรหมมา", "promma"), ("บุญเรือง", "boonruang"),
    ("คำแสน", "khamsaen"), ("ทองคำ", "thongkham"), ("จันทร์หอม", "chanhom"),
    ("นาคสวัสดิ์", "naksawat"), ("เพชรรัตน์", "petcharat"), ("สิทธิชัย", "sitthichai"),
    ("รุ่งเรือง", "rungruang"), ("วัฒนา", "wattana"), ("กิจเจริญ", "kitcharoen"),
    ("ศรีประเสริฐ", "sriprasert"), ("ธนสาร", "thanasan"), ("หอมจันทร์", "homchan"),
    ("ยอดเพชร", "yodpetch"), ("มีสุข", "meesuk"), ("บัวทอง", "buathong"), ("พลอยงาม", "ployngam"),
    ("ดวงดี", "duangdee"), ("เรืองศรี", "ruangsri"), ("ขาวสะอาด", "khaosaard"),
    ("ปานทอง", "panthong"), ("สายบุญ", "saiboon"), ("ภูมิสวัสดิ์", "phumsawat"),
    ("นิลสุวรรณ", "ninsuwan"),
)

# (title, gender of the people who use it: "m", "f" or "" for either, weight).
TITLES = (
    ("นาย", "m", 34), ("นาง", "f", 20), ("นางสาว", "f", 17), ("น.ส.", "f", 8), ("ดร.", "", 3),
    ("ว่าที่ร้อยตรี", "m", 4), ("ว่าที่ ร.ต.", "m", 1), ("ว่าที่ร้อยตรีหญิง", "f", 2), ("ผศ.", "", 1),
    ("รศ.", "", 1), ("ผศ.ดร.", "", 1), ("พ.ต.อ.", "m", 1), ("ร.ต.อ.", "m", 1), ("จ.ส.อ.", "m", 1),
)

# Job titles people type into a free "position" column.
POSITIONS = (
    "ปลัดองค์การบริหารส่วนตำบล", "ปลัดเทศบาล", "รองปลัดเทศบาล", "หัวหน้าสำนักปลัด",
    "นักวิชาการคอมพิวเตอร์ปฏิบัติการ", "นักวิชาการคอมพิวเตอร์ชำนาญการ",
    "นักจัดการงานทั่วไปชำนาญการ", "เจ้าพนักงานธุรการปฏิบัติงาน", "ผู้อำนวยการกองคลัง",
    "นักวิเคราะห์นโยบายและแผนชำนาญการ", "เจ้าพนักงานพัสดุชำนาญงาน",
    "ผู้อำนวยการกองยุทธศาสตร์และงบประมาณ", "นักประชาสัมพันธ์ปฏิบัติการ",
)

# Romanised place-name parts, for LAO web addresses (real ones look like www.nongbua.go.th).
PLACE_ROOTS = (
    "nong", "ban", "don", "khok", "huai", "na", "tha", "wang", "bang", "mae", "pa", "khlong",
    "sai", "thung", "phon", "non", "lam", "bo", "chiang", "sam",
)
PLACE_ENDS = (
    "bua", "yai", "noi", "kham", "thong", "sai", "daeng", "luang", "tai", "nuea", "mai", "kaeo",
    "sawang", "charoen", "yang", "ngam", "pho", "krathum", "rak", "suk",
)

MAIL_DOMAINS = ("gmail.com", "hotmail.com", "yahoo.com", "outlook.com", "outlook.co.th")
