"""The one-call entry for the pipeline: a dataset's normalised CSV in, a frictionless-shaped report out.

Uses the fast path when it can promise frictionless's exact report, and frictionless itself
otherwise; ``report["engine"]`` says which ran and, for frictionless, why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dgti_data.datasets import Catalog, Dataset
from dgti_data.validate.fast.engine import DEFAULT_BATCH_ROWS, validate_csv
from dgti_data.validate.fast.plan import ReferenceTable, Unsupported, supports


def references_from_catalog(catalog: Catalog) -> dict[str, ReferenceTable]:
    """Every resource of the package, as a table foreign keys may point at."""
    return {
        name: ReferenceTable(
            path=catalog.root / d.path,
            schema=d.schema,
            encoding=d.resource.get("encoding", "utf-8"),
        )
        for name, d in catalog.datasets.items()
    }


def frictionless_report(csv_path: Path, dataset: Dataset, catalog: Catalog) -> dict[str, Any]:
    """frictionless's own report (error limit lifted), read the way the validate stage reads it."""
    from dgti_data.validate.engines import frictionless_validate

    return frictionless_validate(catalog, Path(csv_path), dataset)


def validate_dataset(csv_path: Path, dataset: Dataset, catalog: Catalog, *,
                     batch_rows: int = DEFAULT_BATCH_ROWS, file_hashes: bool = True) -> dict[str, Any]:
    """Validate ``csv_path`` (header = field names) as ``dataset``; fast when possible."""
    csv_path = Path(csv_path)
    references = references_from_catalog(catalog)
    ok, reasons = supports(dataset.schema, references)
    if ok:
        try:
            report = validate_csv(
                csv_path, dataset.schema, name=dataset.name, references=references,
                batch_rows=batch_rows, file_hashes=file_hashes, place=str(csv_path.resolve()),
            )
        except Unsupported as exc:
            reasons = [str(exc)]
        else:
            report["engine"] = {"name": "fast"}
            return report
    report = frictionless_report(csv_path, dataset, catalog)
    report["engine"] = {"name": "frictionless", "fallbackReasons": reasons}
    return report
