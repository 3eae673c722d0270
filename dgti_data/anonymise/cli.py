"""``dgti-data anonymise FILE --dataset NAME``: read, normalise and anonymise one raw export.

Writes ``<dataset>.csv`` (published columns only), ``<dataset>.schema.json`` (the derived published
schema) and ``anonymisation-report.json``. Exit codes: 0 written, 1 the leak gate blocked the
file (no CSV is written), 2 unusable input or configuration (missing key, incomplete policy).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dgti_data.errors import UnusableInputError


@click.command("anonymise")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--dataset", "dataset_name", required=True, help="Dataset name (see `dgti-data datasets`).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output directory (default: <settings output dir>/<file stem>).")
@click.option("--k", "k", type=click.IntRange(min=1), default=None,
              help="k for k-anonymity (default: DGTI_K_ANONYMITY, 5).")
@click.option("--encoding", default=None, help="Declare the file's encoding instead of detecting it.")
@click.option("--key-block", default=None,
              help="Prefect Secret block holding the pseudonymisation key "
                   "(when DGTI_PSEUDONYMISATION_KEY is unset).")
def anonymise_command(file: Path, dataset_name: str, out_dir: Path | None, k: int | None,
                      encoding: str | None, key_block: str | None) -> None:
    """Anonymise FILE for publication (PDPA): treatments, k-anonymity, leak gate."""
    from dgti_data.anonymise.core import anonymise
    from dgti_data.anonymise.pseudonym import resolve_key
    from dgti_data.datasets import load_catalog
    from dgti_data.normalise import normalise
    from dgti_data.read import read_table
    from dgti_data.settings import get_settings

    settings = get_settings()
    dataset = load_catalog(settings.schemas_dir).get(dataset_name)
    if not file.is_file():
        raise UnusableInputError(file, "no such file")
    table = normalise(read_table(file, encoding=encoding), dataset)
    result = anonymise(table.frame, list(table.row_numbers), dataset,
                       resolve_key(settings, key_block), k or settings.k_anonymity)
    target = out_dir or settings.output_dir / file.stem.replace(".", "-")
    paths = result.write(target, dataset.name)
    r = result.report
    ka = r.k_anonymity
    click.echo(
        f"{file.name}: {r.rows_in} rows in, {r.rows_out} out; redactions {r.redactions_by_kind or 'none'}"
        + (f"; k={ka.k} achieved {ka.k_achieved}, {ka.rows_suppressed} rows suppressed"
           if ka and ka.quasi_identifiers else "")
    )
    click.echo(f"report: {paths['report']}")
    if result.blocked:
        click.echo(f"leak gate: {len(result.leaks)} personal value(s) found after anonymisation; "
                   "nothing written for publication", err=True)
        for leak in result.leaks[:20]:
            click.echo(f"  row {leak.row}, field {leak.field}: {leak.kind}", err=True)
        sys.exit(1)
    click.echo(f"published: {paths['csv']}")
