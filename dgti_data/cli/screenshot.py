"""``dgti-data screenshot DATASET``: a published dataset as a citizen sees it, in headless Chromium."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("screenshot")
@click.argument("dataset")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("out/screenshots/dataset.png"), show_default=True, help="The dataset page's PNG.")
@click.option("--preview", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Also capture the data preview page (the DataStore table) here.")
def command(dataset: str, out: Path, preview: Path | None) -> None:
    """Screenshot DATASET (a dataset page URL, or a name on the configured portal)."""
    from dgti_data.app import connect
    from dgti_data.publish.screenshot import dataset_urls, screenshot_url

    page, resource = dataset_urls(connect(), dataset)
    click.echo(screenshot_url(page, out))
    if preview and resource:
        click.echo(screenshot_url(resource, preview))
