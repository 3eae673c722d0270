"""``dgti-data reference build``: the reference tables from their public sources."""

from __future__ import annotations

from pathlib import Path

import click

from dgti_data.settings import get_settings


@click.group("reference")
def command() -> None:
    """Reference tables (provinces, regions, districts, LAO registry)."""


@command.command("build")
@click.option("--shared", type=click.Path(path_type=Path, exists=True, file_okay=False),
              default=Path("../shared/reference"), show_default=True,
              help="The folder holding the public sources.")
def build(shared: Path) -> None:
    """Rebuild schemas/reference/*.csv from the shared public sources."""
    from dgti_data import reference

    counts = reference.build(shared, get_settings().schemas_dir / "reference")
    for name, n in counts.items():
        click.echo(f"{name}: {n} rows")
