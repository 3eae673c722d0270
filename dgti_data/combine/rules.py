"""The combination rule of a dataset, read from its resource in ``schemas/datapackage.json``.

A drop folder may hold many exports of one dataset (one per office, per province, per round). The
resource's ``submissions`` object says how they make one table::

    "submissions": {"officeField": "lao_code", "roundField": "survey_year",
                    "onResubmission": "replace-office-rows", "onKeyConflict": "hold-and-report"}

``officeField`` names the submitting office, ``roundField`` (optional) the round a row answers for
(coverage is counted per round); with ``replace-office-rows`` an office's newer file
replaces the rows its earlier files gave for it, and nothing else; with ``hold-and-report`` a key
sent by two offices is left out of the union and listed for the steward, never resolved silently.
Schemas are data: an unknown value stops the run (``ConfigurationError``), as a missing treatment does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dgti_data.datasets import Dataset
from dgti_data.errors import ConfigurationError

OnResubmission = Literal["replace-office-rows"]
OnKeyConflict = Literal["hold-and-report"]
RESUBMISSION_RULES = ("replace-office-rows",)
CONFLICT_RULES = ("hold-and-report",)


@dataclass(frozen=True)
class CombineRule:
    office_field: str
    on_resubmission: OnResubmission = "replace-office-rows"
    on_key_conflict: OnKeyConflict = "hold-and-report"
    round_field: str | None = None


def combine_rule(dataset: Dataset) -> CombineRule | None:
    """The dataset's rule, or None when its resource declares none (one file is the dataset)."""
    spec = dataset.resource.get("submissions")
    if spec is None:
        return None
    where = f"schemas/datapackage.json, resource {dataset.name!r}, submissions"
    if not isinstance(spec, dict) or not isinstance(spec.get("officeField"), str):
        raise ConfigurationError(f"{where}: needs an object with officeField (the column naming the office)")
    office = spec["officeField"]
    if office not in dataset.field_names:
        raise ConfigurationError(f"{where}: officeField {office!r} is not a field of "
                                 f"{dataset.schema_path.name}")
    round_field = spec.get("roundField")
    if round_field is not None and round_field not in dataset.field_names:
        raise ConfigurationError(f"{where}: roundField {round_field!r} is not a field of "
                                 f"{dataset.schema_path.name}")
    resubmission = spec.get("onResubmission", "replace-office-rows")
    conflict = spec.get("onKeyConflict", "hold-and-report")
    if resubmission not in RESUBMISSION_RULES:
        raise ConfigurationError(f"{where}: onResubmission {resubmission!r} is not one of "
                                 f"{RESUBMISSION_RULES}")
    if conflict not in CONFLICT_RULES:
        raise ConfigurationError(f"{where}: onKeyConflict {conflict!r} is not one of {CONFLICT_RULES}")
    if not dataset.primary_key:
        raise ConfigurationError(f"{where}: the schema needs a primaryKey to tell key conflicts "
                                 "between files")
    return CombineRule(office, resubmission, conflict, round_field)
