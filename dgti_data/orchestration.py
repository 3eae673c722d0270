"""Prefect glue the flows share: which Prefect server they use, which failures are worth a retry,
and how reports reach the UI."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

from dgti_data.errors import TransientError
from dgti_data.report import error_rows, summary_markdown
from dgti_data.settings import Settings, get_settings

if TYPE_CHECKING:
    from dgti_data.app import FileReport


# Threads for the threads runner when none are asked for: a few per core keep a file's reading and
# writing overlapped; more only contend for the interpreter's lock.
DEFAULT_THREADS = 2 * (os.cpu_count() or 1)
HEALTH_TIMEOUT_S = 2.0  # a server on loopback answers in milliseconds; a hung one is not used


_KEPT = contextlib.ExitStack()  # the settings context entered for the rest of the process


def use_local_prefect_server(settings: Settings | None = None) -> str | None:
    """Use the local Prefect server, for the rest of this process, when Prefect has no API URL.

    Without ``PREFECT_API_URL`` (environment or Prefect profile) every flow run, and every block
    read, starts a temporary Prefect server (seconds each time: `bench/demo_rerun.py`). If one answers on
    127.0.0.1:``DGTI_PREFECT_PORT`` (``./dev demo`` leaves one running), it is used instead, as if
    the caller had set ``PREFECT_API_URL``: a configured URL always wins, and with no server there
    nothing changes. Entry points call this first. Process-wide on purpose: Prefect sends logs and
    events from its own threads, which do not see a settings context entered in this one (scoped
    to a ``with`` block, they started a temporary server anyway). Answers the API URL in use
    (``None``: Prefect's temporary server)."""
    import prefect.context
    from prefect.settings import PREFECT_API_URL, temporary_settings

    configured = PREFECT_API_URL.value()
    if configured:
        return str(configured)
    try:
        api = f"http://127.0.0.1:{(settings or get_settings()).prefect_port}/api"
    except Exception:  # settings that cannot be read: the command says so in its own words
        return None
    if not prefect_server_healthy(api):
        return None
    # As if the caller had exported it: child processes read the environment, and Prefect's own
    # threads (log and event workers, the process pool's message forwarder) the process-global
    # settings, which Prefect rebuilds from the environment here.
    os.environ["PREFECT_API_URL"] = api
    refresh = getattr(prefect.context, "refresh_global_settings_context", None)
    if refresh is not None:
        refresh()
    else:  # an older Prefect 3: at least this thread's runs
        _KEPT.enter_context(temporary_settings(updates={PREFECT_API_URL: api}))
    return api


def prefect_server_healthy(api: str) -> bool:
    """Whether a Prefect server answers its health check at ``api`` (loopback only: see above)."""
    import httpx

    try:
        answer = httpx.get(f"{api}/health", timeout=HEALTH_TIMEOUT_S)
    except httpx.HTTPError:
        return False
    return answer.status_code == 200 and answer.text.strip() == "true"


def is_transient(exc: BaseException) -> bool:
    """An operational hiccup worth another try; never a data or configuration problem."""
    if isinstance(exc, TransientError):
        return True
    # A file system hiccup (NFS, full disk freed) can pass; a missing file won't.
    return isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError | PermissionError
                                                         | IsADirectoryError)


def retry_only_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: retry operational hiccups, never data or configuration problems."""
    try:
        state.result()
    except Exception as exc:
        return is_transient(exc)
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
        # Prefect's own default is unbounded (a thread per submitted task, thousands at once).
        return ThreadPoolTaskRunner(max_workers=workers or DEFAULT_THREADS)
    if kind == "processes":
        return ProcessPoolTaskRunner(max_workers=workers)
    if kind == "dask":
        from prefect_dask import DaskTaskRunner

        if dask_address:
            return DaskTaskRunner(address=dask_address)
        return DaskTaskRunner(cluster_kwargs={"n_workers": workers or 2, "threads_per_worker": 1})
    raise ValueError(f"unknown task runner {kind!r}: threads, processes or dask")
