"""The catalogue of datasets that ``schemas/`` declares, read into typed objects.

Schemas are data: this module only reads them. Custom properties the project adds to Table Schema
fields: ``titleTh``/``descriptionTh`` (Thai labels), ``sourceHeaders`` (the Thai column headers raw
exports use), ``treatment`` (what anonymisation does with the field).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from dgti_data.errors import ConfigurationError

OnInvalid = Literal["block", "publish-valid-rows"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    title: str
    title_th: str
    description: str
    description_th: str
    source_headers: tuple[str, ...]
    treatment: str | None
    descriptor: dict[str, Any]

    @property
    def constraints(self) -> dict[str, Any]:
        return self.descriptor.get("constraints", {})

    @property
    def required(self) -> bool:
        return bool(self.constraints.get("required"))

    @property
    def is_free_text(self) -> bool:
        """Prose typed by people: normalisers leave its digits alone, anonymisation redacts it."""
        return self.treatment == "redact"


@dataclass(frozen=True)
class Dataset:
    name: str
    kind: Literal["dataset", "reference"]
    title: str
    title_th: str
    path: str
    schema_path: Path
    schema: dict[str, Any]
    on_invalid: OnInvalid = "block"
    resource: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(
            FieldSpec(
                name=f["name"],
                type=f.get("type", "string"),
                title=f.get("title", f["name"]),
                title_th=f.get("titleTh", f.get("title", f["name"])),
                description=f.get("description", ""),
                description_th=f.get("descriptionTh", ""),
                source_headers=tuple(f.get("sourceHeaders", ())),
                treatment=f.get("treatment"),
                descriptor=f,
            )
            for f in self.schema["fields"]
        )

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def primary_key(self) -> list[str]:
        pk = self.schema.get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    @property
    def missing_values(self) -> list[str]:
        return list(self.schema.get("missingValues", [""]))


@dataclass(frozen=True)
class Catalog:
    root: Path
    descriptor: dict[str, Any]
    datasets: dict[str, Dataset]

    def get(self, name: str) -> Dataset:
        try:
            return self.datasets[name]
        except KeyError:
            known = ", ".join(self.names())
            raise ConfigurationError(f"unknown dataset {name!r}; known: {known}") from None

    def names(self, kind: str = "dataset") -> list[str]:
        return [n for n, d in self.datasets.items() if d.kind == kind]

    def reference_path(self, name: str) -> Path:
        return self.root / self.get(name).path


def load_catalog(schemas_dir: Path) -> Catalog:
    """Read ``datapackage.json`` and every schema it names."""
    package_path = schemas_dir / "datapackage.json"
    try:
        descriptor = json.loads(package_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{package_path}: cannot read the package descriptor: {exc}") from exc
    datasets: dict[str, Dataset] = {}
    for res in descriptor.get("resources", []):
        schema_path = schemas_dir / res["schema"]
        try:
            schema = json.loads(schema_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"{schema_path}: cannot read the schema: {exc}") from exc
        datasets[res["name"]] = Dataset(
            name=res["name"],
            kind=res.get("kind", "dataset"),
            title=res.get("title", res["name"]),
            title_th=res.get("titleTh", res.get("title", res["name"])),
            path=res["path"],
            schema_path=schema_path,
            schema=schema,
            on_invalid=res.get("onInvalid", "block"),
            resource=res,
        )
    return Catalog(root=schemas_dir, descriptor=descriptor, datasets=datasets)
