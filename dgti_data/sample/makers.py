"""What the per-dataset row makers share.

A row is made of three parts, so that ten million rows can be written quickly without losing
realism where it matters:

- row cells, made for every row: the primary key, the year and the dates (they follow the key);
- an *entry* part: the LAO and what it reports (text, numbers, answers), drawn from a pool;
- a *person* part: the contact person's fields, drawn from a pool of people.

Each part is made once with all its consistency rules and rendered once; rows then pick parts.
Rows up to the pool size each get their own entry; larger samples reuse entries with new keys,
dates and people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from dgti_data.sample.forms import Cell, Forms
from dgti_data.sample.keys import KeySequence
from dgti_data.sample.personal import Contact, PersonalData
from dgti_data.sample.registry import LaoInfo, Registry
from dgti_data.sample.texts import CONTACT_SENTENCES

# People per sample: about one contact per four rows, as coordinators send several entries.
MIN_PEOPLE, MAX_PEOPLE = 512, 16_384

# (field, value exactly as written, kind): one planted personal value.
Personal = tuple[str, str, str]
Row = dict[str, Cell]


@dataclass(slots=True)
class Part:
    """Some of a row's cells, already rendered, with the personal values they hold."""

    cells: Row
    personal: list[Personal]
    lao: LaoInfo | None = None
    offset: int = -1  # entry parts: days from launch to submission (-1: no launch date)


class RowMaker:
    """Makes one dataset's rows. ``rng`` draws the values, ``forms`` decides how they are written."""

    key_prefix: str = ""
    row_fields: tuple[str, ...] = ()  # made per row, in this order, by ``row_cells``
    person_fields: tuple[str, ...] = ()  # made by ``person_part``

    def __init__(self, registry: Registry, rng: random.Random, forms: Forms, rows: int) -> None:
        self.registry = registry
        self.rng = rng
        self.forms = forms
        self.people = PersonalData(rng).contacts(min(MAX_PEOPLE, max(MIN_PEOPLE, rows // 4)))
        self.keys = KeySequence(self.key_prefix, rows)
        self._years: dict[tuple[int, tuple[int, int], tuple[int, int]], tuple[int, int]] = {}

    def entry_part(self) -> Part:
        raise NotImplementedError

    def person_part(self) -> Part:
        raise NotImplementedError

    def row_cells(self, index: int, offset: int) -> tuple[Cell, ...]:
        """The cells made for every row; ``offset`` is the entry part's (a day count or -1)."""
        raise NotImplementedError

    def key(self, index: int) -> str:
        return self.keys.key(index)

    def day_in(self, be_year: int, first: tuple[int, int], last: tuple[int, int]) -> int:
        """A real calendar day (as an ordinal) of that Buddhist-Era year between two (month, day)s."""
        span = self._years.get((be_year, first, last))
        if span is None:
            lo = date(be_year - 543, *first).toordinal()
            span = self._years[(be_year, first, last)] = (lo, date(be_year - 543, *last).toordinal() - lo + 1)
        return span[0] + int(self.rng.random() * span[1])

    def pick(self, values: tuple[str, ...]) -> str:
        return values[int(self.rng.random() * len(values))]

    def contact(self) -> Contact:
        return self.people[int(self.rng.random() * len(self.people))]

    def lao_name(self, lao: LaoInfo) -> str:
        return lao.names[0] if len(lao.names) == 1 or self.rng.random() < 0.65 else lao.names[1]

    def lao_cells(self, lao: LaoInfo) -> dict[str, Cell]:
        """The LAO columns both datasets share, consistent with the registry."""
        f = self.forms
        return {
            "lao_code": f.code(lao.code),
            "lao_name": f.text(self.lao_name(lao)),
            "lao_type": f.text(lao.type),
            "province_code": f.code(lao.province_code),
            "region": f.text(lao.region),
        }

    def free_text(
        self, field: str, sentences: list[str], contact_share: float, lao: LaoInfo
    ) -> tuple[str, list[Personal]]:
        """Sentences joined as people write them; in ``contact_share`` of them a contact sentence
        with a name, phone, e-mail, LINE ID or national ID, each recorded for the anonymiser tests.
        """
        parts = [self.forms.text(s) for s in sentences]
        personal: list[Personal] = []
        if self.rng.random() < contact_share:
            template = self.pick(CONTACT_SENTENCES)
            person = self.contact()
            values = {
                "name": (person.name, "name"),
                "phone": (person.phone, "phone"),
                "email": (
                    person.org_email(lao.url.removeprefix("https://www."))
                    if self.rng.random() < 0.3 else person.email,
                    "email",
                ),
                "line": (person.line_id, "line_id"),
                "nid": (person.national_id, "national_id"),
            }
            used = {k: v for k, v in values.items() if "{" + k + "}" in template}
            personal += [(field, value, kind) for value, kind in used.values()]
            contact = template.format(**{k: v[0] for k, v in used.items()})
            if self.rng.random() < 0.7:
                parts.append(contact)
            else:
                parts.insert(0, contact)
        return " ".join(parts), personal

    def optional(self, share: float, value: str, field: str, kind: str, personal: list[Personal]) -> Cell:
        """A personal value present in ``share`` of rows, recorded when written."""
        if self.rng.random() < share:
            personal.append((field, value, kind))
            return self.forms.pad(value)
        return self.forms.missing()
