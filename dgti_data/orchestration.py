"""Prefect glue the flows share: which failures are worth a retry, and how reports reach the UI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dgti_data.errors import TransientError
from dgti_data.report import error_rows, summary_markdown

if TYPE_CHECKING:
    from dgti_data.app import FileReport


def retry_only_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry operational hiccups, never data or configuration problems."""
    try:
        state.result()
    except TransientError:
        return True
    except OSError as exc:  # a file system hiccup (NFS, full disk freed) can pass; a missing file won't
        return not isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError)
    except Exception:
        return False
    return False


def publish_artifacts(reports: list[FileReport], key: str) -> None:
    """The steward's summary in the flow run's Artifacts tab (no personal values: summaries are masked)."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    summaries = [r.summary for r in reports if r.summary is not None]
    failures = [r for r in reports if r.summary is None]
    markdown = summary_markdown(summaries)
    if failures:
        markdown += "\n## ไฟล์ที่อ่านไม่ได้ / unusable files\n\n| file | reason |\n|---|---|\n"
        markdown += "".join(f"| {f.source.name} | {f.reason} |\n" for f in failures)
    create_markdown_artifact(markdown=markdown, key=f"{key}-summary", description="Validation summary")
    rows = error_rows(summaries)
    if rows:
        create_table_artifact(table=rows, key=f"{key}-errors", description="First validation errors")


def task_runner(kind: str = "threads", workers: int | None = None, dask_address: str | None = None) -> Any:
    """The task runner for many files at once.

    Threads share one interpreter (frictionless and pandas hold the GIL for much of their work),
    processes use every core, and Dask spreads files over a cluster when one is given.
    """
    from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner

    if kind == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    if kind == "processes":
        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1})
    raise ValueError(f"unknown task runner {kind!r}: threads, processes or dask")
