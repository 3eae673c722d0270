"""The ``dgti-data`` command line: every command of the project, one small module each.

A module of this package that defines ``command`` (a click command or group) is a sub-command:
adding a command is adding a module. Commands are thin: they resolve settings and secrets
(``dgti_data.app.config``), call the application layer and turn its typed results into lines and
exit codes (``base``).
"""

from __future__ import annotations

import importlib
import pkgutil

import click

from dgti_data import __version__
from dgti_data.cli.base import Group

NOT_COMMANDS = {"base"}


@click.group(cls=Group)
@click.version_option(__version__, prog_name="dgti-data")
def main() -> None:
    """dgti-data: DGA Local Digital raw exports → validated, anonymised open data on CKAN."""


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name not in NOT_COMMANDS:
            main.add_command(importlib.import_module(f"{__name__}.{info.name}").command)


_register()
