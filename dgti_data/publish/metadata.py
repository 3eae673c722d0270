"""GD Catalog metadata (the ``gdCatalog`` object of each dataset in ``schemas/datapackage.json``)
→ the CKAN package dict the portal's ckanext-scheming schema expects.

The descriptor uses camelCase names (``dataType``, ``updateFrequencyUnit``...) that map to the
GD Catalog's field names by rule (``data_type``); the exceptions are listed in ``_RENAMED``. A
name that maps to no portal field is caught by ``portal_schema.check`` before any write.

Titles: the GD Catalog has one title field, so the package title is Thai and the English title and
description go into the description (``notes``) under the Thai one.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from dgti_data.datasets import Dataset
from dgti_data.errors import ConfigurationError
from dgti_data.publish.csvscan import distinct_values

_RENAMED = {
    "license": "license_id",
    "licenseOther": "license_id_other",
    "tags": "tag_string",
}
# Keys of ``gdCatalog`` that are not package fields themselves.
_SPECIAL = {"description", "yearsFrom"}
# CKAN's dataset-name rule: lowercase ASCII letters, digits, - and _, 2 to 100 characters.
NAME_MAX = 100
_NOT_NAME = re.compile(r"[^a-z0-9_-]+")


def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def package_name(dataset_name: str, organization: str, namespace: str | None = None) -> str:
    """The dataset's CKAN name: deterministic, so every run (and a re-run after a crash) finds the
    same dataset instead of creating another. ``namespace`` separates test runs."""
    parts = [organization, dataset_name, *([namespace] if namespace else [])]
    slug = _NOT_NAME.sub("-", "-".join(parts).lower()).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    if len(slug) > NAME_MAX:
        tail = hashlib.sha256(slug.encode()).hexdigest()[:8]
        slug = f"{slug[: NAME_MAX - 9].rstrip('-')}-{tail}"
    if len(slug) < 2:
        raise ConfigurationError(f"cannot make a CKAN name from {parts}")
    return slug


def gd_catalog(dataset: Dataset) -> dict[str, Any]:
    gd = dataset.resource.get("gdCatalog")
    if not isinstance(gd, dict):
        raise ConfigurationError(
            f"{dataset.name}: schemas/datapackage.json has no gdCatalog metadata for this dataset"
        )
    return gd


def _value(key: str, value: Any) -> Any:
    if isinstance(value, bool):  # GD Catalog yes/no choices are the strings "True"/"False"
        return "True" if value else "False"
    if key == "tags":
        return ",".join(value) if isinstance(value, list) else str(value)
    return value


def notes(dataset: Dataset, gd: dict[str, Any]) -> str:
    desc = gd.get("description") or {}
    th, en = desc.get("th", "").strip(), desc.get("en", "").strip()
    parts = [th] if th else []
    if en or dataset.title:
        parts.append(f"**{dataset.title}**" + (f": {en}" if en else ""))
    return "\n\n".join(parts)


def years_of_data(csv_path: Path, field_name: str) -> tuple[str, str] | None:
    """First and last Buddhist-Era year in the data's ``field_name`` column (None if no values)."""
    cells = map(str.strip, distinct_values(csv_path, field_name))
    years = {int(v) for v in cells if v.isascii() and v.isdigit()}
    if not years:
        return None
    return str(min(years)), str(max(years))


def package_dict(
    dataset: Dataset, name: str, organization: str, data_csv: Path | None = None
) -> dict[str, Any]:
    """The CKAN package dict (without resources or ``private``) for a dataset's GD metadata.

    ``first_year_of_data``/``last_year_of_data`` come from the data when ``yearsFrom`` names a
    column of Buddhist-Era years, else from the descriptor.
    """
    gd = gd_catalog(dataset)
    pkg: dict[str, Any] = {
        "name": name,
        "owner_org": organization,
        "title": dataset.title_th,
        "notes": notes(dataset, gd),
    }
    for key, value in gd.items():
        if key in _SPECIAL:
            continue
        pkg[_RENAMED.get(key, snake(key))] = _value(key, value)
    years_from = gd.get("yearsFrom")
    if years_from and data_csv is not None:
        years = years_of_data(data_csv, years_from)
        if years:
            pkg["first_year_of_data"], pkg["last_year_of_data"] = years
    return pkg


def sent_fields(dataset: Dataset) -> set[str]:
    """Every package field ``package_dict`` may send for ``dataset``, without reading its data:
    what the portal's dataset schema must declare."""
    fields = set(package_dict(dataset, "name", "organization"))
    if gd_catalog(dataset).get("yearsFrom"):
        fields |= {"first_year_of_data", "last_year_of_data"}
    return fields


def tags_of(pkg: dict[str, Any]) -> list[str]:
    """Tag names of a package dict: ``tag_string`` (what we send) or ``tags`` (what CKAN returns)."""
    if "tag_string" in pkg:
        return sorted(t.strip() for t in str(pkg["tag_string"]).split(",") if t.strip())
    return sorted(t["name"] for t in pkg.get("tags", []))
