"""Rows of ``lao-digital-readiness-survey``: one LAO's answers, kept consistent with each other
(no website means no web address; bigger LAOs have more staff, budget and e-services).
"""

from __future__ import annotations

import math

from dgti_data.sample.forms import Cell
from dgti_data.sample.makers import Part, Personal, RowMaker
from dgti_data.sample.texts import OBSTACLES

_E_DOCUMENT = (
    ("ระบบสารบรรณอิเล็กทรอนิกส์กลาง",) * 50 + ("ระบบที่หน่วยงานพัฒนาเอง",) * 10
    + ("ระบบของผู้ให้บริการเอกชน",) * 20 + ("ไม่มี",) * 20
)
_POSITIONS = (
    ("ปลัด อปท.",) * 15 + ("รองปลัด อปท.",) * 10 + ("หัวหน้าส่วนราชการ",) * 20
    + ("นักวิชาการคอมพิวเตอร์",) * 30 + ("เจ้าพนักงานธุรการ",) * 15 + ("อื่นๆ",) * 10
)
_BANDWIDTHS = (30, 50, 100, 100, 200, 200, 300, 500, 1000)


class SurveyMaker(RowMaker):
    key_prefix = "SRV"
    row_fields = ("response_id", "survey_year", "survey_date")
    person_fields = ("respondent_name", "respondent_position", "respondent_gender", "respondent_age",
                     "respondent_phone", "respondent_email", "respondent_national_id")

    def row_cells(self, index: int, offset: int) -> tuple[Cell, ...]:
        f = self.forms
        year, key = self.keys.year_and_key(index)
        return f.pad(key), f.year(year), f.date(self.day_in(year, (2, 1), (8, 31)))

    def entry_part(self) -> Part:
        rng, f, rnd = self.rng, self.forms, self.rng.random
        lao = self.registry.uniform(rng)
        size = lao.size
        has_website = rnd() < (0.8 if size == 1.0 else 0.93 if size < 2 else 0.99)
        if has_website:
            u = rnd()
            url = lao.url if u < 0.7 else lao.url.replace("https:", "http:") if u < 0.85 else lao.url + "/"
            website: Cell = f.pad(url)
            e_services = min(300, int(rnd() * 12 * size))
        else:
            website = f.missing()
            e_services = int(rnd() * 3)
        readiness = max(1, min(5, e_services // 5 + int(rnd() * 3)))
        staff = min(100, int(rnd() * 2 * size) + (rnd() < 0.7))
        bandwidth = float(min(10000, _BANDWIDTHS[int(rnd() * len(_BANDWIDTHS))] * (2 if size > 4 else 1)))

        personal: list[Personal] = []
        if rnd() < 0.9:
            chosen = [self.pick(OBSTACLES) for _ in range(1 + int(rnd() * 3))]
            text, personal = self.free_text("obstacles", list(dict.fromkeys(chosen)), 0.15, lao)
            obstacles: Cell = text
        else:
            obstacles = f.missing()

        cells = {
            **self.lao_cells(lao),
            "has_website": f.boolean(has_website),
            "website_url": website,
            "e_service_count": f.integer(e_services),
            "e_document_system": f.text(self.pick(_E_DOCUMENT)),
            "internet_bandwidth_mbps": f.number(bandwidth) if rnd() < 0.92 else f.missing(),
            "it_staff_count": f.integer(staff),
            "digital_budget_thb": (
                f.number(min(2e8, round(math.exp(rng.gauss(11.5 + 0.6 * math.log(size), 0.9)), -3)))
                if rnd() < 0.9 else f.missing()
            ),
            "readiness_level": f.integer(readiness),
            "obstacles": obstacles,
        }
        return Part(cells, personal, lao)

    def person_part(self) -> Part:
        f, rnd = self.forms, self.rng.random
        person = self.contact()
        personal: list[Personal] = [("respondent_name", person.name, "name")]
        g = rnd()
        gender: Cell = (
            f.missing() if g < 0.05 else f.text("ไม่ระบุ") if g < 0.1
            else f.text("ชาย" if person.gender == "m" else "หญิง")
        )
        cells = {
            "respondent_name": f.pad(person.name),
            "respondent_position": f.text(self.pick(_POSITIONS)) if rnd() < 0.95 else f.missing(),
            "respondent_gender": gender,
            "respondent_age": f.integer(24 + int(rnd() * 37)) if rnd() < 0.95 else f.missing(),
            "respondent_phone": self.optional(0.85, person.phone, "respondent_phone", "phone", personal),
            "respondent_email": self.optional(0.8, person.email, "respondent_email", "email", personal),
            "respondent_national_id": self.optional(0.5, person.national_id, "respondent_national_id",
                                                    "national_id", personal),
        }
        return Part(cells, personal)
