"""Typed settings, read once from the environment (and the local hub's file) and passed down.

This is the only module that reads environment variables. Secrets are ``SecretStr`` so that
they never print in a repr, a log line or a report.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class HubConnection(BaseSettings):
    """What ``dgti-data hub up`` writes for the pipeline: where the local CKAN is and its tokens."""

    model_config = SettingsConfigDict(extra="ignore")

    ckan_url: str
    organization: str
    editor_token: SecretStr
    sysadmin_token: SecretStr
    solr_url: str | None = None


class Settings(BaseSettings):
    """Everything configurable, from ``DGTI_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="DGTI_", extra="ignore")

    # CKAN target. Unset: the local hub's file (``hub_dir/hub.json``) is used.
    ckan_url: str | None = None
    ckan_token: SecretStr | None = None
    ckan_organization: str | None = None
    ckan_timeout: float = 30.0
    # The wait for one bulk DataStore load (dgti_datastore_load: a whole table in one call).
    ckan_load_timeout: float = 900.0
    # Retries of transient failures (unreachable portal, timeout, HTTP 5xx/429): read calls are
    # retried by the client, writes by planning again (publish layer). Exponential backoff with
    # jitter: ``ckan_backoff_s`` doubles per attempt up to ``ckan_backoff_max_s``.
    ckan_retries: int = 4
    ckan_backoff_s: float = 1.0
    ckan_backoff_max_s: float = 30.0
    # Suffix of every published dataset's name: keeps trial or test publications apart.
    ckan_namespace: str | None = None
    # Organisations publishing may write to; empty: only the configured one (or the hub's).
    ckan_allowed_organizations: list[str] = []
    # Per-dataset publication locks (two runs for one dataset wait for each other).
    lock_dir: Path = Path("/var/tmp/dgti-data-locks")

    # Local hub (dgti-data hub up): state, ports and caches.
    hub_dir: Path = Path("/var/tmp/dgti-hub")
    cache_dir: Path = Path.home() / ".cache" / "dgti-data"
    hub_ckan_version: str = "2.11.6"
    # The other CKAN release the test suite publishes to, on a second hub beside the first.
    hub_second_ckan_version: str = "2.12.0"
    hub_solr_version: str = "9.10.1"
    hub_postgres_port: int = 55432
    hub_redis_port: int = 56379
    hub_solr_port: int = 58983
    hub_ckan_port: int = 55000
    # Opt-in: ckanext-xloader and a ``ckan jobs worker`` on the hub, to compare loads with it.
    hub_xloader: bool = False
    # ckanext-dgti's bulk load (plugin dgti_bulk) on the hub; off (with XLoader on): a portal as
    # agencies run it, where publishing takes the XLoader path.
    hub_bulk: bool = True
    # CKAN's per-text-column full-text indexes (its default); off: only ``_full_text`` is indexed.
    hub_fts_column_indexes: bool = True

    # Pipeline.
    schemas_dir: Path = PROJECT_ROOT / "schemas"
    output_dir: Path = Path("out")
    pseudonymisation_key: SecretStr | None = None
    k_anonymity: int = 5
    # Command line: show tracebacks of internal errors instead of one line.
    debug: bool = False
    # A local Prefect server (``./dev demo`` starts one) that flows and the CLI use when Prefect has
    # no API URL of its own (``PREFECT_API_URL`` or a profile), instead of a temporary server per run.
    prefect_port: int = 4200

    @property
    def hub_file(self) -> Path:
        return self.hub_dir / "hub.json"

    def hub_connection(self) -> HubConnection | None:
        """The local hub's connection file, if a hub has been brought up."""
        if not self.hub_file.exists():
            return None
        return HubConnection(**json.loads(self.hub_file.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
