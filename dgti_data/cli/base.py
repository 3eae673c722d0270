"""What every command line of the project shares: one-line errors and exit codes stewards can script.

Every command: 2 unusable input or configuration, 3 a portal or service kept failing (try again
later), 4 an internal error (a bug), each with one line on stderr, never a traceback
(``DGTI_DEBUG=1`` shows it). The Prefect flows' own entry points run through ``run_command`` too.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from dgti_data.errors import DgtiError, TerminalError, UnusableInputError
from dgti_data.settings import get_settings

EXIT_VALID, EXIT_INVALID, EXIT_UNUSABLE, EXIT_PORTAL, EXIT_INTERNAL = 0, 1, 2, 3, 4

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


class ErrorsAsOneLine:
    """Turns our own errors into one line and an exit code instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except UnusableInputError as exc:
            fail(str(exc), EXIT_UNUSABLE)
        except TerminalError as exc:
            fail(str(exc), EXIT_UNUSABLE)
        except DgtiError as exc:
            fail(str(exc), EXIT_PORTAL)
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


class Group(ErrorsAsOneLine, click.Group):
    """A click group whose commands' errors are one line and an exit code."""


class Command(ErrorsAsOneLine, click.Command):
    """A lone click command (the flows' entry points) with the same error handling."""


def run_command(command: click.Command, argv: list[str] | None = None) -> int:
    """Run a click command as a ``main(argv) -> int`` (``python -m flows...``, tests): its exit code."""
    try:
        command.main(args=argv, prog_name=command.name, standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 1
    except click.exceptions.ClickException as exc:
        exc.show()
        return exc.exit_code
    return 0
