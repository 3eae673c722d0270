"""Fixtures for tests against the local CKAN hub.

The hub is brought up by the fixture itself when it is not running (no skip): the first
run downloads CKAN and Solr into the cache (about a minute), later runs reuse what runs.

Tests marked ``both_ckan`` run twice: on the hub (CKAN 2.11) and on a second hub running
``hub_second_ckan_version`` (2.12) on its own ports and state folder (``hub.layout.second_hub``).
The second hub is brought up once, by the first test that needs it, and down at the end of the
session if this session started it. One ``pytest`` (so ``./dev test``) covers both releases, and a
run that selects no ``both_ckan`` test never starts it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import pytest

from dgti_data.ckan import CkanClient, NotFound
from dgti_data.hub import ensure_hub, service
from dgti_data.hub.layout import second_hub
from dgti_data.settings import HubConnection, Settings, get_settings

FIRST, SECOND = "first", "second"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_ckan: run on both CKAN releases (the hub and the second hub)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_ckan") is None:
        return
    first, second = get_settings(), second_hub(get_settings())
    metafunc.parametrize(
        "hub_settings", [FIRST, SECOND], indirect=True, scope="session",
        ids=[f"ckan-{first.hub_ckan_version}", f"ckan-{second.hub_ckan_version}"],
    )


_started: list[Settings] = []  # second hubs this session brought up (down at its end)


def _second_hub_up() -> Settings:
    settings = second_hub(get_settings())
    if not service.is_up(settings):
        _started.append(settings)
    ensure_hub(settings)
    return settings


def pytest_sessionfinish(session: pytest.Session) -> None:
    while _started:
        service.down(_started.pop())


@pytest.fixture(scope="session")
def hub_settings(request: pytest.FixtureRequest) -> Settings:
    """The first hub's settings, or (``both_ckan`` tests' second round) the second hub's."""
    if getattr(request, "param", FIRST) == SECOND:
        return _second_hub_up()
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
