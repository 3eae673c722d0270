"""One raw file through every stage: read → normalise → validate → anonymise → check → report.

The raw rows are validated first, so the steward sees every problem of the file as it was sent
(personal fields included, their values masked). Only the valid rows are anonymised, k-anonymity is
judged on exactly the rows that would be published, and the publishable file is validated once more
against its published schema before it may leave. ``dgti_data.app.folder`` calls it for each file
of a drop folder, for the CLI and the Prefect flows alike.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from dgti_data.anonymise import AnonymisedTable, anonymise
from dgti_data.anonymise.leakgate import gate_document
from dgti_data.combine import combine_rule
from dgti_data.combine.dataset import save_valid_rows, valid_rows_path
from dgti_data.datasets import Catalog, Dataset
from dgti_data.errors import UnusableInputError
from dgti_data.normalise import normalise
from dgti_data.normalise.headers import FieldMatcher, matchers_for
from dgti_data.publish.bundle import PublicationBundle
from dgti_data.read import read_table
from dgti_data.read.layout import matched_fields
from dgti_data.report import OfficeCounts, Summary, build_summary, office_counts, write_html, write_json
from dgti_data.validate import CellError, ValidationResult, validate, validate_published


@dataclass
class ProcessedFile:
    """Everything one file's run produced, in memory (the steward's ``summary`` is its public part)."""

    source: Path
    dataset: Dataset
    result: ValidationResult
    anonymised: AnonymisedTable
    published_errors: list[CellError]
    summary: Summary
    out_dir: Path
    json_report: Path
    html_report: Path
    data_csv: Path | None
    bundle: Path | None
    # Rows, quarantined rows and errors per office code, for the history (never published).
    offices: dict[str, OfficeCounts] = dataclasses.field(default_factory=dict)

    @property
    def publishable(self) -> bool:
        return self.bundle is not None

    @property
    def exit_code(self) -> int:
        return 0 if self.result.valid and self.publishable else 1


# A file's header decides its dataset when its name does not: the best schema must be named by at
# least DETECT_MIN_SHARE of its fields' headers, and by DETECT_MARGIN more than the runner-up (the
# two datasets share their office and contact columns, so a header of those alone is ambiguous).
DETECT_MIN_SHARE = 0.5
DETECT_MARGIN = 0.2


def dataset_by_name(path: Path, catalog: Catalog) -> Dataset | None:
    """The dataset whose name the file name starts with (``<dataset>*.csv``), the longest first."""
    for name in sorted(catalog.names(), key=len, reverse=True):
        if path.name.startswith(name):
            return catalog.get(name)
    return None


def detect_dataset(path: Path, scores: dict[str, tuple[int, int]], catalog: Catalog) -> Dataset:
    """The dataset the header names best, from the read stage's ``header_scores`` (dataset → fields
    named, fields); an unmatched or ambiguous header raises with every score, never a guess."""
    shares = sorted(((m / n if n else 0.0, name) for name, (m, n) in scores.items()), reverse=True)
    if shares:
        best, name = shares[0]
        runner_up = shares[1][0] if len(shares) > 1 else 0.0
        if best >= DETECT_MIN_SHARE and best - runner_up >= DETECT_MARGIN:
            return catalog.get(name)
    listed = ", ".join(f"{name} {scores[name][0]} of {scores[name][1]} fields" for _, name in shares)
    why = ("its header matches no dataset well enough" if not shares or shares[0][0] < DETECT_MIN_SHARE
           else "its header matches more than one dataset about as well")
    needs = (f"needs {DETECT_MIN_SHARE:.0%} of one dataset's fields, "
             f"{DETECT_MARGIN * 100:.0f} points above any other's")
    raise UnusableInputError(path, f"cannot tell which dataset this file is: {why} ({listed or 'no header'}; "
                             f"{needs}): name it <dataset>*.csv or pass --dataset")


_MATCHERS: dict[int, tuple[Dataset, FieldMatcher]] = {}


def _matchers(datasets: list[Dataset]) -> dict[str, FieldMatcher]:
    """``matchers_for``, each dataset's made once per process (a catalog's datasets live as long as
    it): building one normalises every header a schema lists, several times a file otherwise."""
    out = {}
    for d in datasets:
        held = _MATCHERS.get(id(d))
        if held is None or held[0] is not d:
            held = _MATCHERS[id(d)] = (d, matchers_for([d])[d.name])
        out[d.name] = held[1]
    return out


def _scores(headers: list[str], datasets: list[Dataset]) -> dict[str, tuple[int, int]]:
    """Fields each dataset's schema finds in ``headers`` (a header no row of which matched well)."""
    return {name: (matched_fields(headers, m), m.size) for name, m in _matchers(datasets).items()}


