"""Typed CKAN errors, sorted into the project's two retry classes.

``TerminalError`` subclasses: CKAN understood the request and refused it (not found, not
allowed, invalid). ``TransientError`` subclasses: the portal could not be reached or failed
on its side (connection refused, timeout, HTTP 5xx, a search index that is down).
"""

from __future__ import annotations

from typing import Any

from dgti_data.errors import TerminalError, TransientError


class CkanTerminalError(TerminalError):
    """CKAN answered and refused: retrying the same call will fail the same way."""

    def __init__(self, action: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{action}: {message}")
        self.action = action
        self.message = message
        self.status = status


class NotFound(CkanTerminalError):
    """The object (dataset, resource, organisation, user...) does not exist."""


class NotAuthorized(CkanTerminalError):
    """The token (or its absence) does not allow this action on this object."""


class ValidationError(CkanTerminalError):
    """CKAN's validation refused the input; ``errors`` is CKAN's error dict (field → messages)."""

    def __init__(self, action: str, errors: dict[str, Any], status: int | None = None) -> None:
        self.errors = {k: v for k, v in errors.items() if k != "__type"}
        fields = ", ".join(f"{k}: {_short(v)}" for k, v in self.errors.items())
        super().__init__(action, f"validation failed ({fields})", status)

    @property
    def fields(self) -> list[str]:
        """The names of the fields CKAN complained about."""
        return sorted(self.errors)


class NotACkanPortal(CkanTerminalError):
    """The address answers, but not as CKAN's API (an HTML login page, a proxy, another site)."""


class CkanTransientError(TransientError):
    """The portal was unreachable or failed on its side: worth retrying later."""

    def __init__(self, action: str, message: str, status: int | None = None) -> None:
        super().__init__(f"{action}: {message}")
        self.action = action
        self.message = message
        self.status = status


class CkanConnectionError(CkanTransientError):
    """Connection refused, reset, DNS failure or timeout."""


class CkanServerError(CkanTransientError):
    """HTTP 5xx (or a search-index failure) from CKAN."""


def _short(value: Any, limit: int = 200) -> str:
    text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
