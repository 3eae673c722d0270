"""The CLI's promises: exit codes 0/1/2, one-line errors without tracebacks, reports written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dgti_data.cli import main


@pytest.fixture
def run(tmp_path):
    def invoke(*args: str):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_valid_file_exits_0(run, make_sample, tmp_path):
    raw = make_sample("lao-digital-readiness-survey", error_rate=0.0, rows=200)
    result = run("validate", raw, "--report-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert ": valid: 200 rows, 200 valid, 0 quarantined, 0 errors" in result.output
    assert list(tmp_path.glob("*/report.html")) and list(tmp_path.glob("*/report.json"))


def test_invalid_file_exits_1(run, make_sample, tmp_path):
    raw = make_sample("local-digital-submissions", fmt="xlsx", rows=300)
    result = run("validate", raw, "--dataset", "local-digital-submissions", "--report-dir", tmp_path)
    assert result.exit_code == 1, result.output
    assert "invalid, valid rows publishable" in result.output


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\x00\x01\x02\x89PNG\x00\x00garbage" * 20, "contains nul bytes: not a text table"),
    ],
)
def test_unusable_input_exits_2_with_one_line(run, tmp_path, content, reason):
    bad = tmp_path / "local-digital-submissions-bad.csv"
    bad.write_bytes(content)
    result = run("validate", bad, "--report-dir", tmp_path / "out")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and bad.name in lines[0]
    assert reason in lines[0].lower()
    assert bad.read_bytes() == content


def test_missing_file_and_unknown_dataset_exit_2(run, tmp_path, make_sample):
    assert run("validate", tmp_path / "nope.csv").exit_code == 2
    raw = make_sample("lao-digital-readiness-survey", rows=100)
    result = run("validate", raw, "--dataset", "no-such-dataset")
    assert result.exit_code == 2 and "unknown dataset" in result.output


def test_undetectable_dataset_exits_2(run, tmp_path):
    path = tmp_path / "something.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    result = run("validate", path, "--report-dir", tmp_path / "out")
    assert result.exit_code == 2 and "cannot tell which dataset" in result.output


def test_datasets_lists_schemas(run):
    result = run("datasets")
    assert result.exit_code == 0
    for name in ("local-digital-submissions", "lao-digital-readiness-survey", "lao-registry"):
        assert name in result.output.replace("\n", "") or name[:14] in result.output


def test_sample_command_writes_files(run, tmp_path):
    result = run("sample", "--dataset", "lao-digital-readiness-survey", "--rows", "150",
                 "--format", "csv-cp874", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    written = [p for p in Path(tmp_path).iterdir() if not p.name.endswith(".manifest.json")]
    assert len(written) == 1 and written[0].stat().st_size > 0


@pytest.fixture
def no_key(monkeypatch):
    from dgti_data.settings import get_settings

    monkeypatch.delenv("DGTI_PSEUDONYMISATION_KEY", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_validate_writes_the_anonymised_csv_schema_and_report(run, make_sample, tmp_path):
    """What `dgti-data anonymise` used to write on its own, the one pipeline writes for publication."""
    raw = make_sample("local-digital-submissions", error_rate=0.0, rows=300)
    result = run("validate", raw, "--report-dir", tmp_path)
    assert result.exit_code == 0, result.output
    (out,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    schema = json.loads((out / "local-digital-submissions.schema.json").read_text(encoding="utf-8"))
    assert "contact_name" not in [f["name"] for f in schema["fields"]]
    report = json.loads((out / "anonymisation-report.json").read_text(encoding="utf-8"))
    assert report["rows_in"] == 300 and report["blocked"] is False
    assert (out / "local-digital-submissions.csv").exists()


def test_missing_key_is_refused_in_one_line(no_key, run, make_sample, tmp_path):
    raw = make_sample("local-digital-submissions", error_rate=0.0, rows=100)
    result = CliRunner().invoke(main, ["validate", str(raw), "--report-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "DGTI_PSEUDONYMISATION_KEY" in lines[0] and "--key-block" in lines[0]
    assert not list(tmp_path.glob("*/local-digital-submissions.csv"))
