"""The anonymise stage: a normalised raw table in, the publishable table and its report out.

Order: treatments field by field → k-anonymity over the quasi-identifiers → leak gate. The output
has the published columns only; dropped columns never reach it, and neither do columns the raw
schema does not know.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import SecretStr

from dgti_data.anonymise import kanon, leakgate
from dgti_data.anonymise.columns import Column, cells
from dgti_data.anonymise.detectors import Span
from dgti_data.anonymise.generalise import INVALID
from dgti_data.anonymise.leakgate import Leak
from dgti_data.anonymise.policy import FieldPolicy, Policy, load_policy, published_schema
from dgti_data.anonymise.pseudonym import Pseudonymiser
from dgti_data.anonymise.redact import KnownTable, redact_column
from dgti_data.anonymise.report import AnonymisationReport, FieldReport
from dgti_data.csvout import write_frame_csv
from dgti_data.datasets import Dataset
from dgti_data.memory import object_block, object_frame

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# What a spreadsheet may run as a formula when it opens a CSV (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def neutralise_formula(value: str) -> str:
    """``'`` before a text cell a spreadsheet would run (``=HYPERLINK(...)``, ``=cmd|...``,
    ``+SUM(...)``, ``@...``): it then shows as text. Plain signed numbers are left alone."""
    if value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


@dataclass
class AnonymisedTable:
    frame: pd.DataFrame
    row_numbers: list[int]
    published_schema: dict[str, Any]
    report: AnonymisationReport
    leaks: list[Leak] = field(default_factory=list)
    # Text cells of the published CSV prefixed by ``neutralise_formula``, per field (set by ``write``).
    neutralised: dict[str, int] = field(default_factory=dict)

    @property
    def formulas_neutralised(self) -> dict[str, Any]:
        """What reports say of ``neutralised``: the total and the count per field."""
        return {"total": sum(self.neutralised.values()), "by_field": dict(self.neutralised)}

    @property
    def blocked(self) -> bool:
        """True when the leak gate found personal data: nothing may be published."""
        return bool(self.leaks)

    def write(self, out_dir: Path, name: str) -> dict[str, Path]:
        """``<name>.csv`` (only when not blocked), ``<name>.schema.json``, ``anonymisation-report.json``.

        Text cells a spreadsheet would run as formulas are neutralised in the CSV (counted in
        ``neutralised``); the frame keeps the values as they were."""
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "schema": out_dir / f"{name}.schema.json",
            "report": out_dir / "anonymisation-report.json",
        }
        paths["schema"].write_text(json.dumps(self.published_schema, ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
        report, _ = leakgate.gate_document(self.report.to_dict())  # published: through the gate too
        paths["report"].write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                   encoding="utf-8")
        csv_path = out_dir / f"{name}.csv"
        if self.blocked:
            csv_path.unlink(missing_ok=True)  # never leave a leaking file behind from an earlier run
            return paths
        columns = list(self.frame.columns)
        types = {f["name"]: f.get("type", "string") for f in self.published_schema.get("fields", [])}
        text = [i for i, c in enumerate(columns) if types.get(c, "string") == "string"]
        rewrites = dict.fromkeys(text, neutralise_formula)
        changed = write_frame_csv(csv_path, self.frame, rewrites=rewrites)
        counts: Counter[str] = Counter()  # in the order rows met them; two columns may share a name
        for i, cells_changed in changed.items():
            counts[columns[i]] += cells_changed
        self.neutralised = dict(counts)
        paths["csv"] = csv_path
        return paths


def _raw_ok(value: str, fp: FieldPolicy) -> bool:
    """Would the raw value pass its own format/pattern/enum? Pseudonyms would hide the answer."""
    d = fp.spec.descriptor
    c = fp.spec.constraints
    if d.get("format") == "email" and not _EMAIL.fullmatch(value.strip()):
        return False
    if "pattern" in c and not re.fullmatch(c["pattern"], value):
        return False
    if "enum" in c and value not in c["enum"]:
        return False
    return not ("maxLength" in c and len(value) > c["maxLength"])


def anonymise(
    frame: pd.DataFrame,
    row_numbers: Sequence[int],
    dataset: Dataset,
    key: SecretStr | None,
    k: int | None = 5,
) -> AnonymisedTable:
    """Apply the dataset's policy to a normalised frame (one column per raw field, ``str``/``None``).

    ``k=None`` leaves k-anonymity to the caller: a file that is one submission among many is only
    part of the table to publish, and groups are judged on the union (``dgti_data.combine``).

    Raises ``ConfigurationError`` for a schema without complete treatments or a missing key;
    never for data: an unusable cell becomes ``INVALID`` for validation to flag.
    """
    policy: Policy = load_policy(dataset)
    pseudonymiser = Pseudonymiser(key) if policy.needs_key else None
    n = len(frame)
    if len(row_numbers) != n:
        raise ValueError(f"{len(row_numbers)} row numbers for {n} rows")
    rows = [int(r) for r in row_numbers]
    report = AnonymisationReport(
        dataset=dataset.name,
        raw_schema=dataset.schema_path.name,
        rows_in=n,
        key_id=pseudonymiser.key_id if pseudonymiser else None,
        unexpected_columns=[str(c) for c in frame.columns if c not in dataset.field_names],
        missing_columns=[f for f in dataset.field_names if f not in frame.columns],
    )
    missing = set(dataset.missing_values)
    raw = {fp.name: cells(frame, fp.name, n, missing) for fp in policy.fields}
    known = KnownTable([str(fp.personal_kind) for fp in policy.personal_fields],
                       [raw[fp.name] for fp in policy.personal_fields])
    detected: dict[str, list[Span]] = {}  # detect() per text, shared by redaction and the leak gate

    out: dict[str, Column] = {}
    recheck: dict[str, np.ndarray] = {}
    for fp in policy.fields:
        values = raw[fp.name]
        fr = FieldReport(fp.name, fp.treatment, fp.published, fp.quasi_identifier,
                         non_empty=values.count(lambda v: v is not None))
        if fp.treatment == "keep":
            out[fp.name] = values
        elif fp.treatment == "pseudonymise":
            assert pseudonymiser is not None
            out[fp.name] = values.map(lambda v, fp=fp: _pseudonym(v, fp, pseudonymiser))
        elif fp.treatment == "generalise":
            assert fp.generaliser is not None
            out[fp.name] = values.map(fp.generaliser.apply)
        elif fp.treatment == "redact":
            out[fp.name], counts, with_known = redact_column(values, known, detected)
            fr.redactions = dict(counts)
        if fp.published:
            changed = values.differs(out[fp.name])
            fr.changed = int(np.count_nonzero(changed))
            fr.invalid = out[fp.name].count(lambda v: v == INVALID)
            if fp.treatment == "redact":  # other rows: the cell the known values were searched in
                recheck[fp.name] = changed | with_known
        report.fields.append(fr)

    qis = policy.quasi_identifiers
    # Rows validation will reject (a quasi-identifier outside its allowed values) stay out of the
    # groups and are not suppressed: the steward must see them in the quarantine.
    invalid = np.zeros(n, dtype=bool)
    for fp in qis:
        invalid |= out[fp.name].rows_where(lambda v: v == INVALID)
        if fp.treatment == "keep":
            invalid |= raw[fp.name].rows_where(lambda v, fp=fp: v is not None and not _raw_ok(v, fp))
    if k is None:
        keep = np.ones(n, dtype=bool)
    else:
        keep, qi_values, kres = kanon.enforce_columns(
            {fp.name: out[fp.name] for fp in qis},
            {fp.name: raw[fp.name] for fp in qis},
            {fp.name: fp.ladder for fp in qis},
            k,
            rows,
            invalid,
        )
        out.update(qi_values)
        report.k_anonymity = kres
    for fr in report.fields:
        if fr.quasi_identifier:
            fr.changed = int(np.count_nonzero(raw[fr.field].differs(out[fr.field])))

    names = [fp.name for fp in policy.published_fields]
    kept_idx = np.flatnonzero(keep)
    kept_cols = {name: out[name].take(kept_idx) for name in names}
    block = object_block(len(names), len(kept_idx))
    for j, col in enumerate(kept_cols.values()):
        block[j] = col.array()
    published = object_frame(block, names)
    kept_rows = [rows[i] for i in kept_idx.tolist()]
    report.rows_out = len(kept_idx)

    leaks = leakgate.scan_columns(kept_cols, kept_rows, known.take(kept_idx), policy.known_value_columns,
                                  detected, {name: rows[kept_idx] for name, rows in recheck.items()})
    report.leaks = leaks
    return AnonymisedTable(
        frame=published,
        row_numbers=kept_rows,
        published_schema=published_schema(dataset),
        report=report,
        leaks=leaks,
    )


def _pseudonym(value: str | None, fp: FieldPolicy, pseudonymiser: Pseudonymiser) -> str | None:
    if value is None:
        return None
    if not _raw_ok(value, fp):
        return INVALID
    return pseudonymiser(value, fp.pseudonym_domain, fp.personal_kind)
