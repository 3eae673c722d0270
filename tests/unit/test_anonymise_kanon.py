"""k-anonymity holds on the output for the declared quasi-identifiers, with rare combinations planted."""

from __future__ import annotations

import random

import pandas as pd
import pytest
from pydantic import SecretStr

from dgti_data.anonymise import INVALID, anonymise, check_k
from dgti_data.anonymise.generalise import build
from dgti_data.anonymise.kanon import enforce, group_sizes
from dgti_data.datasets import Catalog
from dgti_data.settings import PROJECT_ROOT

SURVEY = "lao-digital-readiness-survey"
QIS = ["region", "respondent_position", "respondent_gender", "respondent_age"]
KEY = SecretStr("test-key-for-k-anonymity-0123")
REGIONS = ["ภาคเหนือ", "ภาคกลาง", "ภาคตะวันออกเฉียงเหนือ", "ภาคตะวันตก", "ภาคตะวันออก", "ภาคใต้"]
POSITIONS = ["ปลัด อปท.", "รองปลัด อปท.", "หัวหน้าส่วนราชการ", "นักวิชาการคอมพิวเตอร์", "เจ้าพนักงานธุรการ", "อื่นๆ"]


def survey_frame(n: int, seed: int = 1) -> pd.DataFrame:
    """Common profiles plus rare ones: the only 70-year-old woman in the west, and so on."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append({
            "response_id": f"SRV-2566-{i:06d}",
            "region": rng.choice(REGIONS[:3]) if i % 10 else rng.choice(REGIONS),
            "respondent_position": rng.choice(POSITIONS),
            "respondent_gender": rng.choice(["ชาย", "หญิง"]) if i % 17 else "ไม่ระบุ",
            "respondent_age": str(rng.randint(25, 58)) if i % 13 else str(rng.randint(60, 75)),
            "respondent_name": f"นายสมชาย ใจดี{i}",
        })
    rows += [
        {"response_id": "SRV-2566-900001", "region": "ภาคตะวันตก", "respondent_position": "ปลัด อปท.",
         "respondent_gender": "หญิง", "respondent_age": "70"},
        {"response_id": "SRV-2566-900002", "region": "ภาคใต้", "respondent_position": "อื่นๆ",
         "respondent_gender": "ไม่ระบุ", "respondent_age": "19"},
    ]
    return pd.DataFrame(rows)


def published_groups(frame: pd.DataFrame) -> pd.Series:
    valid = frame[~frame[QIS].isin([INVALID]).any(axis=1)]
    return valid[QIS].fillna("∅").value_counts()


@pytest.mark.parametrize("k", [2, 5, 10])
def test_groups_on_the_output_have_at_least_k_rows(catalog: Catalog, k: int) -> None:
    frame = survey_frame(600)
    result = anonymise(frame, list(range(2, len(frame) + 2)), catalog.get(SURVEY), KEY, k=k)
    groups = published_groups(result.frame)
    assert groups.min() >= k
    ka = result.report.k_anonymity
    assert ka.k == k and ka.k_achieved == groups.min() == check_k(result.frame, QIS)
    assert ka.rows_suppressed == len(frame) - len(result.frame) == len(ka.suppressed_rows)
    assert set(ka.suppressed_rows).isdisjoint(result.row_numbers)
    assert len(result.row_numbers) == len(result.frame)


def test_rare_rows_are_generalised_or_suppressed_and_counted(catalog: Catalog) -> None:
    frame = survey_frame(600)
    rows = list(range(2, len(frame) + 2))
    result = anonymise(frame, rows, catalog.get(SURVEY), KEY, k=5)
    ka = result.report.k_anonymity
    assert ka.rows_generalised > 0 and ka.generalised_by_field
    out = result.frame.assign(_row=result.row_numbers).set_index("_row")
    # the 70-year-old in the west: not published with her full profile
    west = rows[-2]
    if west in out.index:
        assert tuple(out.loc[west, QIS]) != ("ภาคตะวันตก", "ผู้บริหาร", "หญิง", "60-75")
    assert len(result.frame) >= 0.9 * len(frame)  # most rows survive


def test_k_of_one_changes_nothing_beyond_the_treatments(catalog: Catalog) -> None:
    frame = survey_frame(100)
    result = anonymise(frame, list(range(2, len(frame) + 2)), catalog.get(SURVEY), KEY, k=1)
    assert result.report.k_anonymity.rows_suppressed == 0
    assert result.report.k_anonymity.rows_generalised == 0


def test_invalid_quasi_identifiers_are_left_to_validation(catalog: Catalog) -> None:
    frame = survey_frame(200)
    frame.loc[5, "respondent_age"] = "สามสิบ"       # not a number
    frame.loc[6, "region"] = "ภาคพิเศษ"             # not an allowed region
    frame.loc[7, "respondent_position"] = "นายกเทศมนตรี"
    result = anonymise(frame, list(range(2, len(frame) + 2)), catalog.get(SURVEY), KEY, k=5)
    assert {7, 8, 9} <= set(result.row_numbers)   # never suppressed, validation will flag them
    out = result.frame.assign(_row=result.row_numbers).set_index("_row")
    assert out.loc[7, "respondent_age"] == INVALID
    assert out.loc[8, "region"] == "ภาคพิเศษ"
    assert out.loc[9, "respondent_position"] == INVALID
    assert result.report.k_anonymity.rows_left_to_validation == 3


def test_enforce_directly_with_a_ladder() -> None:
    band10 = build({"to": "band", "bands": [20, 30, 40, 50]}, "age", "integer", {"maximum": 59},
                   PROJECT_ROOT / "schemas" / "reference", "t")
    band20 = build({"to": "band", "bands": [20, 40]}, "age", "integer", {"maximum": 59},
                   PROJECT_ROOT / "schemas" / "reference", "t")
    suppress = build({"to": "suppress"}, "age", "integer", {}, PROJECT_ROOT / "schemas" / "reference", "t")
    raw_age = [str(a) for a in [21, 22, 23, 31, 32, 41, 42, 43, 44, 45, 51, 52, 25, 26, 27]]
    sex = ["m"] * 15
    published = {"age": [band10.apply(a) for a in raw_age], "sex": list(sex)}
    keep, out, result = enforce(published, {"age": raw_age, "sex": sex},
                                {"age": (band20, suppress), "sex": ()}, 3, list(range(15)))
    kept = [i for i in range(15) if keep[i]]
    sizes = group_sizes([[out["age"][i] for i in kept], [out["sex"][i] for i in kept]])
    assert sizes.min() >= 3
    assert result.k_achieved == sizes.min()
    assert {s["to"] for s in result.steps} <= {"band", "suppress"}
