"""The anonymisation policy, read from the raw Table Schema, and the published schema derived from it.

Policy is data: every field of a raw schema declares its ``treatment``. A field without one stops
the run (fail closed): a column someone adds to an export must be looked at before it can be
published. The published schema is computed from the raw one, never written by hand, so the two
cannot drift. Vocabulary: schemas/README.md.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dgti_data.anonymise import generalise as gen
from dgti_data.anonymise.pseudonym import PATTERN as PSEUDONYM_PATTERN
from dgti_data.datasets import Dataset, FieldSpec
from dgti_data.errors import ConfigurationError

TREATMENTS = ("keep", "drop", "pseudonymise", "generalise", "redact")
PERSONAL_KINDS = ("name", "phone", "email", "national_id")
# Field properties that describe anonymisation: used here, not published.
POLICY_PROPERTIES = (
    "treatment", "generalise", "pseudonymise", "quasiIdentifier", "kAnonymityLadder", "personalData",
)


@dataclass(frozen=True)
class FieldPolicy:
    spec: FieldSpec
    treatment: str
    generaliser: gen.Generaliser | None
    quasi_identifier: bool
    ladder: tuple[gen.Generaliser, ...]
    personal_kind: str | None
    pseudonym_domain: str

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def published(self) -> bool:
        return self.treatment != "drop"


@dataclass(frozen=True)
class Policy:
    dataset: Dataset
    fields: tuple[FieldPolicy, ...]

    @property
    def published_fields(self) -> tuple[FieldPolicy, ...]:
        return tuple(f for f in self.fields if f.published)

    @property
    def quasi_identifiers(self) -> tuple[FieldPolicy, ...]:
        return tuple(f for f in self.fields if f.quasi_identifier)

    @property
    def needs_key(self) -> bool:
        return any(f.treatment == "pseudonymise" for f in self.fields)

    @property
    def personal_fields(self) -> tuple[FieldPolicy, ...]:
        """Fields whose raw values are personal data of a known kind (looked for in other cells)."""
        return tuple(f for f in self.fields if f.personal_kind)

    @property
    def known_value_columns(self) -> list[str]:
        """Published columns where a row's own dropped values could hide: free text and kept
        unconstrained strings (searched by the leak gate)."""
        return [
            f.name for f in self.published_fields
            if f.treatment == "redact"
            or (f.treatment == "keep" and f.spec.type == "string"
                and not {"enum", "pattern"} & set(f.spec.constraints))
        ]

    def field(self, name: str) -> FieldPolicy:
        return next(f for f in self.fields if f.name == name)


def load_policy(dataset: Dataset) -> Policy:
    """Read and check every field's treatment; raise ``ConfigurationError`` naming file and field."""
    where = str(dataset.schema_path)
    reference_dir = dataset.schema_path.parent / "reference"
    missing = [f.name for f in dataset.fields if f.treatment is None]
    if missing:
        raise ConfigurationError(
            f"{where}: field(s) {', '.join(repr(m) for m in missing)} declare no \"treatment\" "
            f"(one of {', '.join(TREATMENTS)}): anonymisation refuses to run until every raw field says "
            "what happens to it before publication (see schemas/README.md)"
        )
    return Policy(dataset, tuple(_field_policy(spec, where, reference_dir) for spec in dataset.fields))


def _field_policy(spec: FieldSpec, where: str, reference_dir: Path) -> FieldPolicy:
    d = spec.descriptor
    treatment = spec.treatment

    def fail(message: str) -> ConfigurationError:
        return ConfigurationError(f"{where}: field {spec.name!r}: {message}")

    def build(step: Any) -> gen.Generaliser:
        return gen.build(step, spec.name, spec.type, spec.constraints, reference_dir, where)

    if treatment not in TREATMENTS:
        raise fail(f"unknown treatment {treatment!r} (one of {', '.join(TREATMENTS)})")
    generaliser = None
    if treatment == "generalise":
        if "generalise" not in d:
            raise fail('treatment "generalise" needs a "generalise" property, '
                       'e.g. {"to": "band", "bands": [18, 30, 40, 50, 60]}')
        generaliser = build(d["generalise"])
        if generaliser.to == "suppress":
            raise fail('use treatment "drop", not suppress')
    elif "generalise" in d:
        raise fail(f'has a "generalise" property but treatment {treatment!r}')
    if treatment == "redact" and spec.type != "string":
        raise fail("only string fields can be redacted")
    qi = d.get("quasiIdentifier", False)
    if not isinstance(qi, bool):
        raise fail('"quasiIdentifier" must be true or false')
    if qi and treatment in ("drop", "redact", "pseudonymise"):
        raise fail(f"a quasi-identifier is published as a category (keep or generalise), not {treatment!r}")
    ladder_spec = d.get("kAnonymityLadder", [])
    if ladder_spec and not qi:
        raise fail('"kAnonymityLadder" without "quasiIdentifier": true')
    if not isinstance(ladder_spec, list):
        raise fail('"kAnonymityLadder" must be a list')
    ladder = tuple(build(step) for step in ladder_spec)
    if any(step.to == "suppress" for step in ladder[:-1]):
        raise fail('"suppress" can only be the last step of a ladder')
    if treatment == "keep" and any(step.to != "suppress" for step in ladder):
        raise fail("a kept quasi-identifier's ladder can only suppress; generalise it for coarser steps")
    kind = d.get("personalData")
    if kind is not None and kind not in PERSONAL_KINDS:
        raise fail(f'"personalData" must be one of {", ".join(PERSONAL_KINDS)}')
    if kind is not None and treatment not in ("drop", "pseudonymise"):
        raise fail(f"holds personal data ({kind}) but is {treatment!r}: use drop or pseudonymise")
    if treatment != "pseudonymise" and "pseudonymise" in d:
        raise fail(f'has a "pseudonymise" property but treatment {treatment!r}')
    pseudo = d.get("pseudonymise", {})
    domain = pseudo.get("domain", spec.name) if isinstance(pseudo, dict) else spec.name
    return FieldPolicy(spec, treatment, generaliser, qi, ladder, kind, str(domain))


