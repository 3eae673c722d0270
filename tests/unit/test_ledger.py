"""The ledger of a nightly run: unchanged files are not read again, changed ones are, and losing
the ledger only costs time."""

from __future__ import annotations

import json

import pytest

from dgti_data.app import folder as folder_module
from dgti_data.app import plan_folder, validate_folder
from dgti_data.app.ledger import LEDGER
from dgti_data.combine.dataset import dataset_dir
from tests.conftest import TEST_KEY
from tests.unit.test_combine_folder import SURVEY, _sample_rows, _write, one_office_files


@pytest.fixture
def counted(monkeypatch):
    """The files ``process_file`` really read, by name."""
    seen: list[str] = []
    real = folder_module.process_file

    def spy(path, *args, **kwargs):
        seen.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(folder_module, "process_file", spy)
    return seen


def test_unchanged_files_are_not_read_again_and_a_changed_one_is(make_sample, catalog, tmp_path, counted):
    sample = make_sample(SURVEY, rows=100, seed=3, error_rate=0.0)
    one_office_files(sample, tmp_path / "drop", files=12)
    (tmp_path / "drop" / "notes.csv").write_bytes(b"")  # unusable: refused again, from the ledger
    out = tmp_path / "out"
    first = validate_folder(tmp_path / "drop", catalog, out, key=TEST_KEY, k=5)
    assert len(counted) == 13
    union_report = dataset_dir(out, SURVEY) / "report.json"
    before = union_report.read_text(encoding="utf-8")

    counted.clear()
    again = validate_folder(tmp_path / "drop", catalog, out, key=TEST_KEY, k=5)
    assert counted == []
    assert [r.to_dict() for r in again] == [r.to_dict() for r in first]
    assert union_report.read_text(encoding="utf-8") == before  # the union was not made again

    header, body = _sample_rows(sample)
    changed = sorted((tmp_path / "drop").glob(f"{SURVEY}-*.csv"))[0]
    _write(changed, header, _sample_rows(changed)[1] + [body[-1]])
    assert [p.name for p in plan_folder(tmp_path / "drop", catalog, out, key=TEST_KEY, k=5).todo] \
        == [changed.name]
    counted.clear()
    validate_folder(tmp_path / "drop", catalog, out, key=TEST_KEY, k=5)
    assert counted == [changed.name]
    assert json.loads(union_report.read_text(encoding="utf-8"))["dgti"]["union"]["rows"] \
        == json.loads(before)["dgti"]["union"]["rows"] + 1

    # Other settings (k) or a lost ledger: every file is processed again.
    assert len(plan_folder(tmp_path / "drop", catalog, out, key=TEST_KEY, k=3).todo) == 13
    (out / LEDGER).write_text("{not json", encoding="utf-8")
    assert len(plan_folder(tmp_path / "drop", catalog, out, key=TEST_KEY, k=5).todo) == 13
