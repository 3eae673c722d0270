"""``dgti-data redact``: the free-text treatment for stewards who must check a text before sharing it."""

from __future__ import annotations

import click

from dgti_data.anonymise.freetext import redact_jsonl, redact_texts
from dgti_data.cli.base import EXIT_UNUSABLE, fail
from dgti_data.datasets import load_catalog
from dgti_data.settings import get_settings


@click.command("redact")
@click.option("--jsonl", is_flag=True,
              help='Read {"id": …, "text": …} per line, write {"id": …, "redacted": …} per line.')
@click.option("--dataset", "dataset_name", default=None,
              help="Also publish this dataset's missing values (-, N/A, …) as empty, as its fields do.")
def command(jsonl: bool, dataset_name: str | None) -> None:
    """Redact personal data from text on standard input, exactly as a free-text field is published.

    Without --jsonl the whole input is one text. Exit 2 on a line that is not a JSON object with a
    "text" string (the lines before it are written)."""
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
