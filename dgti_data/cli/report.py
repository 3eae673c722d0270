"""``dgti-data report screenshot``: the steward's report as Chromium renders it."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("report")
def command() -> None:
    """The steward's reports."""


@command.command("screenshot")
@click.argument("html", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--png", type=click.Path(path_type=Path), default=None, help="Default: next to the report.")
@click.option("--pdf", type=click.Path(path_type=Path), default=None, help="Also print a PDF.")
def screenshot(html: Path, png: Path | None, pdf: Path | None) -> None:
    """Render a report.html in headless Chromium, to check by eye that Thai renders."""
    from dgti_data.report.browser import print_pdf, screenshot

    click.echo(screenshot(html, png or html.with_suffix(".png")))
    if pdf:
        click.echo(print_pdf(html, pdf))
