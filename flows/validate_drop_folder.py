"""Validate every raw export in a drop folder: one task per file, outputs and reports per file."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task

from dgti_data.datasets import load_catalog
from dgti_data.errors import UnusableInputError
from dgti_data.orchestration import publish_artifacts, retry_only_transient, task_runner
from dgti_data.pipeline import process_file
from dgti_data.settings import get_settings

RAW_SUFFIXES = {".csv", ".xlsx", ".txt", ".tsv"}


@task(retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=retry_only_transient,
      task_run_name="validate-{path.name}")
def validate_file(path: Path, out_root: Path) -> dict[str, Any]:
    settings = get_settings()
    catalog = load_catalog(settings.schemas_dir)
    try:
        outcome = process_file(path, catalog, out_root, key=settings.pseudonymisation_key,
                               k=settings.k_anonymity)
    except UnusableInputError as exc:
        get_run_logger().error("unusable input: %s", exc)
        return {"unusable": True, "file": path.name, "reason": exc.reason}
    s = outcome.summary
    get_run_logger().info(
        "%s → %s: %d rows, %d valid, %d quarantined, %d errors; report %s",
        path.name, outcome.dataset.name, s["rows_read"], s["valid_rows"], s["quarantined_rows"],
        s["error_count"], outcome.html_report,
    )
    return s | {"out_dir": str(outcome.out_dir), "bundle": str(outcome.bundle) if outcome.bundle else None}


@flow(name="validate-drop-folder", log_prints=True)
def validate_drop_folder(drop_dir: Path, out_dir: Path | None = None) -> list[dict[str, Any]]:
    """Returns one summary per file; unusable files come back as ``{"unusable": True, ...}``."""
    settings = get_settings()
    out_root = Path(out_dir or settings.output_dir)
    files = sorted(p for p in Path(drop_dir).iterdir() if p.is_file() and p.suffix.lower() in RAW_SUFFIXES)
    futures = [validate_file.submit(p, out_root) for p in files]
    results = []
    for path, future in zip(files, futures, strict=True):
        # One file's failure (a configuration error, a bug) must not lose the other files' work.
        result = future.result(raise_on_failure=False)
        if isinstance(result, BaseException):
            reason = f"{type(result).__name__}: {result}".splitlines()[0][:300]
            get_run_logger().error("%s failed: %s", path.name, reason)
            result = {"failed": True, "unusable": True, "file": path.name, "reason": reason}
        results.append(result)
    summaries = [r for r in results if not r.get("unusable")]
    failures = [r for r in results if r.get("unusable")]
    publish_artifacts(summaries, failures, key="validation")
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("drop_dir", type=Path)
    parser.add_argument("results_dir", type=Path, nargs="?")
    parser.add_argument("--runner", choices=["threads", "processes", "dask"], default="threads")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--dask-address", default=None, help="an existing Dask scheduler")
    args = parser.parse_args(argv)
    runner = task_runner(args.runner, args.workers, args.dask_address)
    outcome = validate_drop_folder.with_options(task_runner=runner)(args.drop_dir, args.results_dir)
    return 0 if all(r.get("valid") for r in outcome) else 1


if __name__ == "__main__":
    sys.exit(main())
