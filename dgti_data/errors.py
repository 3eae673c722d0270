"""Operational errors. Data problems are never raised: they go into a report.

``TransientError`` is worth retrying (a portal that is down, a timeout); ``TerminalError`` is not
(bad credentials, a refused write, unusable input). Callers decide retries by class, not by text.
"""

from __future__ import annotations


class DgtiError(Exception):
    """Base of every error this package raises on purpose."""


class TransientError(DgtiError):
    """May succeed if tried again later."""


class TerminalError(DgtiError):
    """Will fail the same way again: fix the input or the configuration."""


class UnusableInputError(TerminalError):
    """A raw file that cannot be read as a table at all (exit code 2 in the CLI)."""

    def __init__(self, path: object, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class ConfigurationError(TerminalError):
    """Settings or schemas that are missing or contradict each other."""