def published_schema(dataset: Dataset) -> dict[str, Any]:
    """The Table Schema of what is published: derived from the raw schema, field by field."""
    policy = load_policy(dataset)
    raw = dataset.schema
    out: dict[str, Any] = {k: copy.deepcopy(v) for k, v in raw.items() if k not in ("fields",)}
    out["title"] = _retitle(raw.get("title", dataset.title), " (raw export)", " (published, anonymised)")
    if "titleTh" in raw:
        out["titleTh"] = _retitle(raw["titleTh"], " (ข้อมูลดิบ)", " (เผยแพร่ ปกปิดข้อมูลส่วนบุคคลแล้ว)")
    out["anonymisation"] = {"derivedFrom": dataset.schema_path.name}
    fields = [_published_field(f) for f in policy.published_fields]
    out["fields"] = fields
    kept_as_is = {f.name for f in policy.fields if f.treatment == "keep"}
    published_names = {f.name for f in policy.published_fields}
    pk = dataset.primary_key
    if pk and set(pk) <= published_names:
        out["primaryKey"] = list(pk)
    else:
        out.pop("primaryKey", None)
    fks = []
    for fk in raw.get("foreignKeys", []):
        names = [fk["fields"]] if isinstance(fk["fields"], str) else list(fk["fields"])
        if set(names) <= kept_as_is:  # a generalised code no longer references the registry
            fks.append(copy.deepcopy(fk))
    if fks:
        out["foreignKeys"] = fks
    else:
        out.pop("foreignKeys", None)
    return out


def _retitle(title: str, raw_suffix: str, published_suffix: str) -> str:
    return title.replace(raw_suffix, published_suffix) if raw_suffix in title else title + published_suffix


def _published_field(f: FieldPolicy) -> dict[str, Any]:
    base = {k: copy.deepcopy(v) for k, v in f.spec.descriptor.items()
            if k not in POLICY_PROPERTIES and k != "sourceHeaders"}
    notes: list[tuple[str, str]] = []
    info: dict[str, Any] = {"treatment": f.treatment}
    if f.treatment == "pseudonymise":
        dropped = ("format", "constraints", "trueValues", "falseValues")
        base = {k: v for k, v in base.items() if k not in dropped}
        base["type"] = "string"
        constraints: dict[str, Any] = {"pattern": PSEUDONYM_PATTERN}
        if f.spec.required:
            constraints["required"] = True
        base["constraints"] = constraints
        notes.append((
            "Published as a keyed pseudonym (HMAC-SHA-256): the same value always gives the same pseudonym; "
            "the original cannot be recovered without the key.",
            "เผยแพร่เป็นรหัสแทนค่า (HMAC-SHA-256 ใช้กุญแจลับ) ค่าเดียวกันได้รหัสเดียวกันเสมอ "
            "ไม่สามารถย้อนกลับเป็นค่าเดิมได้หากไม่มีกุญแจ",
        ))
    elif f.treatment == "generalise":
        assert f.generaliser is not None
        info["to"] = f.generaliser.to
        required = f.spec.required
        base = f.generaliser.published(base)
        if required:
            base.setdefault("constraints", {})["required"] = True
        notes.append(f.generaliser.describe())
    elif f.treatment == "redact":
        notes.append((
            "Personal data in the text (national IDs, phone numbers, e-mails, LINE IDs, personal links, "
            "names after titles) is replaced by placeholders such as [โทรศัพท์].",
            "ข้อมูลส่วนบุคคลในข้อความ (เลขบัตรประชาชน โทรศัพท์ อีเมล ไลน์ไอดี ลิงก์ส่วนบุคคล ชื่อบุคคล) "
            "ถูกแทนที่ด้วยข้อความ เช่น [โทรศัพท์]",
        ))
    if f.quasi_identifier:
        info["quasiIdentifier"] = True
        steps = [step for step in f.ladder if step.to != "suppress"]
        if steps and all(step.value_labels() for step in steps) and "enum" in base.get("constraints", {}):
            enum = base["constraints"]["enum"]
            labels = [label for step in steps for label in step.value_labels()]
            base["constraints"]["enum"] = enum + [x for x in dict.fromkeys(labels) if x not in enum]
        elif steps:  # e.g. a month generalised to a year on the ladder: both forms are published
            required = base.get("constraints", {}).get("required")
            base = {k: v for k, v in base.items() if k != "constraints"} | {"type": "string"}
            if required:
                base["constraints"] = {"required": True}
        if any(step.to == "suppress" for step in f.ladder):
            base.get("constraints", {}).pop("required", None)
        if f.ladder:
            info["kAnonymityLadder"] = [step.to for step in f.ladder]
            notes.append((
                "Quasi-identifier: where fewer than k rows share a combination, it is generalised further "
                "or left empty.",
                "ตัวบ่งชี้กึ่งระบุตัวตน: หากมีแถวที่มีค่าผสมเดียวกันน้อยกว่า k แถว จะถูกปรับให้หยาบขึ้นหรือเว้นว่าง",
            ))
    if base.get("constraints") == {}:
        base.pop("constraints")
    for en, th in notes:
        base["description"] = (base.get("description", "") + " " + en).strip()
        base["descriptionTh"] = (base.get("descriptionTh", "") + " " + th).strip()
    base["treatment"] = "keep"  # already anonymised: the published data may be shown as it is
    base["anonymisation"] = info
    return base
