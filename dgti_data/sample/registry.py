"""The real LAOs and provinces, prepared once per run for fast, consistent row values.

Each LAO carries what a row needs together (name forms, type, province, region, web address), so
a row's name, type, province and region always agree with its code.
"""

from __future__ import annotations

import bisect
import random
import re
from dataclasses import dataclass
from pathlib import Path

from dgti_data import reference
from dgti_data.sample.names import PLACE_ENDS, PLACE_ROOTS

# Formal and short name prefixes by type, as LAOs write their own names.
_NAME_FORMS = {
    "อบต.": ("องค์การบริหารส่วนตำบล", "อบต."),
    "เทศบาลตำบล": ("เทศบาลตำบล", "ทต."),
    "เทศบาลเมือง": ("เทศบาลเมือง", "ทม."),
    "เทศบาลนคร": ("เทศบาลนคร", "ทน."),
    "อบจ.": ("องค์การบริหารส่วนจังหวัด", "อบจ."),
}

# How often each type shows up in contest entries: larger LAOs enter more often.
SUBMISSION_WEIGHTS = {
    "อบต.": 1, "เทศบาลตำบล": 2, "เทศบาลเมือง": 6, "เทศบาลนคร": 10, "อบจ.": 5,
    "เมืองพัทยา": 10, "กรุงเทพมหานคร": 10,
}

# Rough size of each type, scaling budgets, staff and e-services.
SIZE = {
    "อบต.": 1.0, "เทศบาลตำบล": 1.5, "เทศบาลเมือง": 3.0, "เทศบาลนคร": 6.0, "อบจ.": 5.0,
    "เมืองพัทยา": 8.0, "กรุงเทพมหานคร": 20.0,
}


@dataclass(frozen=True, slots=True)
class LaoInfo:
    code: str
    base_name: str  # the bare place name, as in the registry
    names: tuple[str, ...]  # formal first, then short forms
    type: str
    province_code: str
    region: str
    url: str
    size: float


def _slug(code: str) -> str:
    h = int(code) * 2654435761 % 2**32
    return PLACE_ROOTS[h % len(PLACE_ROOTS)] + PLACE_ENDS[(h // 97) % len(PLACE_ENDS)]


def _url(lao: reference.Lao, province: reference.Province) -> str:
    if lao.lao_type == "กรุงเทพมหานคร":
        return "https://www.bangkok.go.th"
    if lao.lao_type == "เมืองพัทยา":
        return "https://www.pattaya.go.th"
    if lao.lao_type == "อบจ.":
        return "https://www.pao-" + re.sub(r"[^a-z]", "", province.name_en.lower()) + ".go.th"
    slug = _slug(lao.lao_code)
    if lao.lao_type in ("เทศบาลนคร", "เทศบาลเมือง"):
        return f"https://www.{slug}city.go.th"
    return f"https://www.{slug}.go.th"


class Registry:
    """LAOs with their province and region, and weighted draws of them."""

    def __init__(self, reference_dir: Path) -> None:
        provinces = {p.province_code: p for p in reference.provinces(reference_dir)}
        self.province_codes = tuple(sorted(provinces))
        self.laos: tuple[LaoInfo, ...] = tuple(
            self._info(lao, provinces[lao.province_code]) for lao in reference.laos(reference_dir)
        )
        self.codes = frozenset(lao.code for lao in self.laos)
        total = 0
        self._cum: list[int] = []
        for lao in self.laos:
            total += SUBMISSION_WEIGHTS.get(lao.type, 1)
            self._cum.append(total)
        self._total = total

    @staticmethod
    def _info(lao: reference.Lao, province: reference.Province) -> LaoInfo:
        forms = _NAME_FORMS.get(lao.lao_type)
        if forms:
            names: tuple[str, ...] = (forms[0] + lao.name_th, forms[1] + lao.name_th)
        else:
            names = (lao.name_th,)
        return LaoInfo(
            code=lao.lao_code,
            base_name=lao.name_th,
            names=names,
            type=lao.lao_type,
            province_code=lao.province_code,
            region=province.region_th,
            url=_url(lao, province),
            size=SIZE.get(lao.lao_type, 1.0),
        )

    def uniform(self, rng: random.Random) -> LaoInfo:
        return self.laos[int(rng.random() * len(self.laos))]

    def weighted(self, rng: random.Random) -> LaoInfo:
        return self.laos[bisect.bisect_right(self._cum, rng.random() * self._total)]

    def unknown_code(self, rng: random.Random, province_code: str) -> str:
        """A well-formed 7-digit code that is no LAO: type digit 7 or 8, which DLA never uses."""
        code = rng.choice("78") + province_code + f"{rng.randint(0, 9999):04d}"
        assert code not in self.codes
        return code
