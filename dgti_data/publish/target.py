"""Where to publish: the portal (URL, token) and the organisation, from settings.

With ``DGTI_CKAN_URL`` set, that portal and ``DGTI_CKAN_TOKEN`` (or a token the caller got from
a Prefect Secret block); without it, the local hub's ``hub.json`` and its organisation editor's
token (least privilege: never the sysadmin's).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from dgti_data.ckan import CkanClient
from dgti_data.errors import ConfigurationError
from dgti_data.publish.portal import Portal
from dgti_data.settings import Settings, get_settings


@dataclass
class Target:
    portal: Portal
    organization: str
    namespace: str | None = None  # appended to dataset names: keeps test runs apart

    @property
    def url(self) -> str:
        return self.portal.url


def connect(
    settings: Settings | None = None,
    *,
    organization: str | None = None,
    token: SecretStr | None = None,
    namespace: str | None = None,
    bring_up_hub: bool = False,
) -> Target:
    """A ``Target`` from settings; ``bring_up_hub`` starts the local hub when no CKAN is configured."""
    s = settings or get_settings()
    if s.ckan_url:
        token = token or s.ckan_token
        if token is None:
            raise ConfigurationError(
                "DGTI_CKAN_URL is set but no API token: set DGTI_CKAN_TOKEN or a Prefect Secret block"
            )
        org = organization or s.ckan_organization
        if not org:
            raise ConfigurationError("no organisation to publish to: set DGTI_CKAN_ORGANIZATION")
        client = CkanClient(s.ckan_url, token, timeout=s.ckan_timeout)
        return Target(Portal(client), org, namespace)
    hub = s.hub_connection()
    if hub is None:
        if not bring_up_hub:
            raise ConfigurationError(
                "no CKAN configured (DGTI_CKAN_URL) and no local hub: run `dgti-data hub up`"
            )
        from dgti_data.hub import ensure_hub

        hub = ensure_hub(s)
    client = CkanClient(hub.ckan_url, token or hub.editor_token, timeout=s.ckan_timeout)
    return Target(Portal(client), organization or s.ckan_organization or hub.organization, namespace)
