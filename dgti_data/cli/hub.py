"""``dgti-data hub up|down|status``: the local CKAN hub, on loopback, by one command."""

from __future__ import annotations

import sys

import click

from dgti_data.errors import DgtiError
from dgti_data.settings import get_settings


@click.group("hub")
def command() -> None:
    """A local CKAN 2.11 hub (PostgreSQL, Redis, Solr 9, CKAN) for development and tests."""


@command.command("up")
def up_command() -> None:
    """Start (or reuse) every part of the hub and write hub.json with the tokens."""
    from dgti_data.hub import service

    try:
        service.up(get_settings())
    except DgtiError as exc:
        click.echo(f"hub up failed: {exc}", err=True)
        sys.exit(1)


@command.command("down")
@click.option("--purge", is_flag=True, help="Also delete the hub's state (data, logs, hub.json); "
              "caches are kept.")
def down_command(purge: bool) -> None:
    """Stop what `hub up` started (by its pid files); data and caches stay."""
    from dgti_data.hub import service

    try:
        service.down(get_settings(), purge=purge)
    except DgtiError as exc:
        click.echo(f"hub down failed: {exc}", err=True)
        sys.exit(1)


@command.command("status")
def status_command() -> None:
    """Print each component's state; exit 0 only when everything is running."""
    from dgti_data.hub import service

    settings = get_settings()
    states = service.status(settings)
    width = max(len(k) for k in states)
    for name, state in states.items():
        click.echo(f"{name.ljust(width)}  {state}")
    sys.exit(0 if service.is_up(settings) else 3)

