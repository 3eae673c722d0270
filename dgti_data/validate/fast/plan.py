"""What the fast path checks for each field, compiled once from a Table Schema.

The schema is read through frictionless's own ``Schema`` so that defaults and normalisation
(``foreignKeys.fields`` as lists, field-level vs schema-level ``missingValues``, ``trueValues``) are
exactly frictionless's. The same field objects give the exact per-cell reader used for the few cells
the columnar checks cannot settle, so notes and parsed values are frictionless's by construction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

import frictionless

from dgti_data.validate.fast.patterns import digit_run, python_matcher, re2_subset

TYPES = ("string", "integer", "number", "boolean", "date")
STRING_FORMATS = ("default", "email", "uri")
KEY_TYPES = ("string", "integer")  # types whose parsed values we can compare as canonical text
# exclusiveMinimum/Maximum are left out: frictionless accepts them only in datapackage v2
# descriptors, a context this module cannot see, so the fast path leaves them to frictionless.
CONSTRAINTS: dict[str, tuple[str, ...]] = {
    "string": ("required", "minLength", "maxLength", "pattern", "enum", "unique"),
    "integer": ("required", "minimum", "maximum", "enum", "unique"),
    "number": ("required", "minimum", "maximum"),
    "boolean": ("required",),
    "date": ("required",),
}
BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


class Unsupported(Exception):
    """The fast path cannot promise frictionless's exact report for this input: use frictionless."""


@dataclass(frozen=True)
class ReferenceTable:
    """A resource that foreign keys point at: its CSV and its Table Schema."""

    path: Any  # pathlib.Path; Any keeps this module free of filesystem concerns
    schema: Mapping[str, Any]
    encoding: str = "utf-8"


@dataclass
class FieldPlan:
    index: int
    name: str
    type: str
    format: str
    required: bool
    missing_values: tuple[str, ...]
    constraints: dict[str, Any]
    reader: Callable[[Any], tuple[Any, dict[str, str] | None]]
    codes: dict[str, int]  # "type" or constraint name -> global error code
    bounds: dict[str, int | Decimal] = field(default_factory=dict)  # parsed like frictionless does
    enum_values: list[Any] | None = None
    re2: str | None = None  # RE2 subset of the pattern, if translatable
    digits: tuple[int, int] | None = None  # the pattern is only digits, this many
    py_pattern: re.Pattern[str] | None = None
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    key: bool = False  # parsed values needed for unique / primary / foreign keys


@dataclass(frozen=True)
class ErrorCode:
    field_index: int
    type: str  # "type-error" or "constraint-error"
    note: str
    order: int  # position among the notes frictionless can give for one cell


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference_fields: tuple[str, ...]


@dataclass
class Plan:
    fields: list[FieldPlan]
    codes: list[ErrorCode]
    primary_key: tuple[str, ...]
    unique: list[str]
    foreign_keys: list[ForeignKey]
    schema: frictionless.Schema

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


def canonical_json(descriptor: Mapping[str, Any]) -> str:
    return json.dumps(descriptor, sort_keys=True, ensure_ascii=False, default=str)


@lru_cache(maxsize=64)
def _schema_from_json(text: str) -> frictionless.Schema:
    return frictionless.Schema.from_descriptor(json.loads(text))


def frictionless_schema(descriptor: Mapping[str, Any]) -> frictionless.Schema:
    """frictionless's reading of a schema, made once per distinct descriptor (it takes ~0.1 s).

    Shared between callers: treat it as read-only.
    """
    return _schema_from_json(canonical_json(descriptor))


@lru_cache(maxsize=64)
def _descriptor_errors(text: str) -> tuple[str, ...]:
    report = frictionless.Schema.validate_descriptor(json.loads(text))
    return tuple(e.note for e in report.errors)


def _field_reasons(f: Any) -> list[str]:
    reasons: list[str] = []
    where = f"field {f.name!r}"
    if f.type not in TYPES:
        return [f"{where}: type {f.type!r} has no fast check"]
    if f.type == "string" and f.format not in STRING_FORMATS:
        reasons.append(f"{where}: string format {f.format!r} has no fast check")
    if f.type != "string" and f.format != "default":
        reasons.append(f"{where}: {f.type} format {f.format!r} has no fast check")
    if f.type in ("integer", "number") and not f.bare_number:
        reasons.append(f"{where}: bareNumber false has no fast check")
    if f.type == "number" and (f.float_number or f.group_char or f.decimal_char != "."):
        reasons.append(f"{where}: floatNumber/groupChar/decimalChar have no fast check")
    allowed = CONSTRAINTS[f.type]
    for name, value in f.constraints.items():
        if name not in allowed:
            reasons.append(f"{where}: constraint {name!r} on a {f.type} field has no fast check")
        elif name in ("minLength", "maxLength") and (not isinstance(value, int) or isinstance(value, bool)):
            reasons.append(f"{where}: {name} is not an integer")
        elif name == "pattern":
            try:
                python_matcher(value)
            except (re.error, TypeError):
                reasons.append(f"{where}: pattern does not compile in Python")
        elif name in BOUNDS and f.create_value_reader()(value) is None:
            reasons.append(f"{where}: {name} {value!r} is not a {f.type}")
        elif name == "enum" and not isinstance(value, list):
            reasons.append(f"{where}: enum is not a list")
    return reasons


