"""Validate every raw export in a drop folder: one task per file, outputs and reports per file.

    python -m flows.validate_drop_folder DROP_DIR [RESULTS_DIR] [--runner processes --workers 2]

A thin adapter over ``dgti_data.app``: which files are exports is the read stage's answer (so
``.xls`` and ``.ods`` get a clear refusal), each file's work is ``app.validate_file``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dgti_data import app
from dgti_data.app import FileReport
from dgti_data.cli.base import run_command
from dgti_data.combine.dataset import CombinedDataset
from dgti_data.orchestration import (
    publish_artifacts,
    retry_only_transient,
    task_runner,
    use_local_prefect_server,
)


@task(retries=3, retry_delay_seconds=[2, 10, 30], retry_condition_fn=retry_only_transient,
      task_run_name="validate-{path.name}", cache_policy=NO_CACHE)
def validate_file(path: Path, out_root: Path, config: app.RunConfig) -> FileReport:
    report = app.validate_file(path, config.catalog, out_root, key=config.key, k=config.k, combine=True)
    log = get_run_logger()
    if report.summary is None:
        log.error("unusable input: %s: %s", path, report.reason)
    else:
        s = report.summary
        log.info("%s → %s: %d rows, %d valid, %d quarantined, %d errors; report %s",
                 path.name, s.dataset["name"], s.rows_read, s.valid_rows, s.quarantined_rows,
                 s.error_count, report.html_report)
    return report


@flow(name="validate-drop-folder", log_prints=True)
def validate_drop_folder(
    drop_dir: Path, out_dir: Path | None = None, key_block: str | None = app.config.SECRET_BLOCK,
) -> list[dict[str, Any]]:
    """Returns one brief summary per file (counts, status, what became of its rows; the whole
    summary is its report.json); unusable files come back as ``{"unusable": True, ...}``.

    The pseudonymisation key comes from settings, else from the Prefect Secret block ``key_block``."""
    config = app.resolve(key_block=key_block, block_required=False)
    out_root = Path(out_dir or config.settings.output_dir)
    log = get_run_logger()
    plan = app.plan_folder(Path(drop_dir), config.catalog, out_root, key=config.key, k=config.k)
    ignored = sorted(p.name for p in Path(drop_dir).iterdir() if p.is_file() and p not in plan.files)
    if ignored:
        log.info("not table exports, left alone: %s", ", ".join(ignored))
    if plan.reused:
        log.info("%d file(s) unchanged since the last run (ledger): not read again", len(plan.reused))
    todo = plan.todo
    futures = [validate_file.submit(p, out_root, config) for p in todo]
    done: dict[Path, FileReport] = {}
    for path, future in zip(todo, futures, strict=True):
        # One file's failure (a configuration error, a bug) must not lose the other files' work.
        result = future.result(raise_on_failure=False)
        if isinstance(result, BaseException):
            result = app.failed(path, result)
            log.error("%s failed: %s", path.name, result.reason)
        done[path] = result
    # In the flow, not a task: Prefect would walk thousands of reports as the task's parameters.
    reports = combine_datasets(plan, done, out_root, config)
    publish_artifacts(reports, key="validation")
    quality = app.record_run(out_root, reports, config.catalog)
    if quality:
        log.info("quality over time / คุณภาพตามรอบ (not published): %s", quality)
    return [r.brief() for r in reports]


def combine_datasets(plan: app.FolderPlan, done: dict[Path, FileReport], out_root: Path,
                     config: app.RunConfig) -> list[FileReport]:
    """Each dataset made of many files: their union, anonymised as one table, and its bundle; the
    ledger saved for the next run."""
    reports, combined = app.finish_folder(plan, done, config.catalog, out_root, key=config.key, k=config.k)
    log = get_run_logger()
    for done in combined:
        for line in done.lines():
            log.info("%s", line)
        publish_coverage(done)
    return reports


def publish_coverage(done: CombinedDataset) -> None:
    """Which offices of the register have submitted, per round and province: a table in the UI."""
    from prefect.artifacts import create_table_artifact

    rows = [{"round": rc.round, "province": f"{p['province_th']} / {p['province_en']}",
             "offices": p["offices"], "submitted": p["submitted"], "missing": p["missing"]}
            for rc in done.coverage for p in rc.totals("province_code")]
    total = "; ".join(f"{rc.round or 'all'}: {rc.submitted:,} of {rc.expected:,}" for rc in done.coverage)
    create_table_artifact(table=rows, key=f"coverage-{done.dataset.name}",
                          description=f"หน่วยงานที่ส่งข้อมูลแล้ว / offices that have submitted, "
                                      f"{done.dataset.name}: {total}")


@click.command("validate-drop-folder")
@click.argument("drop_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("results_dir", type=click.Path(path_type=Path, file_okay=False), required=False)
@click.option("--runner", type=click.Choice(["threads", "processes", "dask"]), default="threads",
              show_default=True, help="How files run in parallel.")
@click.option("--workers", type=int, default=None, help="Parallel files (default: the runner's).")
@click.option("--dask-address", default=None, help="An existing Dask scheduler.")
def command(drop_dir: Path, results_dir: Path | None, runner: str, workers: int | None,
            dask_address: str | None) -> None:
    """Validate every raw export in DROP_DIR (one Prefect task per file); exit 1 unless all are valid."""
    flow_ = validate_drop_folder.with_options(task_runner=task_runner(runner, workers, dask_address))
    outcome = flow_(drop_dir, results_dir)
    sys.exit(0 if all(r.get("valid") for r in outcome) else 1)


def main(argv: list[str] | None = None) -> int:
    use_local_prefect_server()
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
