"""``dgti-data sample``: write sample raw exports for development, tests and load checks."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dgti_data.datasets import load_catalog
from dgti_data.sample.forms import FORMATS
from dgti_data.sample.generator import MAKERS, MAX_ROWS, MIN_ROWS, generate
from dgti_data.sample.planting import MAX_ERROR_RATE
from dgti_data.sample.writers import XLSX_MAX_DATA_ROWS
from dgti_data.settings import get_settings

EXTENSIONS = {"csv-utf8-bom": "utf8-bom.csv", "csv-cp874": "cp874.csv", "xlsx": "xlsx"}
PROGRESS_FROM_ROWS = 50_000  # smaller samples finish before a bar is worth drawing


@click.command("sample")
@click.option("--dataset", "datasets", multiple=True, metavar="NAME",
              help="Dataset to sample (repeatable). Default: every dataset of kind 'dataset'.")
@click.option("--rows", type=click.IntRange(MIN_ROWS, MAX_ROWS), default=1000, show_default=True,
              help="Data rows per file.")
@click.option("--seed", type=int, default=42, show_default=True,
              help="Same seed, same bytes.")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS),
              help="Output format (repeatable). Default: all three.")
@click.option("--error-rate", type=click.FloatRange(0, MAX_ERROR_RATE), default=0.02, show_default=True,
              help="Share of rows that carry exactly one planted error.")
@click.option("--clean", is_flag=True,
              help="Write ISO dates and plain digits (no messy forms), still with Thai headers.")
@click.option("--office-layout", is_flag=True,
              help="Lay the table out as an office's form: instructions sheet (xlsx), merged title lines, "
                   "a two-row header, signature lines below; manifest rows are the file's own.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory to write into.  [default: <output dir>/samples, i.e. out/samples]")
def sample(datasets: tuple[str, ...], rows: int, seed: int, formats: tuple[str, ...],
                   error_rate: float, clean: bool, office_layout: bool, out_dir: Path | None) -> None:
    """Write deterministic sample raw exports, each with a manifest of what was planted in it."""
    settings = get_settings()
    out_dir = out_dir or settings.output_dir / "samples"
    catalog = load_catalog(settings.schemas_dir)
    if datasets:
        for name in datasets:  # fail before anything is written
            if name not in MAKERS:
                known = ", ".join(n for n in catalog.names("dataset") if n in MAKERS)
                raise click.BadParameter(f"no sample maker for {name!r}; known: {known}",
                                         param_hint="--dataset")
        chosen = [catalog.get(n) for n in datasets]
    else:
        chosen = [catalog.get(n) for n in catalog.names("dataset") if n in MAKERS]
        for n in catalog.names("dataset"):
            if n not in MAKERS:
                click.echo(f"{n}: skipped, no sample maker for it", err=True)
    fmts = list(formats) or list(FORMATS)
    if rows > XLSX_MAX_DATA_ROWS and "xlsx" in fmts:
        if formats:
            raise click.BadParameter(f"xlsx holds at most {XLSX_MAX_DATA_ROWS:,} data rows",
                                     param_hint="--rows")
        fmts.remove("xlsx")
        click.echo("xlsx skipped: more rows than Excel holds", err=True)
    console = Console(stderr=True)
    reference_dir = settings.schemas_dir / "reference"
    for dataset in chosen:
        for fmt in fmts:
            path = out_dir / f"{dataset.name}{'-office' if office_layout else ''}.{EXTENSIONS[fmt]}"
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeRemainingColumn(), console=console, transient=True,
                          disable=rows < PROGRESS_FROM_ROWS) as bar:
                task = bar.add_task(path.name, total=rows)
                manifest = generate(
                    dataset, path, rows=rows, seed=seed, fmt=fmt,  # type: ignore[arg-type]
                    reference_dir=reference_dir, error_rate=error_rate, messy=not clean,
                    progress=lambda n, task=task, bar=bar: bar.update(task, completed=n),
                    office=office_layout,
                )
            click.echo(f"{path}  rows={rows:,}  planted errors={len(manifest.planted_errors):,}  "
                       f"personal values={manifest.personal_value_count:,}")


if __name__ == "__main__":
    sample()


command = sample
