"""Which engine validates a file: the fast columnar path when it can promise frictionless's exact
report, frictionless itself otherwise. Both return frictionless's report shape, as a dict, with an
``engine`` entry saying which ran and, for frictionless, why the fast path did not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import frictionless

from dgti_data.datasets import Catalog, Dataset
from dgti_data.errors import TerminalError
from dgti_data.memory import release_arrow_memory
from dgti_data.validate.fast import (
    DEFAULT_BATCH_ROWS,
    Unsupported,
    references_from_catalog,
    supports,
    validate_csv,
)

# Errors that mean frictionless could not read the file it was given at all. Our own normalised CSV
# cannot be "bad data" in this way, so these are pipeline failures: raised, never reported as data.
_ENGINE_ERRORS = {"resource-error", "scheme-error", "format-error", "encoding-error", "source-error",
                  "schema-error", "package-error", "general-error", "dialect-error", "checklist-error"}


class ValidationEngineError(TerminalError):
    """frictionless could not validate a file the pipeline wrote itself."""


def frictionless_validate(
    catalog: Catalog, csv_path: Path, dataset: Dataset | None = None, schema: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Validate ``csv_path`` as the dataset's resource (or with ``schema``) inside the project's package,
    so foreign keys resolve against the reference tables.

    The file is addressed by a relative path under its own basepath: frictionless refuses absolute
    paths unless its process-wide "trusted" switch is on, and toggling that from concurrent tasks
    races (one task's exit turns it off under another).
    """
    package = frictionless.Package(catalog.root / "datapackage.json")
    where = {"path": csv_path.name, "basepath": str(csv_path.parent.resolve()), "format": "csv",
             "encoding": "utf-8"}
    if dataset is not None:
        resource = package.get_resource(dataset.name)
        for key, value in where.items():
            setattr(resource, key, value)
    else:
        resource = frictionless.Resource(
            name="published-check", schema=frictionless.Schema.from_descriptor(schema), **where
        )
        package.add_resource(resource)
    report = resource.validate(limit_errors=10**9)
    for err in report.flatten(["type", "note"]):
        if err[0] in _ENGINE_ERRORS:
            raise ValidationEngineError(f"{csv_path}: frictionless could not validate it: {err[1]}")
    return report.to_dict()


def run_validation(
    catalog: Catalog,
    csv_path: Path,
    dataset: Dataset | None = None,
    schema: dict[str, Any] | None = None,
    *,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    file_hashes: bool = False,
    place: str | None = None,
) -> dict[str, Any]:
    """Validate a normalised CSV (header = field names) as ``dataset`` or against ``schema``: the one
    place that chooses the fast path or frictionless.

    No md5/sha256 of the working file by default: nothing reads them (the published file's own hash
    is taken when publishing), and they cost a fifth of the fast path's time."""
    schema = schema if schema is not None else dataset.schema if dataset else None
    if schema is None:
        raise ValueError("run_validation needs a dataset or a schema")
    references = references_from_catalog(catalog)
    ok, reasons = supports(schema, references)
    if ok:
        try:
            report = validate_csv(csv_path, schema, name=dataset.name if dataset else "published-check",
                                  references=references, batch_rows=batch_rows, file_hashes=file_hashes,
                                  place=place or csv_path.name)
        except Unsupported as exc:
            reasons = [str(exc)]
        else:
            report["engine"] = {"name": "fast"}
            return report
        finally:
            release_arrow_memory()  # the batches' pages, kept by Arrow's allocator otherwise
    report = frictionless_validate(catalog, csv_path, dataset, None if dataset else schema)
    report["engine"] = {"name": "frictionless", "fallbackReasons": reasons}
    return report


def validate_dataset(csv_path: Path, dataset: Dataset, catalog: Catalog, *,
                     batch_rows: int = DEFAULT_BATCH_ROWS, file_hashes: bool = True) -> dict[str, Any]:
    """``run_validation`` as frictionless names a file (its absolute path), with file digests: the
    report to compare with ``frictionless.validate``'s own."""
    csv_path = Path(csv_path)
    return run_validation(catalog, csv_path, dataset, batch_rows=batch_rows, file_hashes=file_hashes,
                          place=str(csv_path.resolve()))
