"""Where to publish: the portal (URL, token) and the organisation, from settings.

With ``DGTI_CKAN_URL`` set, that portal and ``DGTI_CKAN_TOKEN`` (or a token the caller got from
a Prefect Secret block); without it, the local hub's ``hub.json`` and its organisation editor's
token (least privilege: never the sysadmin's).

Publishing writes only into the organisations the configuration names
(``DGTI_CKAN_ALLOWED_ORGANIZATIONS``, else the configured organisation or the hub's): a token that
can edit several organisations, or a mistyped ``--organization``, cannot publish elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from dgti_data.ckan import CkanClient, RetryPolicy
from dgti_data.errors import ConfigurationError
from dgti_data.publish.portal import Portal
from dgti_data.settings import Settings, get_settings


@dataclass
class Target:
    portal: Portal
    organization: str
    namespace: str | None = None  # appended to dataset names: keeps test runs apart
    # Where per-dataset publication locks live (None: the settings' ``lock_dir``).
    lock_dir: Path | None = None
    # Organisations this target may write to (empty: only ``organization``).
    allowed: frozenset[str] = field(default_factory=frozenset)
    # Waits between re-plans after a transient failure of a write (None: the client's policy).
    retry: RetryPolicy | None = None

    @property
    def url(self) -> str:
        return self.portal.url

    def check_organization(self) -> None:
        """Raise ``ConfigurationError`` unless ``organization`` is one the configuration names."""
        allowed = self.allowed or {self.organization}
        if self.organization not in allowed:
            raise ConfigurationError(
                f"organisation {self.organization!r} is not one this configuration publishes to "
                f"({', '.join(sorted(allowed))}): set DGTI_CKAN_ALLOWED_ORGANIZATIONS to allow it"
            )


def retry_policy(s: Settings) -> RetryPolicy:
    return RetryPolicy(s.ckan_retries, s.ckan_backoff_s, s.ckan_backoff_max_s)


def connect(
    settings: Settings | None = None,
    *,
    organization: str | None = None,
    token: SecretStr | None = None,
    namespace: str | None = None,
) -> Target:
    """A ``Target`` from settings: the configured portal, else the local hub's file."""
    s = settings or get_settings()
    namespace = namespace or s.ckan_namespace
    if s.ckan_url:
        token = token or s.ckan_token
        if token is None:
            raise ConfigurationError(
                "DGTI_CKAN_URL is set but no API token: set DGTI_CKAN_TOKEN or a Prefect Secret block"
            )
        org = organization or s.ckan_organization
        if not org:
            raise ConfigurationError("no organisation to publish to: set DGTI_CKAN_ORGANIZATION")
        client = CkanClient(s.ckan_url, token, timeout=s.ckan_timeout, retry=retry_policy(s),
                            long_timeout=s.ckan_load_timeout)
        configured = s.ckan_organization or org
        return _checked(Target(Portal(client), org, namespace), s, configured)
    hub = s.hub_connection()
    if hub is None:
        raise ConfigurationError(
            "no CKAN configured (DGTI_CKAN_URL) and no local hub: run `dgti-data hub up`"
        )
    client = CkanClient(hub.ckan_url, token or hub.editor_token, timeout=s.ckan_timeout,
                        retry=retry_policy(s), long_timeout=s.ckan_load_timeout)
    configured = s.ckan_organization or hub.organization
    return _checked(Target(Portal(client), organization or configured, namespace), s, configured)


def _checked(target: Target, s: Settings, configured: str) -> Target:
    target.lock_dir = s.lock_dir
    target.allowed = frozenset(s.ckan_allowed_organizations or [configured])
    target.check_organization()
    return target
