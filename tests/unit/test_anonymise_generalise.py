"""Generalisation steps: bands, months, years, LAO codes, maps; unusable values become INVALID."""

from __future__ import annotations

from pathlib import Path

import pytest

from dgti_data.anonymise.generalise import INVALID, build
from dgti_data.errors import ConfigurationError
from dgti_data.settings import PROJECT_ROOT

REF = PROJECT_ROOT / "schemas" / "reference"


def make(spec: dict, ftype: str = "integer", constraints: dict | None = None):
    return build(spec, "f", ftype, constraints or {}, REF, "test.schema.json")


def test_age_bands() -> None:
    g = make({"to": "band", "bands": [18, 30, 40, 50, 60]}, constraints={"minimum": 18, "maximum": 75})
    assert g.labels == ("18-29", "30-39", "40-49", "50-59", "60-75")
    assert [g.apply(v) for v in ("18", "29", "30", "๔๕", "59", "75", None)] == [
        "18-29", "18-29", "30-39", "40-49", "50-59", "60-75", None]
    assert [g.apply(v) for v in ("17", "76", "abc", "", "nan")] == [INVALID] * 5


def test_open_last_band_and_number_bands() -> None:
    g = make({"to": "band", "bands": [0, 100000, 1000000]}, ftype="number")
    assert g.labels == ("0-100000", "100000-1000000", "1000000+")
    assert g.apply("1,250,000") == "1000000+"


def test_dates() -> None:
    assert make({"to": "month"}, ftype="date").apply("2023-07-15") == "2023-07"
    assert make({"to": "year"}, ftype="date").apply("2023-07-15") == "2023"
    assert make({"to": "month"}, ftype="date").apply("15/07/2566") == INVALID


def test_lao_codes() -> None:
    assert make({"to": "district"}, ftype="string").apply("5200101") == "2001"
    assert make({"to": "province"}, ftype="string").apply("5200101") == "20"
    assert make({"to": "region"}, ftype="string").apply("6500101") == "ภาคเหนือ"
    assert make({"to": "province"}, ftype="string").apply("52001") == INVALID


def test_map() -> None:
    g = make({"to": "map", "map": {"ปลัด อปท.": "ผู้บริหาร", "อื่นๆ": "อื่นๆ"}}, ftype="string",
             constraints={"enum": ["ปลัด อปท.", "อื่นๆ"]})
    assert g.apply("ปลัด อปท.") == "ผู้บริหาร"
    assert g.apply("นายกเทศมนตรี") == INVALID
    with pytest.raises(ConfigurationError, match="unmapped"):
        make({"to": "map", "map": {"ปลัด อปท.": "ผู้บริหาร"}}, ftype="string",
             constraints={"enum": ["ปลัด อปท.", "อื่นๆ"]})


def test_suppress_and_errors(tmp_path: Path) -> None:
    assert make({"to": "suppress"}).apply("45") is None
    with pytest.raises(ConfigurationError, match="one of"):
        make({"to": "decade"})
    with pytest.raises(ConfigurationError, match="provinces"):
        build({"to": "region"}, "f", "string", {}, tmp_path, "x")
