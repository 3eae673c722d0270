"""A real local CKAN hub (PostgreSQL 18, Redis, Solr 9, CKAN 2.11 or 2.12) on loopback: ``dgti-data hub``."""

from dgti_data.hub.processes import HubError
from dgti_data.hub.service import down, ensure_hub, is_up, status, up

__all__ = ["HubError", "down", "ensure_hub", "is_up", "status", "up"]
