"""Plain-language explanations of validation errors, in Thai and English, for data stewards."""

from __future__ import annotations

import re

from dgti_data.datasets import Dataset
from dgti_data.validate.result import CellError

_TYPES = {
    "date": ("วันที่ในรูปแบบ ปปปป-ดด-วว", "a date (YYYY-MM-DD)"),
    "integer": ("จำนวนเต็ม", "a whole number"),
    "number": ("ตัวเลข", "a number"),
    "boolean": ("ค่าใช่/ไม่ใช่ (มี/ไม่มี)", "yes/no (มี/ไม่มี)"),
    "string": ("ข้อความ", "text"),
}

_EARLIER = re.compile(r'position "?(\d+)"?')

TYPE_LABELS = {
    "type-error": ("ชนิดข้อมูลไม่ถูกต้อง", "Wrong type"),
    "constraint-error": ("ไม่ตรงตามเงื่อนไข", "Constraint not met"),
    "primary-key": ("รหัสซ้ำ", "Duplicate key"),
    "unique-error": ("ค่าซ้ำ", "Duplicate value"),
    "foreign-key": ("ไม่พบในข้อมูลอ้างอิง", "Not in the reference list"),
    "missing-label": ("ไม่มีคอลัมน์", "Missing column"),
    "missing-cell": ("ข้อมูลในแถวไม่ครบ", "Missing cell"),
    "extra-cell": ("ข้อมูลเกินคอลัมน์", "Extra cell"),
    "blank-row": ("แถวว่าง", "Blank row"),
    "blank-label": ("หัวคอลัมน์ว่าง", "Blank header"),
    "duplicate-label": ("หัวคอลัมน์ซ้ำ", "Duplicate header"),
}


def type_label(error_type: str) -> tuple[str, str]:
    return TYPE_LABELS.get(error_type, (error_type, error_type))


def explain(error: CellError, dataset: Dataset) -> tuple[str, str]:
    """(Thai, English) sentence saying what is wrong and what would be right."""
    spec = dataset.field(error.field) if error.field in dataset.field_names else None
    th_name = f"“{spec.title_th}”" if spec else "แถวนี้"
    en_name = f"“{spec.title}”" if spec else "this row"
    c = spec.constraints if spec else {}
    if error.type == "type-error" and spec:
        th_t, en_t = _TYPES.get(spec.type, (spec.type, spec.type))
        return (f"{th_name} ต้องเป็น{th_t}", f"{en_name} must be {en_t}")
    if error.type == "constraint-error" and spec:
        k = error.constraint
        if k == "required":
            return (f"{th_name} ต้องกรอก ห้ามเว้นว่าง", f"{en_name} is required and is empty")
        if k == "enum":
            allowed = ", ".join(c.get("enum", []))
            return (f"{th_name} ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้: {allowed}",
                    f"{en_name} must be one of: {allowed}")
        if k == "minimum":
            return (f"{th_name} ต้องไม่น้อยกว่า {c.get('minimum')}",
                    f"{en_name} must be at least {c.get('minimum')}")
        if k == "maximum":
            return (f"{th_name} ต้องไม่มากกว่า {c.get('maximum')}",
                    f"{en_name} must be at most {c.get('maximum')}")
        if k == "pattern":
            return (f"{th_name} มีรูปแบบไม่ถูกต้อง (ต้องตรงกับ {c.get('pattern')})",
                    f"{en_name} has the wrong form (must match {c.get('pattern')})")
        if k in ("maxLength", "minLength"):
            return (f"{th_name} มีความยาวไม่ถูกต้อง ({k} {c.get(k)})",
                    f"{en_name} has the wrong length ({k} {c.get(k)})")
        if k == "unique":
            return (f"{th_name} ซ้ำกับแถวก่อนหน้า", f"{en_name} repeats an earlier row")
    if error.type == "primary-key":
        earlier = _EARLIER.search(error.note)
        if earlier:
            return (f"{th_name} ซ้ำกับแถวที่ {earlier.group(1)}",
                    f"{en_name} repeats the key of row {earlier.group(1)}")
        return (f"{th_name} ซ้ำกับแถวก่อนหน้า", f"{en_name} repeats an earlier row's key")
    if error.type == "foreign-key":
        return (f"{th_name} ไม่พบในทะเบียนอ้างอิง", f"{en_name} is not in the reference register")
    if error.type == "missing-label":
        return (f"ไม่พบคอลัมน์ {th_name} ในไฟล์", f"The file has no {en_name} column")
    th, en = type_label(error.type)
    return (f"{th}: {error.note}", f"{en}: {error.note}")
