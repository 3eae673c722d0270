"""Fixtures for tests against the local CKAN hub.

The hub is brought up by the fixture itself when it is not running (no skip): the first
run downloads CKAN and Solr into the cache (about a minute), later runs reuse what runs.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

from dgti_data.ckan import CkanClient, NotFound
from dgti_data.hub import ensure_hub
from dgti_data.settings import HubConnection, Settings, get_settings


@pytest.fixture(scope="session")
def hub_settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def hub(hub_settings: Settings) -> HubConnection:
    """The running hub's connection (``hub.json``), bringing the hub up first if needed."""
    return ensure_hub(hub_settings)


@pytest.fixture(scope="session")
def editor(hub: HubConnection, hub_settings: Settings) -> CkanClient:
    """A client with the organisation editor's token: what the pipeline uses."""
    return CkanClient(hub.ckan_url, hub.editor_token, timeout=hub_settings.ckan_timeout)


@pytest.fixture(scope="session")
def sysadmin(hub: HubConnection, hub_settings: Settings) -> CkanClient:
    return CkanClient(hub.ckan_url, hub.sysadmin_token, timeout=hub_settings.ckan_timeout)


@pytest.fixture(scope="session")
def run_id() -> str:
    """Unique per test run, so reruns never collide with datasets of an earlier run."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def purge_later(sysadmin: CkanClient) -> Iterator[list[str]]:
    """Append dataset names to this list: they are purged (sysadmin) after the test."""
    names: list[str] = []
    yield names
    for name in names:
        with contextlib.suppress(NotFound):
            sysadmin.dataset_purge(name)
