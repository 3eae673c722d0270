"""Reference tables (regions, provinces, districts, the LAO registry) kept as CSV in ``schemas/reference``.

They are built once from the shared public sources (``dgti-data reference build``) and then read
from the project, so that validation, the sample generator and normalisers agree on one copy.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

REGIONS_EN = {
    "ภาคเหนือ": "Northern",
    "ภาคกลาง": "Central",
    "ภาคตะวันออกเฉียงเหนือ": "Northeastern",
    "ภาคตะวันตก": "Western",
    "ภาคตะวันออก": "Eastern",
    "ภาคใต้": "Southern",
}

# DLA's type keys → (Thai short name used in exports, English name).
LAO_TYPES = {
    "provincial_admin_org": ("อบจ.", "Provincial Administrative Organisation"),
    "city_municipality": ("เทศบาลนคร", "City Municipality"),
    "town_municipality": ("เทศบาลเมือง", "Town Municipality"),
    "subdistrict_municipality": ("เทศบาลตำบล", "Subdistrict Municipality"),
    "subdistrict_admin_org": ("อบต.", "Subdistrict Administrative Organisation"),
    "special_admin_area": ("เมืองพัทยา", "Pattaya City"),
    "bangkok": ("กรุงเทพมหานคร", "Bangkok Metropolitan Administration"),
}

# Bangkok is not in the DLA list. The project gives it a code outside DLA's type digits (2-6).
BANGKOK_LAO_CODE = "1100000"

TABLES = ("regions", "provinces", "districts", "lao-registry")


@dataclass(frozen=True)
class Lao:
    lao_code: str
    name_th: str
    lao_type: str
    province_code: str
    district_name_th: str


@dataclass(frozen=True)
class Province:
    province_code: str
    name_th: str
    name_en: str
    region_th: str
    region_en: str


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def build(shared_dir: Path, out_dir: Path) -> dict[str, int]:
    """Reshape the shared public sources into the project's reference CSVs; return row counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    regions = [
        [int(r["id"]), r["name"], REGIONS_EN[r["name"]]]
        for r in csv.DictReader((shared_dir / "geographies.csv").open(encoding="utf-8"))
    ]
    _write_csv(out_dir / "regions.csv", ["region_id", "name_th", "name_en"], regions)

    region_of = {
        int(r["province_code"]): r["region_th"]
        for r in csv.DictReader((shared_dir / "province_regions.csv").open(encoding="utf-8"))
    }
    provinces = sorted(
        json.loads((shared_dir / "provinces.json").read_text(encoding="utf-8")),
        key=lambda p: p["provinceCode"],
    )
    province_rows = [
        [
            f"{p['provinceCode']:02d}",
            p["provinceNameTh"],
            p["provinceNameEn"],
            region_of[p["provinceCode"]],
            REGIONS_EN[region_of[p["provinceCode"]]],
        ]
        for p in provinces
    ]
    _write_csv(
        out_dir / "provinces.csv",
        ["province_code", "name_th", "name_en", "region_th", "region_en"],
        province_rows,
    )

    districts = json.loads((shared_dir / "districts.json").read_text(encoding="utf-8"))
    district_rows = [
        [f"{d['districtCode']:04d}", f"{d['provinceCode']:02d}", d["districtNameTh"],
         d["districtNameEn"]]
        for d in sorted(districts, key=lambda d: d["districtCode"])
    ]
    _write_csv(
        out_dir / "districts.csv",
        ["district_code", "province_code", "name_th", "name_en"],
        district_rows,
    )

    las = json.loads((shared_dir / "local_authorities.json").read_text(encoding="utf-8"))
    lao_rows = [[BANGKOK_LAO_CODE, "กรุงเทพมหานคร", "กรุงเทพมหานคร", "10", ""]]
    for la in sorted(las["localAuthorities"], key=lambda a: a["dlaCode"]):
        lao_rows.append(
            [la["dlaCode"], la["nameTh"], LAO_TYPES[la["type"]][0], la["provinceCode"],
             la["districtNameTh"] or ""]
        )
    _write_csv(
        out_dir / "lao-registry.csv",
        ["lao_code", "name_th", "lao_type", "province_code", "district_name_th"],
        lao_rows,
    )
    return {
        "regions": len(regions),
        "provinces": len(province_rows),
        "districts": len(district_rows),
        "lao-registry": len(lao_rows),
    }


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=4)
def provinces(reference_dir: Path) -> tuple[Province, ...]:
    return tuple(Province(**row) for row in _read(reference_dir / "provinces.csv"))


@lru_cache(maxsize=4)
def laos(reference_dir: Path) -> tuple[Lao, ...]:
    return tuple(Lao(**row) for row in _read(reference_dir / "lao-registry.csv"))