def check_name_against_header(path: Path, named: Dataset, headers: list[str], catalog: Catalog) -> None:
    """A file named for one dataset whose header is clearly another's (an office sent the wrong
    export under the usual name) is refused with the scores, not validated as the wrong table."""
    scores = _scores(headers, [catalog.get(n) for n in catalog.names()])
    share = {name: (m / n if n else 0.0) for name, (m, n) in scores.items()}
    best = max(share, key=lambda name: share[name])
    clearly = share[best] >= DETECT_MIN_SHARE and share[best] - share[named.name] >= DETECT_MARGIN
    if best != named.name and clearly:
        listed = ", ".join(f"{name} {m} of {n} fields" for name, (m, n) in scores.items())
        raise UnusableInputError(path, f"its name says {named.name} but its header is {best}'s ({listed}): "
                                 "rename it or pass --dataset")


OUTPUT_NAME_BYTES = 120  # well under file systems' 255-byte names; Thai takes 3 bytes a letter


def output_dir_for(source: Path, out_root: Path) -> Path:
    """One folder per raw file, named after the whole file name so x.csv and x.xlsx never collide.

    File names come from thousands of offices: the folder name is a slug (letters of any script
    with their marks, digits, ``-``, ``_``), so no ``..``, separator, control character or leading
    dot survives, bounded in bytes. A name the slug had to change or cut gets a digest of the
    original, so two different files never share a folder."""
    name = source.name
    plain = name.replace(".", "-")
    kept = (c if c.isalnum() or unicodedata.category(c).startswith("M") or c in "-_" else "-" for c in plain)
    slug = re.sub(r"-{2,}", "-", "".join(kept)).strip("-_")
    if slug != plain or len(slug.encode("utf-8")) > OUTPUT_NAME_BYTES:
        digest = hashlib.sha256(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
        while len(slug.encode("utf-8")) > OUTPUT_NAME_BYTES - 9:
            slug = slug[:-1]
        slug = f"{slug.rstrip('-_')}-{digest}" if slug.strip("-_") else f"file-{digest}"
    return out_root / slug


def gate_reports(report: dict[str, Any], summary: Summary) -> tuple[dict[str, Any], Summary]:
    """The frictionless report and the summary as they may be published: every string through the
    leak gate (headers and cells of invalid rows are quoted there), with what it removed counted."""
    report_doc, removed = gate_document(report)
    fields = {f.name: getattr(summary, f.name) for f in dataclasses.fields(summary)}
    gated, removed_in_summary = gate_document(fields)
    gated["report_redactions"] = dict(removed + removed_in_summary)
    return report_doc, Summary(**gated)


def offices_of(table: Any, result: ValidationResult, dataset: Dataset) -> dict[str, OfficeCounts]:
    """Counts per office (the dataset's ``officeField``), for the steward's history; none when the
    dataset names no office field or the file has no such column."""
    rule = combine_rule(dataset)
    if rule is None or rule.office_field not in table.frame.columns:
        return {}
    errors = [*result.table_errors, *result.errors]
    return office_counts(table.frame[rule.office_field].tolist(), table.row_numbers, result.valid_index,
                         [e.row for e in errors], [e.row for e in errors if e.field == rule.office_field])


def process_file(
    source: Path,
    catalog: Catalog,
    out_root: Path,
    dataset_name: str | None = None,
    encoding: str | None = None,
    *,
    key: SecretStr | None = None,
    k: int = 5,
    combine: bool = False,
) -> ProcessedFile:
    """Raises ``UnusableInputError`` for files that cannot be read and ``ConfigurationError`` for a
    schema without treatments or a missing key; data problems go in the report.

    ``combine``: when the dataset declares how its files combine, the file is one submission of it
    (a drop folder's): its valid rows are kept, locally, for the union (``app.combining``), which
    is anonymised and published as one table, and the file gets no CSV or bundle of its own."""
    named = catalog.get(dataset_name) if dataset_name else dataset_by_name(source, catalog)
    candidates = [named] if named else [catalog.get(n) for n in catalog.names()]
    raw = read_table(source, encoding=encoding, matchers=_matchers(candidates))
    dataset = named or detect_dataset(source, raw.header_scores or _scores(raw.headers, candidates), catalog)
    if named and not dataset_name:
        check_name_against_header(source, named, raw.headers, catalog)
    table = normalise(raw, dataset, consume=True)  # the raw cells go as they are normalised
    del raw
    out_dir = output_dir_for(source, out_root)
    result = validate(table, dataset, catalog, out_dir)

    valid = result.valid_index
    valid_frame = table.frame  # every row valid (the usual case): the frame itself, not a copy
    if len(valid) < len(valid_frame):
        valid_frame = valid_frame.iloc[valid].reset_index(drop=True)
    valid_rows = [table.row_numbers[i] for i in valid]
    submission = combine and combine_rule(dataset) is not None
    # A submission's k-anonymity is judged on the union it joins, not on its own few rows.
    anonymised = anonymise(valid_frame, valid_rows, dataset, key, None if submission else k)
    if submission:
        for stale in (out_dir / f"{dataset.name}.csv", out_dir / "anonymisation-report.json",
                      valid_rows_path(out_dir, dataset.name)):
            stale.unlink(missing_ok=True)
        data_csv, published_errors = None, []
        publishable = result.publishable and not anonymised.blocked and len(anonymised.frame) > 0
        if publishable:
            save_valid_rows(out_dir, dataset, valid_frame, valid_rows)
    else:
        paths = anonymised.write(out_dir, dataset.name)
        data_csv = paths.get("csv")
        published_errors = (validate_published(data_csv, anonymised.published_schema, catalog)
                            if data_csv else [])
        publishable = (
            result.publishable and data_csv is not None and not anonymised.blocked and not published_errors
            and len(anonymised.frame) > 0
        )
    summary = build_summary(table, result, anonymised, published_errors, publishable)
    # The reports are published with the data: they pass the leak gate as the data did.
    report_doc, summary = gate_reports(result.report, summary)
    json_report = write_json(out_dir / "report.json", report_doc, summary)
    html_report = out_dir / "report.html"
    if submission:  # drawn once, when the union says what becomes of its rows (``app.combining``)
        html_report.unlink(missing_ok=True)
    else:
        write_html(html_report, [summary])

    bundle = None
    if publishable and data_csv is not None and not submission:
        warnings = []
        if not result.valid:
            warnings.append(
                f"{result.quarantined_rows} of {result.rows_read} rows quarantined; publishing the valid rows"
            )
        ka = anonymised.report.k_anonymity
        if ka and ka.rows_suppressed:
            warnings.append(f"{ka.rows_suppressed} rows suppressed for k-anonymity (k={ka.k})")
        bundle = PublicationBundle(
            dataset=dataset,
            data_csv=data_csv,
            table_schema=anonymised.published_schema,
            reports=[json_report, html_report, out_dir / "anonymisation-report.json"],
            warnings=warnings,
            rows=len(anonymised.frame),
        ).save(out_dir)
    else:
        (out_dir / "publication.json").unlink(missing_ok=True)
    return ProcessedFile(source, dataset, result, anonymised, published_errors, summary, out_dir,
                         json_report, html_report, data_csv, bundle, offices_of(table, result, dataset))
