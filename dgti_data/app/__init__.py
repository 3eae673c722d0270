"""The application layer: what every entry point (the ``dgti-data`` CLI, the Prefect flows) calls.

Typed in, typed out: ``validate_folder`` answers a ``FileReport`` per raw file, ``publish_all`` an
``Outcome`` per dataset, ``record_run`` adds a run's counts to the steward's history; the entry
points turn them into lines, exit codes or JSON at the edge.
Settings and secrets are resolved here once (``config``) and passed down to the stages.
"""

from dgti_data.app.combining import combine_folder, tell_files
from dgti_data.app.config import RunConfig, connect, connect_with_blocks, resolve, resolve_key
from dgti_data.app.folder import (
    FileReport,
    FolderPlan,
    failed,
    finish_folder,
    plan_folder,
    validate_file,
    validate_folder,
)
from dgti_data.app.history import record_run
from dgti_data.app.process import ProcessedFile, detect_dataset, output_dir_for, process_file
from dgti_data.app.publishing import ApproveAll, gather_bundles, publish_all
from dgti_data.publish.service import ApprovalPolicy, Outcome

__all__ = [
    "ApprovalPolicy",
    "ApproveAll",
    "FileReport",
    "FolderPlan",
    "Outcome",
    "ProcessedFile",
    "RunConfig",
    "combine_folder",
    "connect",
    "connect_with_blocks",
    "detect_dataset",
    "failed",
    "finish_folder",
    "gather_bundles",
    "output_dir_for",
    "plan_folder",
    "process_file",
    "publish_all",
    "record_run",
    "resolve",
    "resolve_key",
    "tell_files",
    "validate_file",
    "validate_folder",
]
