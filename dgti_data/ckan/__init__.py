"""The project's only HTTP client: a small typed layer over ``ckanapi.RemoteCKAN``."""

from dgti_data.ckan.client import CallCounter, CkanClient, is_read_action, ping
from dgti_data.ckan.errors import (
    CkanConnectionError,
    CkanServerError,
    CkanTerminalError,
    CkanTransientError,
    NotACkanPortal,
    NotAuthorized,
    NotFound,
    ValidationError,
)
from dgti_data.ckan.portal import PortalOffer, probe
from dgti_data.ckan.retry import NO_RETRY, RetryPolicy

__all__ = [
    "NO_RETRY",
    "CallCounter",
    "CkanClient",
    "CkanConnectionError",
    "CkanServerError",
    "CkanTerminalError",
    "CkanTransientError",
    "NotACkanPortal",
    "NotAuthorized",
    "NotFound",
    "PortalOffer",
    "RetryPolicy",
    "ValidationError",
    "is_read_action",
    "ping",
    "probe",
]
