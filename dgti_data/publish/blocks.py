"""A Prefect block for the portal to publish to: URL, organisation and API token in one place,
so a production deployment needs no environment variables (the token is a ``SecretStr``: stored
as a secret by Prefect, masked in the UI and in logs)."""

from __future__ import annotations

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class CkanPortal(Block):
    """Where ``publish-datasets`` publishes: a CKAN portal and one organisation on it."""

    _block_type_name = "DGTI CKAN Portal"
    _block_type_slug = "dgti-ckan-portal"

    url: str = Field(description="The portal's base URL, e.g. https://catalog.example.go.th")
    organization: str = Field(description="The organisation's name (URL slug) on the portal")
    token: SecretStr = Field(description="An organisation editor's API token")
