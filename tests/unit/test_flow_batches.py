"""Files go to Prefect in groups (a task per small file cost more than the file), and each file of a
group is still its own report: a transient failure is tried again, any other failure is that file's
report and the group's other files are validated."""

from __future__ import annotations

import logging
from pathlib import Path

from dgti_data import app
from dgti_data.errors import TransientError
from flows import validate_drop_folder as module
from flows.validate_drop_folder import BATCH_FILES, MIN_BATCHES, _labels, batches, validate_one


def test_groups_keep_every_file_once_in_order():
    for n in (0, 1, 7, 8, 9, 100, 320, 321, 7850):
        paths = [Path(f"f{i}.csv") for i in range(n)]
        groups = batches(paths)
        assert [p for g in groups for p in g] == paths
        assert all(0 < len(g) <= BATCH_FILES for g in groups)
        assert len(groups) >= min(n, MIN_BATCHES)  # small folders still reach every worker
    assert len(batches([Path(f"f{i}.csv") for i in range(7850)])) == 197
    groups = batches([Path(f"f{i}.csv") for i in range(100)])
    assert _labels(groups)[:2] == ["1-12-of-100", "13-24-of-100"]
    assert _labels([[Path("one.csv")]]) == ["one.csv"]


def test_a_group_isolates_each_file(monkeypatch, tmp_path):
    calls: dict[str, int] = {}

    def validate_file(path, *args, **kwargs):
        calls[path.name] = calls.get(path.name, 0) + 1
        if path.name == "flaky.csv" and calls[path.name] == 1:
            raise TransientError("the results disk hiccuped")
        if path.name == "bug.csv":
            raise RuntimeError("simulated defect")
        return app.FileReport(path, "unusable", "not a table")

    monkeypatch.setattr(module.app, "validate_file", validate_file)
    config = app.RunConfig(None, None, None, 5)  # type: ignore[arg-type]  # unused by the stand-in
    log = logging.getLogger("test")
    reports = [validate_one(tmp_path / name, tmp_path, config, log, delays=(0, 0))
               for name in ("a.csv", "flaky.csv", "bug.csv", "b.csv")]
    assert [r.status for r in reports] == ["unusable", "unusable", "failed", "unusable"]
    assert calls == {"a.csv": 1, "flaky.csv": 2, "bug.csv": 1, "b.csv": 1}  # a bug is not retried
    assert "simulated defect" in reports[2].reason


def test_a_file_that_keeps_failing_transiently_is_reported_failed(monkeypatch, tmp_path):
    def validate_file(path, *args, **kwargs):
        raise TransientError("still down")

    monkeypatch.setattr(module.app, "validate_file", validate_file)
    config = app.RunConfig(None, None, None, 5)  # type: ignore[arg-type]
    report = validate_one(tmp_path / "x.csv", tmp_path, config, logging.getLogger("test"), delays=(0, 0, 0))
    assert report.status == "failed" and "still down" in report.reason

