"""Made-up personal data in the forms Thai exports carry it: titled names, national IDs, phones,
e-mails and LINE IDs.

Every value is fake but well-formed (national IDs pass the check digit), so that an anonymiser has
to recognise them by shape, exactly as with real data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from dgti_data.sample.names import FEMALE_GIVEN, MAIL_DOMAINS, MALE_GIVEN, SURNAMES, TITLES
from dgti_data.sample.thai import thai_digits

# Fixed-line area codes outside Bangkok (0 + two digits, then six digits).
AREA_CODES = (
    "32", "34", "35", "36", "37", "38", "39", "42", "43", "44", "45", "53", "54", "55", "56",
    "73", "74", "75", "76", "77",
)

_TITLE_TABLE = tuple((t, g) for t, g, w in TITLES for _ in range(w))


def national_id_check_digit(first12: str) -> int:
    """Check digit of a Thai national ID: (11 - Σ dᵢ·(14-i) mod 11) mod 10."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


def national_id_valid(text: str) -> bool:
    """True if ``text`` (any of the written forms) is 13 digits with a correct check digit."""
    digits = "".join(c for c in text if c.isdigit())
    digits = "".join(str(int(c)) for c in digits)  # Thai digits to ASCII
    return len(digits) == 13 and national_id_check_digit(digits[:12]) == int(digits[12])


@dataclass(frozen=True, slots=True)
class Person:
    name: str  # as written, with title
    gender: str  # "m" or "f"
    given_roman: str
    surname_roman: str


@dataclass(frozen=True, slots=True)
class Contact:
    """A person with their own phone, e-mail, national ID and LINE ID, reused across rows as a
    coordinator is across entries."""

    name: str
    gender: str
    given_roman: str
    surname_roman: str
    phone: str
    email: str
    national_id: str
    line_id: str

    def org_email(self, domain: str) -> str:
        return f"{self.given_roman}.{self.surname_roman[0]}@{domain}"


class PersonalData:
    """Draws people and their contact details from one seeded ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def person(self) -> Person:
        rnd = self.rng.random
        title, gender = _TITLE_TABLE[int(rnd() * len(_TITLE_TABLE))]
        if not gender:
            gender = "m" if rnd() < 0.5 else "f"
        pool = MALE_GIVEN if gender == "m" else FEMALE_GIVEN
        given, given_r = pool[int(rnd() * len(pool))]
        surname, surname_r = SURNAMES[int(rnd() * len(SURNAMES))]
        sep = " " if rnd() < 0.2 else ""
        return Person(f"{title}{sep}{given} {surname}", gender, given_r, surname_r)

    def national_id(self) -> str:
        """A checksum-valid ID in one of the written forms (plain, dashed, spaced, Thai digits)."""
        rng = self.rng
        first12 = str(rng.randint(1, 8)) + f"{rng.getrandbits(40) % 10**11:011d}"
        d = first12 + str(national_id_check_digit(first12))
        form = rng.random()
        if form < 0.45:
            return d
        if form < 0.75:
            text = f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}"
        elif form < 0.90:
            text = f"{d[0]} {d[1:5]} {d[5:10]} {d[10:12]} {d[12]}"
        else:
            return thai_digits(d if form < 0.95 else f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}")
        return text

    def phone(self) -> str:
        """A mobile (06/08/09), Bangkok (02) or provincial (0xx) number in a common written form."""
        rng = self.rng
        kind = rng.random()
        form = rng.random()
        if kind < 0.7:
            n = rng.choice("689") + f"{rng.getrandbits(30) % 10**8:08d}"  # 9 digits after the 0
            if form < 0.35:
                return f"0{n[:2]}-{n[2:5]}-{n[5:]}"
            if form < 0.65:
                return f"0{n}"
            if form < 0.8:
                return f"0{n[:2]} {n[2:5]} {n[5:]}"
            if form < 0.9:
                return f"+66{n}"
            return f"+66 {n[:2]} {n[2:5]} {n[5:]}"
        if kind < 0.85:
            n = "2" + f"{rng.getrandbits(24) % 10**7:07d}"  # 8 digits after the 0
            if form < 0.6:
                return f"0{n[0]}-{n[1:4]}-{n[4:]}"
            if form < 0.85:
                return f"0{n}"
            return f"+66 {n[0]} {n[1:4]} {n[4:]}"
        n = rng.choice(AREA_CODES) + f"{rng.getrandbits(20) % 10**6:06d}"
        if form < 0.6:
            return f"0{n[:2]}-{n[2:5]}-{n[5:]}"
        if form < 0.85:
            return f"0{n}"
        return f"+66{n}"

    def contact(self) -> Contact:
        p = self.person()
        return Contact(p.name, p.gender, p.given_roman, p.surname_roman, self.phone(), self.email(p),
                       self.national_id(), self.line_id(p))

    def contacts(self, n: int) -> tuple[Contact, ...]:
        """A pool of people drawn once, so rows pick a person instead of making one."""
        return tuple(self.contact() for _ in range(n))

    def email(self, person: Person) -> str:
        """A private address (work addresses come from ``Contact.org_email``)."""
        rng = self.rng
        g, s = person.given_roman, person.surname_roman
        form = rng.random()
        domain = MAIL_DOMAINS[int(rng.random() * len(MAIL_DOMAINS))]
        if form < 0.45:
            return f"{g}.{s[:3]}@{domain}"
        if form < 0.7:
            return f"{g}{rng.randint(1, 99)}@{domain}"
        if form < 0.85:
            return f"{g}_{s}@{domain}"
        return f"{g}.{s}@{domain}"

    def line_id(self, person: Person) -> str:
        rng = self.rng
        g, s = person.given_roman, person.surname_roman
        form = rng.random()
        if form < 0.4:
            return f"{g}{rng.randint(10, 99)}"
        if form < 0.7:
            return f"{g}.{s[:2]}"
        return f"@{g}_{rng.randint(1, 999)}"
