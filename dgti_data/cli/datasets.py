"""``dgti-data datasets``: what schemas/ declares."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from dgti_data.datasets import load_catalog
from dgti_data.settings import get_settings


@click.command("datasets")
def command() -> None:
    """List the datasets and reference tables that schemas/ declares."""
    catalog = load_catalog(get_settings().schemas_dir)
    table = Table("name", "kind", "ชื่อ / title", "fields", "on invalid")
    for ds in catalog.datasets.values():
        table.add_row(ds.name, ds.kind, f"{ds.title_th}\n{ds.title}", str(len(ds.fields)),
                      ds.on_invalid if ds.kind == "dataset" else "-")
    Console().print(table)
