"""The project's only HTTP client: a small typed layer over ``ckanapi.RemoteCKAN``."""

from dgti_data.ckan.client import CallCounter, CkanClient, is_read_action, ping
from dgti_data.ckan.errors import (
    CkanConnectionError,
    CkanServerError,
    CkanTerminalError,
    CkanTransientError,
    NotAuthorized,
    NotFound,
    ValidationError,
)

__all__ = [
    "CallCounter",
    "CkanClient",
    "CkanConnectionError",
    "CkanServerError",
    "CkanTerminalError",
    "CkanTransientError",
    "NotAuthorized",
    "NotFound",
    "ValidationError",
    "is_read_action",
    "ping",
]
