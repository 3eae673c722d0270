"""Settings and secrets, resolved once at the edge and passed down: the same for every entry point.

The environment (``dgti_data.settings``) first; Prefect blocks where a run names them: a Secret
block for the pseudonymisation key (flows look for ``dgti-pseudonymisation-key`` by default, the
CLI only when ``--key-block`` names one, so that it never pays for a Prefect API), a ``CkanPortal``
block (URL, organisation, token) or a Secret block holding only the CKAN token. Stage packages
never read settings: they get a key, a ``k``, a catalog and a ``Target``.

With ``DGTI_CKAN_URL`` set, the target is that portal and ``DGTI_CKAN_TOKEN`` (or a block's
token); without it, the local hub's ``hub.json`` and its organisation editor's token (least
privilege: never the sysadmin's).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from dgti_data.anonymise.pseudonym import SECRET_BLOCK
from dgti_data.ckan import CkanClient, RetryPolicy
from dgti_data.datasets import Catalog, load_catalog
from dgti_data.errors import ConfigurationError
from dgti_data.publish.portal import Portal
from dgti_data.publish.target import Target
from dgti_data.settings import Settings, get_settings

__all__ = ["SECRET_BLOCK", "RunConfig", "connect", "connect_with_blocks", "resolve", "resolve_key"]


@dataclass(frozen=True)
class RunConfig:
    """What processing files needs, resolved: the catalog, the key (a secret) and k."""

    settings: Settings
    catalog: Catalog
    key: SecretStr | None
    k: int


def resolve(settings: Settings | None = None, *, key_block: str | None = None,
            block_required: bool = True) -> RunConfig:
    s = settings or get_settings()
    return RunConfig(s, load_catalog(s.schemas_dir), resolve_key(s, key_block, required=block_required),
                     s.k_anonymity)


def resolve_key(
    settings: Settings, secret_block: str | None = None, *, required: bool = True
) -> SecretStr | None:
    """The key from settings, else from the Prefect Secret block ``secret_block``.

    A block that does not exist is a configuration error when it was asked for by name
    (``required``), and simply no key when it was only the default place to look."""
    if settings.pseudonymisation_key is not None or secret_block is None:
        return settings.pseudonymisation_key
    from prefect.blocks.system import Secret

    from dgti_data.orchestration import use_local_prefect_server

    use_local_prefect_server(settings)  # not a temporary server per command
    try:
        block = Secret.load(secret_block)
    except (ValueError, LookupError) as exc:
        if not required:
            return None
        raise ConfigurationError(f"Prefect Secret block {secret_block!r} not found") from exc
    except Exception as exc:  # no Prefect API to ask (a server that would not start, a refused URL)
        raise ConfigurationError(
            f"cannot read the Prefect Secret block {secret_block!r}: {type(exc).__name__}: {exc}"
        ) from None
    value = block.get()
    return SecretStr(str(value)) if value else None


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
        url, configured = s.ckan_url, s.ckan_organization or org
    else:
        hub = s.hub_connection()
        if hub is None:
            raise ConfigurationError(
                "no CKAN configured (DGTI_CKAN_URL) and no local hub: run `dgti-data hub up`"
            )
        url, token = hub.ckan_url, token or hub.editor_token
        configured = s.ckan_organization or hub.organization
        org = organization or configured
    client = CkanClient(url, token, timeout=s.ckan_timeout, retry=retry_policy(s),
                        long_timeout=s.ckan_load_timeout)
    target = Target(Portal(client), org, namespace, lock_dir=s.lock_dir,
                    allowed=frozenset(s.ckan_allowed_organizations or [configured]))
    target.check_organization()
    return target


def connect_with_blocks(
    settings: Settings | None = None,
    *,
    organization: str | None = None,
    namespace: str | None = None,
    token_block: str | None = None,
    portal_block: str | None = None,
) -> Target:
    """``connect``, with the portal from a ``CkanPortal`` block or the token from a Secret block."""
    s = settings or get_settings()
    token = None
    if portal_block:
        from dgti_data.publish.blocks import CkanPortal

        portal = CkanPortal.load(portal_block)
        s = s.model_copy(update={"ckan_url": portal.url, "ckan_organization": portal.organization})
        token = portal.token
    if token_block:
        from prefect.blocks.system import Secret

        token = SecretStr(str(Secret.load(token_block).get()))
    return connect(s, organization=organization, token=token, namespace=namespace)
