"""Rows of ``local-digital-submissions``: contest entries with their LAO, project and contact."""

from __future__ import annotations

import math

from dgti_data.sample.forms import Cell
from dgti_data.sample.makers import Part, Personal, RowMaker
from dgti_data.sample.names import POSITIONS
from dgti_data.sample.texts import BRANDS, CATEGORY_WEIGHTS, DETAILS, PURPOSES, SERVICES_BY_CATEGORY

CHANNELS = ("เว็บไซต์", "LINE OA", "แอปพลิเคชัน", "Facebook", "ตู้บริการอัตโนมัติ", "เคาน์เตอร์บริการ",
            "โทรศัพท์")
_CATEGORIES = tuple(c for c, w in CATEGORY_WEIGHTS.items() for _ in range(w))
_SCREENING = ("ผ่านการคัดกรอง",) * 70 + ("ไม่ผ่านการคัดกรอง",) * 20 + ("อยู่ระหว่างพิจารณา",) * 10
_AWARDS = (
    ("รางวัลชนะเลิศ",) * 3 + ("รางวัลรองชนะเลิศอันดับ 1",) * 4 + ("รางวัลรองชนะเลิศอันดับ 2",) * 5
    + ("รางวัลชมเชย",) * 15 + ("ไม่ได้รับรางวัล",) * 60 + ("",) * 13
)


class SubmissionMaker(RowMaker):
    key_prefix = "DGTi"
    row_fields = ("submission_id", "contest_year", "submitted_date", "launch_date")
    person_fields = ("contact_name", "contact_position", "contact_phone", "contact_email",
                     "contact_national_id")

    def row_cells(self, index: int, offset: int) -> tuple[Cell, ...]:
        f = self.forms
        year, key = self.keys.year_and_key(index)
        submitted = self.day_in(year, (1, 15), (9, 30))
        launch = f.date(submitted - offset) if offset >= 0 else f.missing()
        return f.pad(key), f.year(year), f.date(submitted), launch

    def entry_part(self) -> Part:
        rng, f, rnd = self.rng, self.forms, self.rng.random
        lao = self.registry.weighted(rng)
        category = self.pick(_CATEGORIES)
        service = self.pick(SERVICES_BY_CATEGORY[category])

        t = rnd()
        if t < 0.5:
            title = service
        elif t < 0.75:
            title = f"{service}ของ{lao.names[0]}"
        elif t < 0.9:
            title = f'"{lao.base_name} {self.pick(BRANDS)}" {service}'
        else:
            title = f"โครงการพัฒนา{service}"

        personal: list[Personal] = []
        if rnd() < 0.95:
            sentences = [f"{lao.names[0]}พัฒนา{service}เพื่อ{self.pick(PURPOSES)}"]
            sentences += [self.pick(DETAILS) for _ in range(1 + int(rnd() * 2))]
            text, personal = self.free_text("summary", sentences, 0.2, lao)
            summary: Cell = text
        else:
            summary = f.missing()

        if rnd() < 0.95:
            picked = sorted({int(rnd() * len(CHANNELS)) for _ in range(1 + int(rnd() * 3))})
            channels: Cell = f.pad(";".join(CHANNELS[i] for i in picked))
        else:
            channels = f.missing()

        served: Cell = (
            f.integer(min(5_000_000, int(math.exp(rng.gauss(6 + math.log(lao.size), 1.2)))))
            if rnd() < 0.95 else f.missing()
        )
        if rnd() < 0.95:
            if rnd() < 0.15:
                amount = 0.0  # built in-house
            else:
                amount = min(5e8, round(math.exp(rng.gauss(11 + 0.5 * math.log(lao.size), 1.0)), -2))
                if rnd() < 0.1:
                    amount += 0.5
            budget: Cell = f.number(amount)
        else:
            budget = f.missing()

        status = self.pick(_SCREENING)
        award: Cell = f.missing()
        if status == "ผ่านการคัดกรอง":
            a = self.pick(_AWARDS)
            award = f.text(a) if a else f.missing()

        cells = {
            **self.lao_cells(lao),
            "category": f.text(category),
            "project_title": f.text(title),
            "summary": summary,
            "service_channels": channels,
            "people_served": served,
            "budget_thb": budget,
            "screening_status": f.text(status),
            "award": award,
        }
        offset = 30 + int(rnd() * 1200) if rnd() < 0.9 else -1
        return Part(cells, personal, lao, offset)

    def person_part(self) -> Part:
        f, rnd = self.forms, self.rng.random
        person = self.contact()
        personal: list[Personal] = [("contact_name", person.name, "name")]
        cells = {
            "contact_name": f.pad(person.name),
            "contact_position": f.text(self.pick(POSITIONS)) if rnd() < 0.9 else f.missing(),
            "contact_phone": self.optional(0.9, person.phone, "contact_phone", "phone", personal),
            "contact_email": self.optional(0.8, person.email, "contact_email", "email", personal),
            "contact_national_id": self.optional(0.6, person.national_id, "contact_national_id",
                                                 "national_id", personal),
        }
        return Part(cells, personal)
