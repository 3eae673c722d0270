"""The ``dgti-data`` command line: thin wrappers over the stages, with exit codes stewards can script.

Exit codes of ``validate``: 0 valid, 1 invalid (see the report), 2 unusable input or configuration.
Every command: 3 a portal or service kept failing (try again later), 4 an internal error (a bug),
each with one line on stderr, never a traceback (``DGTI_DEBUG=1`` shows it).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from dgti_data import __version__
from dgti_data.datasets import load_catalog
from dgti_data.errors import DgtiError, TerminalError, UnusableInputError
from dgti_data.settings import get_settings

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2
EXIT_INTERNAL = 4

err_console = Console(stderr=True)


def one_line(text: str) -> str:
    """``text`` with control characters (line breaks, terminal escapes from a crafted file name
    or cell) shown escaped, so a message stays one line and cannot rewrite the terminal."""
    return "".join(
        c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text
    )


def fail(message: str, code: int = EXIT_UNUSABLE) -> None:
    """One line on stderr and an exit code: what a scheduler or a steward's script can act on."""
    err_console.print("[bold red]error:[/] " + escape(one_line(message)), highlight=False, soft_wrap=True)
    sys.exit(code)


def _debug() -> bool:
    try:
        return get_settings().debug
    except Exception:  # settings that cannot be read are no reason to show a traceback
        return False


class _Group(click.Group):
    """Turns our own errors into one line and an exit code instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except UnusableInputError as exc:
            fail(str(exc), EXIT_UNUSABLE)
        except TerminalError as exc:
            fail(str(exc), EXIT_UNUSABLE)
        except DgtiError as exc:
            fail(str(exc), 3)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug: still one line for an unattended run, and exit 4
            if _debug():
                raise
            frames = traceback.extract_tb(exc.__traceback__)
            where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
            fail(f"internal error{where}: {type(exc).__name__}: {exc} (a bug: please report it with the "
                 "input; DGTI_DEBUG=1 shows the traceback)", EXIT_INTERNAL)
        return None


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="dgti-data")
def main() -> None:
    """dgti-data: DGA Local Digital raw exports → validated, anonymised open data on CKAN."""


@main.command("datasets")
def datasets_cmd() -> None:
    """List the datasets and reference tables that schemas/ declares."""
    catalog = load_catalog(get_settings().schemas_dir)
    table = Table("name", "kind", "ชื่อ / title", "fields", "on invalid")
    for ds in catalog.datasets.values():
        table.add_row(ds.name, ds.kind, f"{ds.title_th}\n{ds.title}", str(len(ds.fields)),
                      ds.on_invalid if ds.kind == "dataset" else "-")
    Console().print(table)


@main.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dataset", "dataset_name", help="Dataset name (see `dgti-data datasets`); default: detect.")
@click.option("--report-dir", type=click.Path(path_type=Path), default=None,
              help="Where reports and outputs go (default: settings output dir).")
@click.option("--encoding", default=None, help="Declare the file's encoding instead of detecting it.")
def validate_cmd(file: Path, dataset_name: str | None, report_dir: Path | None, encoding: str | None) -> None:
    """Normalise and validate FILE; write valid rows, quarantine and reports."""
    from dgti_data.pipeline import process_file

    settings = get_settings()
    catalog = load_catalog(settings.schemas_dir)
    if dataset_name:
        catalog.get(dataset_name)
    if not file.is_file():
        raise UnusableInputError(file, "no such file")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True) as progress:
        progress.add_task(f"validating {file.name}", total=None)
        outcome = process_file(
            file, catalog, report_dir or settings.output_dir, dataset_name, encoding,
            key=settings.pseudonymisation_key, k=settings.k_anonymity,
        )
    r = outcome.result
    if outcome.publishable:
        state = "valid" if r.valid else "invalid, valid rows publishable"
    elif r.rows_read == 0:
        state = "no data rows, nothing to publish"
    else:
        state = "invalid" if not r.valid else "blocked by anonymisation checks"
    neutralised = outcome.summary.get("formulas_neutralised", {}).get("total", 0)
    click.echo(
        f"{one_line(file.name)}: {state}: {r.rows_read} rows, {r.valid_rows} valid, "
        f"{r.quarantined_rows} quarantined, "
        f"{len(r.errors) + len(r.table_errors)} errors, {outcome.summary['rows_published']} publishable"
        + (f", {neutralised} formula cells neutralised" if neutralised else "")
    )
    click.echo(f"report: {outcome.html_report}")
    sys.exit(outcome.exit_code)


@main.group("report")
def report_group() -> None:
    """The steward's reports."""


@report_group.command("screenshot")
@click.argument("html", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--png", type=click.Path(path_type=Path), default=None, help="Default: next to the report.")
@click.option("--pdf", type=click.Path(path_type=Path), default=None, help="Also print a PDF.")
def report_screenshot(html: Path, png: Path | None, pdf: Path | None) -> None:
    """Render a report.html in headless Chromium, to check by eye that Thai renders."""
    from dgti_data.report.browser import print_pdf, screenshot

    click.echo(screenshot(html, png or html.with_suffix(".png")))
    if pdf:
        click.echo(print_pdf(html, pdf))


@main.group("reference")
def reference_group() -> None:
    """Reference tables (provinces, regions, districts, LAO registry)."""


@reference_group.command("build")
@click.option("--shared", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=Path("../shared/reference"), show_default=True)
def reference_build(shared: Path) -> None:
    """Rebuild schemas/reference/*.csv from the shared public sources."""
    from dgti_data import reference

    counts = reference.build(shared, get_settings().schemas_dir / "reference")
    for name, n in counts.items():
        click.echo(f"{name}: {n} rows")


@main.command("redact")
@click.option("--jsonl", is_flag=True,
              help='Read {"id": …, "text": …} per line, write {"id": …, "redacted": …} per line.')
@click.option("--dataset", "dataset_name", default=None,
              help="Also publish this dataset's missing values (-, N/A, …) as empty, as its fields do.")
def redact_cmd(jsonl: bool, dataset_name: str | None) -> None:
    """Redact personal data from text on standard input, exactly as a free-text field is published.

    Without --jsonl the whole input is one text. Exit 2 on a line that is not a JSON object with a
    "text" string (the lines before it are written)."""
    from dgti_data.anonymise.freetext import redact_jsonl, redact_texts

    missing = ("",) if dataset_name is None else \
        load_catalog(get_settings().schemas_dir).get(dataset_name).missing_values
    try:
        stdin = click.open_file("-", encoding="utf-8", errors="strict")
        if jsonl:
            for line in redact_jsonl(stdin, missing):
                click.echo(line)
        else:
            click.echo(redact_texts([stdin.read()], missing)[0] or "")
    except UnicodeDecodeError as exc:
        fail(f"standard input: not UTF-8 (byte {exc.start})", EXIT_UNUSABLE)


def _register_stage_commands() -> None:
    """Commands whose code lives in their own stage packages."""
    from dgti_data.anonymise.cli import anonymise_command
    from dgti_data.hub.cli import hub
    from dgti_data.publish.cli import publish_cmd
    from dgti_data.sample.cli import sample

    for command in (hub, sample, anonymise_command, publish_cmd):
        main.add_command(command)


_register_stage_commands()
