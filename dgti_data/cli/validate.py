"""``dgti-data validate FILE``: one raw export through every stage, its counts and its report.

Exit codes: 0 valid, 1 invalid (see the report), 2 unusable input or configuration.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from dgti_data import app
from dgti_data.cli.base import EXIT_INVALID, EXIT_UNUSABLE, EXIT_VALID, err_console, fail, one_line
from dgti_data.errors import UnusableInputError

STATES = {"valid": "valid", "partial": "invalid, valid rows publishable", "invalid": "invalid",
          "blocked": "blocked by anonymisation checks", "empty": "no data rows, nothing to publish"}


@click.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dataset", "dataset_name", help="Dataset name (see `dgti-data datasets`); default: detect.")
@click.option("--report-dir", type=click.Path(path_type=Path), default=None,
              help="Where reports and outputs go (default: settings output dir).")
@click.option("--encoding", default=None, help="Declare the file's encoding instead of detecting it.")
@click.option("--key-block", default=None,
              help="Prefect Secret block holding the pseudonymisation key (when DGTI_PSEUDONYMISATION_KEY "
                   "is unset).")
def command(file: Path, dataset_name: str | None, report_dir: Path | None, encoding: str | None,
            key_block: str | None) -> None:
    """Read, normalise, validate and anonymise FILE; write valid rows, quarantine and reports."""
    config = app.resolve(key_block=key_block)
    if dataset_name:
        config.catalog.get(dataset_name)
    if not file.is_file():
        raise UnusableInputError(file, "no such file")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True) as progress:
        progress.add_task(f"validating {file.name}", total=None)
        out_root = report_dir or config.settings.output_dir
        report = app.validate_file(file, config.catalog, out_root,
                                   key=config.key, k=config.k, dataset_name=dataset_name, encoding=encoding)
    s = report.summary
    if s is None:
        fail(f"{file}: {report.reason}", EXIT_UNUSABLE)
        return
    neutralised = s.formulas_neutralised["total"]
    click.echo(
        f"{one_line(file.name)}: {STATES[report.status]}: {s.rows_read} rows, {s.valid_rows} valid, "
        f"{s.quarantined_rows} quarantined, {s.error_count} errors, {s.rows_published} publishable"
        + (f", {neutralised} formula cells neutralised" if neutralised else "")
    )
    src = s.source
    unusual = [line for line in src.get("layout", []) if line in s.warnings]  # the reader flagged them
    if unusual:  # an office layout: say where the table was found, and why
        rows, first = src.get("header_rows", 1), src["header_row"]
        where = (f"sheet {one_line(str(src['sheet']))!r}, " if src.get("sheet") else "") + (
            f"header rows {first}-{first + rows - 1}" if rows > 1 else f"header row {first}")
        click.echo(f"read {where}: " + one_line("; ".join(unusual)))
    click.echo(f"report: {report.html_report}")
    quality = app.record_run(out_root, [report], config.catalog)
    if quality:
        click.echo(f"quality over time (not published): {quality}")
    sys.exit(EXIT_VALID if report.status == "valid" else EXIT_INVALID)
