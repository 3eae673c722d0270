"""Retry policy and where it applies, without a portal: reads are retried, writes never resent,
and a target refuses an organisation the configuration does not name before any call."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from dgti_data.app import connect
from dgti_data.ckan import CkanClient, CkanConnectionError, RetryPolicy
from dgti_data.errors import ConfigurationError
from dgti_data.hub.processes import free_port
from dgti_data.settings import Settings


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(retries=6, base_s=0.5, max_s=4.0)
    for attempt, ceiling in enumerate([0.5, 1.0, 2.0, 4.0, 4.0, 4.0]):
        for _ in range(50):
            assert ceiling / 2 <= policy.delay(attempt) <= ceiling
    assert len(list(policy.delays())) == 6 and policy.worst_case_s == 15.5
    assert list(RetryPolicy(0).delays()) == []


def test_reads_are_retried_writes_are_sent_once() -> None:
    client = CkanClient(f"http://127.0.0.1:{free_port()}", SecretStr("t"), timeout=1,
                        retry=RetryPolicy(retries=3, base_s=0.001, max_s=0.002))
    with pytest.raises(CkanConnectionError):
        client.call("package_show", id="x")
    assert client.counter.reads == 4
    with pytest.raises(CkanConnectionError):
        client.call("package_create", name="x")
    assert client.counter.writes == 1


def test_an_organisation_outside_the_configuration_is_refused() -> None:
    base = Settings(ckan_url="http://127.0.0.1:9", ckan_token=SecretStr("t"), ckan_organization="dga")
    assert connect(base).organization == "dga"
    with pytest.raises(ConfigurationError, match="'other' is not one this configuration publishes to"):
        connect(base, organization="other")
    wider = base.model_copy(update={"ckan_allowed_organizations": ["dga", "other"]})
    assert connect(wider, organization="other").organization == "other"
    assert connect(base.model_copy(update={"ckan_namespace": "trial"})).namespace == "trial"