def _schema_reasons(schema: frictionless.Schema,
                    references: Mapping[str, ReferenceTable] | None) -> list[str]:
    reasons: list[str] = []
    names = [f.name for f in schema.fields]
    if len(set(names)) != len(names):
        reasons.append("duplicate field names")
    if schema.has_defined("fields_match") and schema.fields_match != "exact":
        reasons.append(f"fieldsMatch {schema.fields_match!r} has no fast path")
    types = {f.name: f.type for f in schema.fields}
    for f in schema.fields:
        reasons.extend(_field_reasons(f))
        if f.constraints.get("unique") and f.type not in KEY_TYPES:
            reasons.append(f"field {f.name!r}: unique on a {f.type} field has no fast check")
    for name in schema.primary_key:
        if types.get(name) not in KEY_TYPES:
            reasons.append(f"primary key field {name!r}: {types.get(name)} keys have no fast check")
    for fk in schema.foreign_keys:
        resource = fk.get("reference", {}).get("resource")
        target = list(fk.get("fields", []))
        source = list(fk.get("reference", {}).get("fields", []))
        if not resource:
            reasons.append("self-referencing foreign key has no fast path")
            continue
        if any(types.get(n) not in KEY_TYPES for n in target):
            reasons.append(f"foreign key {target}: only string/integer fields have a fast check")
        if references is None:
            continue
        if resource not in references:
            reasons.append(f"foreign key {target}: reference resource {resource!r} is not known")
            continue
        try:
            ref = frictionless_schema(references[resource].schema)
        except Exception as exc:  # a broken reference schema is frictionless's to report
            reasons.append(f"reference {resource!r}: schema not readable ({exc})")
            continue
        ref_types = {f.name: f.type for f in ref.fields}
        if len(source) != len(target) or any(
            ref_types.get(s) != types.get(t) for s, t in zip(source, target, strict=False)
        ):
            reasons.append(f"foreign key {target} -> {resource}{source}: field types differ")
    return reasons


def supports(schema: Mapping[str, Any], references: Mapping[str, ReferenceTable] | None = None,
             ) -> tuple[bool, list[str]]:
    """Whether the fast path implements everything ``schema`` uses; if not, the reasons.

    ``references`` (resource name -> table), when given, is checked too: foreign keys must point
    at a known resource with key fields of the same types.
    """
    errors = _descriptor_errors(canonical_json(schema))
    if errors:
        return False, [f"the schema descriptor is not valid: {'; '.join(errors)}"]
    try:
        parsed = frictionless_schema(schema)
    except Exception as exc:
        return False, [f"the schema cannot be read: {exc}"]
    reasons = _schema_reasons(parsed, references)
    return not reasons, reasons


def compile_plan(schema: Mapping[str, Any], references: Mapping[str, ReferenceTable] | None = None) -> Plan:
    """The per-field checks for ``schema``; raises ``Unsupported`` if ``supports`` says no."""
    ok, reasons = supports(schema, references)
    if not ok:
        raise Unsupported("; ".join(reasons))
    parsed = frictionless_schema(schema)
    codes: list[ErrorCode] = []
    fields: list[FieldPlan] = []
    key_fields = set(parsed.primary_key)
    unique = [f.name for f in parsed.fields if f.constraints.get("unique")]
    key_fields.update(unique)
    foreign_keys = []
    for fk in parsed.foreign_keys:
        target = tuple(fk["fields"])
        key_fields.update(target)
        foreign_keys.append(ForeignKey(target, fk["reference"]["resource"], tuple(fk["reference"]["fields"])))
    for index, f in enumerate(parsed.fields):
        own = f.has_defined("missing_values")
        missing = tuple(f.missing_values if own else parsed.missing_values)
        value_reader = f.create_value_reader()
        field_codes = {"type": len(codes)}
        codes.append(ErrorCode(index, "type-error", f'type is "{f.type}/{f.format}"', 0))
        # frictionless checks constraints in the field class's supported order; notes quote the
        # descriptor's own value.
        for order, name in enumerate(type(f).supported_constraints, start=1):
            if f.constraints.get(name) is not None:
                field_codes[name] = len(codes)
                note = f'constraint "{name}" is "{f.constraints[name]}"'
                codes.append(ErrorCode(index, "constraint-error", note, order))
        plan = FieldPlan(
            index=index,
            name=f.name,
            type=f.type,
            format=f.format,
            required=bool(f.constraints.get("required")),
            missing_values=missing,
            constraints=dict(f.constraints),
            reader=f.create_cell_reader(),
            codes=field_codes,
            key=f.name in key_fields,
        )
        for name in BOUNDS:
            if f.constraints.get(name) is not None:
                plan.bounds[name] = value_reader(f.constraints[name])
        if f.constraints.get("enum") is not None:
            plan.enum_values = list(map(value_reader, f.constraints["enum"]))
        if f.constraints.get("pattern") is not None:
            plan.py_pattern = python_matcher(f.constraints["pattern"])
            plan.re2 = re2_subset(f.constraints["pattern"])
            plan.digits = digit_run(f.constraints["pattern"])
        if f.type == "boolean":
            plan.true_values = tuple(f.true_values)
            plan.false_values = tuple(f.false_values)
        fields.append(plan)
    return Plan(
        fields=fields,
        codes=codes,
        primary_key=tuple(parsed.primary_key),
        unique=unique,
        foreign_keys=foreign_keys,
        schema=parsed,
    )
