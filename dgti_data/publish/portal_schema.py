"""Check a package dict against the target portal's own ckanext-scheming schema, offline.

The schema comes from the portal (``scheming_dataset_schema_show``: one read call) or from a
local YAML copy; the check itself makes no call. It runs before any write, so a dataset whose
metadata the portal would refuse (or silently drop) is refused with one message per field,
naming the field as the portal's form labels it, instead of failing half-way through a publish.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from dgti_data.publish.tags import TAG_LENGTH, refused_character

# Package keys CKAN itself handles: not declared by a scheming schema but always accepted.
CORE_KEYS = frozenset(
    {"name", "owner_org", "private", "tags", "resources", "id", "type", "state", "extras", "groups"}
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SLUG = re.compile(r"^[a-z0-9_-]{2,100}$")
# Tags: what no portal accepts is a problem here; what only stock CKAN refuses (Thai vowel and
# tone marks) is dropped with a warning by the plan (publish/tags.py), never a refusal.
OTHER = "อื่นๆ"


@dataclass(frozen=True)
class SchemaProblem:
    field: str
    label: str
    message: str

    def __str__(self) -> str:
        where = f"{self.field} ({self.label})" if self.label else self.field
        return f"{where}: {self.message}"


def fetch(portal: Any, dataset_type: str = "dataset") -> dict[str, Any]:
    """The portal's dataset schema (one read call)."""
    return portal.call("scheming_dataset_schema_show", type=dataset_type)


def load_yaml(path: Path) -> dict[str, Any]:
    """A scheming YAML schema file (e.g. the local hub's ``gd_catalog_dataset.yaml``)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _label(spec: dict[str, Any]) -> str:
    label = spec.get("label", "")
    if isinstance(label, dict):
        return " / ".join(str(label[k]) for k in ("th", "en") if label.get(k))
    return str(label or "")


def _kind(spec: dict[str, Any]) -> str:
    preset = spec.get("preset", "")
    validators = f"{spec.get('validators', '')} {spec.get('create_validators', '')}"
    if preset == "multiple_checkbox" or "scheming_multiple_choice" in validators:
        return "multiple"
    if preset in ("select", "radio") or "scheming_choices" in validators:
        return "choice"
    if preset == "date" or "isodate" in validators:
        return "date"
    if preset == "dataset_slug":
        return "slug"
    if "email_validator" in validators:
        return "email"
    return "text"


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def _field_problems(spec: dict[str, Any], value: Any, pkg: dict[str, Any]) -> list[str]:
    kind = _kind(spec)
    choices = [str(c["value"]) for c in spec.get("choices", []) if isinstance(c, dict)]
    out: list[str] = []
    if kind == "multiple":
        if not isinstance(value, list):
            return [f"must be a list of values, not {value!r}"]
        unknown = [v for v in value if choices and str(v) not in choices]
        if unknown:
            out.append(f"{unknown} not among the allowed values: {'; '.join(choices)}")
        picked = [str(v) for v in value]
    elif kind == "choice":
        if choices and str(value) not in choices:
            out.append(f"{value!r} is not one of the allowed values: {'; '.join(choices)}")
        picked = [str(value)]
    else:
        picked = []
        if not isinstance(value, str):
            out.append(f"must be text, not {type(value).__name__}")
        elif kind == "email" and not _EMAIL.match(value):
            out.append(f"{value!r} is not an e-mail address")
        elif kind == "date":
            try:
                date.fromisoformat(value)
            except ValueError:
                out.append(f"{value!r} is not an ISO date (YYYY-MM-DD, common era)")
        elif kind == "slug" and not _SLUG.match(value):
            out.append(f"{value!r}: 2-100 lowercase letters, digits, - or _")
    if spec["field_name"] == "tag_string" and isinstance(value, str):
        out += _tag_problems(value)
    other = f"{spec['field_name']}_other"
    if OTHER in picked and _empty(pkg.get(other)):
        out.append(f"{OTHER!r} (other) is chosen: say what in {other}")
    return out


def _tag_problems(tag_string: str) -> list[str]:
    out = []
    for tag in (t.strip() for t in tag_string.split(",") if t.strip()):
        bad = refused_character(tag)
        if bad is not None:
            out.append(f"tag {tag!r}: {bad!r} is not allowed: tags hold letters (with their "
                       "vowel and tone marks), digits, space, - _ .")
        elif not TAG_LENGTH[0] <= len(tag) <= TAG_LENGTH[1]:
            out.append(f"tag {tag!r}: {TAG_LENGTH[0]} to {TAG_LENGTH[1]} characters")
    return out


def check(pkg: dict[str, Any], schema: dict[str, Any], *, creating: bool = True) -> list[SchemaProblem]:
    """Problems the portal would have with ``pkg``: missing required fields, values outside a
    field's choices, malformed e-mails and dates, and fields the portal does not know."""
    specs = {s["field_name"]: s for s in schema.get("dataset_fields", [])}
    problems: list[SchemaProblem] = []
    for name, spec in specs.items():
        value = pkg.get(name)
        required = bool(spec.get("required")) and (creating or "create_validators" not in spec)
        if _empty(value):
            if required and name not in ("name", "owner_org"):
                problems.append(SchemaProblem(name, _label(spec), "required by the portal, missing"))
            continue
        problems += [SchemaProblem(name, _label(spec), m) for m in _field_problems(spec, value, pkg)]
    for name in sorted(set(pkg) - set(specs) - CORE_KEYS):
        problems.append(
            SchemaProblem(name, "", "not a field of the portal's dataset schema (CKAN would drop it)")
        )
    if _empty(pkg.get("owner_org")):
        problems.append(SchemaProblem("owner_org", "", "no organisation to publish to"))
    return problems
