"""The issue's bad drop folder: each bad entry gets one clear line, the other files are processed."""

from __future__ import annotations

import os
import shutil

from dgti_data.app import folder as folder_module
from dgti_data.app import validate_folder
from dgti_data.app.ledger import STILL_WRITTEN
from dgti_data.combine.dataset import dataset_dir
from dgti_data.publish.bundle import find_bundles
from tests.conftest import TEST_KEY
from tests.unit.test_combine_folder import SURVEY, _sample_rows, _write

SUBMISSIONS = "local-digital-submissions"


def test_each_bad_entry_gets_its_line_and_the_rest_is_processed(make_sample, catalog, tmp_path, monkeypatch):
    header, body = _sample_rows(make_sample(SURVEY, rows=100, seed=9, error_rate=0.0))
    drop = tmp_path / "drop"
    drop.mkdir()
    for i, row in enumerate(body[:20]):
        _write(drop / f"{SURVEY}-{i:02d}.csv", header, [row])
    (drop / f"{SURVEY}-garbage.csv").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)  # unreadable
    shutil.copyfile(make_sample(SUBMISSIONS, rows=100, error_rate=0.0), drop / f"{SURVEY}-wrong.csv")
    unknown = [*body[20]]
    unknown[3] = "9999999"  # an office code the register does not have
    _write(drop / f"{SURVEY}-unknown.csv", header, [unknown])
    same_office = [*body[0]]
    same_office[0] = "SRV-2567-999002"
    _write(drop / f"{SURVEY}-00-again.csv", header, [same_office], mtime=os.stat(drop / f"{SURVEY}-00.csv")
           .st_mtime + 60)
    (drop / "link.csv").symlink_to(drop / f"{SURVEY}-01.csv")
    (drop / "folder.csv").mkdir()
    growing = _write(drop / f"{SURVEY}-growing.csv", header, [body[21]])

    real = folder_module.process_file

    def upload_in_progress(path, *args, **kwargs):
        done = real(path, *args, **kwargs)
        if path == growing:
            with growing.open("a", encoding="utf-8") as fh:
                fh.write(",".join(body[22]) + "\n")
        return done

    monkeypatch.setattr(folder_module, "process_file", upload_in_progress)
    reports = {r.source.name: r for r in validate_folder(drop, catalog, tmp_path / "out", key=TEST_KEY, k=5)}

    def line(name):
        return reports[name].reason or reports[name].status

    assert reports[f"{SURVEY}-garbage.csv"].status == "unusable"
    assert f"its name says {SURVEY} but its header is {SUBMISSIONS}'s" in line(f"{SURVEY}-wrong.csv")
    unknown_report = reports[f"{SURVEY}-unknown.csv"]
    assert unknown_report.status == "invalid"
    assert any(e["field"] == "lao_code" for e in unknown_report.summary.errors)
    assert not unknown_report.summary.combined["in_union"]
    assert reports[f"{SURVEY}-00.csv"].summary.combined["replaced_by"] == [f"{SURVEY}-00-again.csv"]
    assert "a symbolic link: refused" in line("link.csv")
    assert "a directory" in line("folder.csv")
    assert line(f"{SURVEY}-growing.csv") == STILL_WRITTEN
    # The rest: 20 one-row files and the re-submission, combined and published as one dataset.
    (bundle,) = find_bundles(tmp_path / "out", catalog)
    assert bundle.dataset.name == SURVEY
    union = (dataset_dir(tmp_path / "out", SURVEY) / "report.json").read_text(encoding="utf-8")
    assert f"{SURVEY}-growing.csv" not in union
    assert sum(1 for r in reports.values() if r.summary and r.summary.combined
               and r.summary.combined["in_union"]) == 21
