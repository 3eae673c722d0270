"""`dgti-data anonymise FILE --dataset NAME --out DIR`: outputs and exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dgti_data.anonymise.cli import anonymise_command
from dgti_data.errors import ConfigurationError
from dgti_data.settings import get_settings


@pytest.fixture
def key_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DGTI_PSEUDONYMISATION_KEY", "cli-test-key-0123456789")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_writes_csv_schema_and_report(key_env: None, make_sample: Callable[..., Path],
                                      tmp_path: Path) -> None:
    sample = make_sample("local-digital-submissions")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        anonymise_command, [str(sample), "--dataset", "local-digital-submissions", "--out", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert (out / "local-digital-submissions.csv").exists()
    schema = json.loads((out / "local-digital-submissions.schema.json").read_text(encoding="utf-8"))
    assert "contact_name" not in [f["name"] for f in schema["fields"]]
    report = json.loads((out / "anonymisation-report.json").read_text(encoding="utf-8"))
    assert report["rows_in"] == 1000 and report["blocked"] is False
    assert "cli-test-key" not in result.output + json.dumps(report)


def test_missing_key_is_refused(monkeypatch: pytest.MonkeyPatch, make_sample: Callable[..., Path],
                                tmp_path: Path) -> None:
    monkeypatch.delenv("DGTI_PSEUDONYMISATION_KEY", raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(anonymise_command, [str(make_sample("local-digital-submissions")),
                                                        "--dataset", "local-digital-submissions",
                                                        "--out", str(tmp_path)])
    finally:
        get_settings.cache_clear()
    assert isinstance(result.exception, ConfigurationError)
    assert not (tmp_path / "local-digital-submissions.csv").exists()
