"""Validate every raw export in a drop folder: tasks of up to 40 files, outputs and reports per file.

    python -m flows.validate_drop_folder DROP_DIR [RESULTS_DIR] [--runner processes --workers 2]

A thin adapter over ``dgti_data.app``: which files are exports is the read stage's answer (so
``.xls`` and ``.ods`` get a clear refusal), each file's work is ``app.validate_file``, each file's
failure its own report.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any, TypeVar

import click
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from dgti_data import app
from dgti_data.app import FileReport
from dgti_data.cli.base import run_command
from dgti_data.combine.dataset import CombinedDataset
from dgti_data.orchestration import (
    is_transient,
    publish_artifacts,
    task_runner,
    use_local_prefect_server,
)

T = TypeVar("T")

# Files per task. A Prefect task run costs more than a small office file's own work (its states,
# events, logs and, with processes or Dask, the arguments and result sent to a worker), so files go
# in groups; each file is still validated, reported and isolated on its own (``validate_one``).
BATCH_FILES = 40
MIN_BATCHES = 8  # a small folder still spreads over every worker, and the last group is short
RETRY_DELAYS_S = (2, 10, 30)  # a file's transient failure is tried again after each, then reported


def batches(items: list[T], size: int = BATCH_FILES) -> list[list[T]]:
    """``items`` in order, in groups of at most ``size`` and at least ``MIN_BATCHES`` groups when
    there are as many."""
    size = max(1, min(size, len(items) // MIN_BATCHES))
    return [items[i:i + size] for i in range(0, len(items), size)]


def validate_one(path: Path, out_root: Path, config: app.RunConfig, log: Any,
                 delays: tuple[float, ...] = RETRY_DELAYS_S) -> FileReport:
    """One file of a group: a transient failure (``orchestration.is_transient``) is tried again, any
    other failure (a configuration error, a bug) becomes this file's report and never stops the
    group's other files."""
    for delay in (*delays, None):
        try:
            report = app.validate_file(path, config.catalog, out_root, key=config.key, k=config.k,
                                       combine=True)
        except Exception as exc:
            if delay is not None and is_transient(exc):
                log.warning("%s: %s: trying again in %s s", path.name, exc, delay)
                time.sleep(delay)
                continue
            report = app.failed(path, exc)
            log.error("%s failed: %s", path.name, report.reason)
            return report
        break
    if report.summary is None:
        log.error("unusable input: %s: %s", path, report.reason)
    else:
        s = report.summary
        log.info("%s → %s: %d rows, %d valid, %d quarantined, %d errors; report %s",
                 path.name, s.dataset["name"], s.rows_read, s.valid_rows, s.quarantined_rows,
                 s.error_count, report.html_report)
    return report


@task(task_run_name="validate-{label}", cache_policy=NO_CACHE)
def validate_files(label: str, paths: list[Path], out_root: Path, config: app.RunConfig) -> list[FileReport]:
    """A group of files, one ``FileReport`` each (``label`` names the group in the UI)."""
    log = get_run_logger()
    return [validate_one(path, out_root, config, log) for path in paths]


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
    groups = batches(plan.todo)
    labels = _labels(groups)
    futures = [validate_files.submit(label, group, out_root, config)
               for label, group in zip(labels, groups, strict=True)]
    done: dict[Path, FileReport] = {}
    for label, group, future in zip(labels, groups, futures, strict=True):
        result = future.result(raise_on_failure=False)
        if isinstance(result, BaseException):  # the group's worker died: its files failed, not the run
            log.error("files %s failed: %s", label, result)
            result = [app.failed(path, result) for path in group]
        done.update(zip(group, result, strict=True))
    # In the flow, not a task: Prefect would walk thousands of reports as the task's parameters.
    reports = combine_datasets(plan, done, out_root, config)
    publish_artifacts(reports, key="validation")
    quality = app.record_run(out_root, reports, config.catalog)
    if quality:
        log.info("quality over time / คุณภาพตามรอบ (not published): %s", quality)
    return [r.brief() for r in reports]


def _labels(groups: list[list[Path]]) -> list[str]:
    """A group's name in the UI: its file's name, or its files' positions in the run."""
    total, first, out = sum(map(len, groups)), 1, []
    for group in groups:
        out.append(group[0].name if len(group) == 1 else f"{first}-{first + len(group) - 1}-of-{total}")
        first += len(group)
    return out


@task(task_run_name="tell-{label}", cache_policy=NO_CACHE)
def tell_files(label: str, items: list[tuple[FileReport, dict[str, Any]]]) -> list[FileReport]:
    """A group of files' reports rewritten with their parts of the union (``label`` names it)."""
    return app.tell_files(items)


def tell_in_tasks(items: list[tuple[FileReport, dict[str, Any]]]) -> list[FileReport]:
    """The union's parts told to thousands of files' reports by the flow's workers, in groups, as
    the files were validated; a group whose worker died is told here instead."""
    groups = batches(list(range(len(items))))
    labels = [f"{g[0] + 1}-{g[-1] + 1}-of-{len(items)}" for g in groups]
    futures = [tell_files.submit(label, [items[i] for i in group])
               for label, group in zip(labels, groups, strict=True)]
    told: list[FileReport] = []
    for group, future in zip(groups, futures, strict=True):
        result = future.result(raise_on_failure=False)
        told += app.tell_files([items[i] for i in group]) if isinstance(result, BaseException) else result
    return told


def combine_datasets(plan: app.FolderPlan, done: dict[Path, FileReport], out_root: Path,
                     config: app.RunConfig) -> list[FileReport]:
    """Each dataset made of many files: their union, anonymised as one table, and its bundle; the
    ledger saved for the next run."""
    reports, combined = app.finish_folder(plan, done, config.catalog, out_root, key=config.key, k=config.k,
                                          tell=tell_in_tasks)
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
             "offices": p["offices"], "submitted": p["submitted"], "missing": p["missing"],
             "all_rows_quarantined": p["quarantined_only"]}
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
    """Validate every raw export in DROP_DIR (Prefect tasks of up to 40 files); exit 1 unless all valid."""
    flow_ = validate_drop_folder.with_options(task_runner=task_runner(runner, workers, dask_address))
    outcome = flow_(drop_dir, results_dir)
    sys.exit(0 if all(r.get("valid") for r in outcome) else 1)


def main(argv: list[str] | None = None) -> int:
    use_local_prefect_server()
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
