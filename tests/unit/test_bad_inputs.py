"""The bad-input corpus (tests/data/bad/) through ``dgti-data validate`` and the drop-folder flow.

Each input gets a clear one-line error or a report, a non-zero exit where it cannot be published,
no traceback, its raw bytes unchanged, outputs only inside the report folder, and a publication
bundle only when ``expected.json`` says it is publishable. The module prints how many inputs were
tried and what came of them.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dgti_data.app import output_dir_for
from dgti_data.cli import main
from dgti_data.report.history import HISTORY_FILE
from dgti_data.settings import PROJECT_ROOT
from tests.integration.faultproxy import report_line

BAD = PROJECT_ROOT / "tests" / "data" / "bad"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
FORMULA = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    """Label → (file, expectation): the committed corpus and the inputs made at test time."""
    from tests.data.bad.make_corpus import big_and_odd

    out = {name: (BAD / name, exp) for name, exp in EXPECTED["committed"].items()}
    made = big_and_odd(tmp_path_factory.mktemp("made"))
    assert set(made) == set(EXPECTED["made_at_test_time"])
    out |= {label: (path, EXPECTED["made_at_test_time"][label]) for label, path in made.items()}
    return out


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Counter[str]]:
    counts: Counter[str] = Counter()
    yield counts
    report_line(request.config, (
        f"\nbad inputs: {counts['cli']} tried through `dgti-data validate` ({counts['cli-refused']} refused "
        f"with one line, exit 2; {counts['cli-report']} reported, {counts['cli-publishable']} publishable), "
        f"{counts['subprocess']} as real subprocesses, {counts['flow']} at once through the drop-folder "
        "flow; "
        f"{counts['unchanged']} raw inputs byte-for-byte unchanged, no traceback, "
        f"{counts['no-bundle']} unpublishable ones without a publication bundle, nothing published"
    ))


def test_every_committed_file_has_an_expectation() -> None:
    """``make_corpus.py --check`` compares the bytes with the generator (by hand: the generator and
    openpyxl may change the bytes without changing what the files test)."""
    files = {p.name for p in BAD.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert files == set(EXPECTED["committed"]) and len(files) >= 30


def _report(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "report.json").read_text(encoding="utf-8"))["dgti"]


def _check_outputs(out_dir: Path, exp: dict[str, Any], label: str, combined: bool = False) -> None:
    """Report written; bundle only if publishable (``combined``: a drop folder's file, whose rows
    join its dataset's union instead); the published CSV holds no control character and no cell a
    spreadsheet would run."""
    summary = _report(out_dir)
    assert (out_dir / "report.html").is_file(), label
    assert (out_dir / "publication.json").is_file() == (exp["publishable"] and not combined), label
    assert summary["publishable"] == exp["publishable"], label
    if combined:
        assert summary["combined"]["in_union"] == exp["publishable"], label
    if "warning" in exp:
        assert any(exp["warning"] in w for w in summary["warnings"]), (label, summary["warnings"])
    if "change" in exp:
        assert exp["change"] in summary["changes"]["counts"], (label, summary["changes"])
    if "neutralised" in exp and not combined:  # combined: counted where the union's CSV is written
        assert summary["formulas_neutralised"]["total"] == exp["neutralised"], label
    schema_files = list(out_dir.glob("*.schema.json"))
    for data in out_dir.glob("*.csv"):
        if data.name.endswith(".quarantine.csv") or not schema_files:
            continue
        schema = json.loads(schema_files[0].read_text(encoding="utf-8"))
        text_fields = {f["name"] for f in schema["fields"] if f.get("type", "string") == "string"}
        with data.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for name, value in row.items():
                    assert not CONTROL.search(value or ""), (label, name)
                    if name in text_fields and value.startswith(FORMULA):
                        assert PLAIN_NUMBER.fullmatch(value), (label, name, value[:40])


def test_every_bad_input_through_the_cli(
    inputs: dict[str, tuple[Path, dict[str, Any]]], tally: Counter[str], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    runner = CliRunner()
    for label, (path, exp) in inputs.items():
        before = _sha(path)
        args = ["validate", str(path), "--report-dir", str(out)]
        result = runner.invoke(main, args, catch_exceptions=False)
        text = result.output
        assert "Traceback" not in text, (label, text[-2000:])
        assert result.exit_code == exp["exit"], (label, text[-2000:])
        lines = [ln for ln in text.splitlines() if ln.strip()]
        out_dir = output_dir_for(path, out)
        assert out_dir.resolve().parent == out.resolve(), label  # never outside the report folder
        if exp["exit"] == 2:
            assert len(lines) == 1 and lines[0].startswith("error: "), (label, lines)
            assert exp["error"] in lines[0], (label, lines[0])
            assert not out_dir.exists(), label
            tally["cli-refused"] += 1
        else:
            assert len(lines) == 3 and exp["report"] in lines[0], (label, lines)
            assert lines[1] == f"report: {out_dir / 'report.html'}", (label, lines)
            assert lines[2] == f"quality over time (not published): {out / 'quality.html'}", (label, lines)
            _check_outputs(out_dir, exp, label)
            tally["cli-report"] += 1
            tally["cli-publishable"] += exp["publishable"]
        assert _sha(path) == before, f"{label}: the raw input changed"
        tally["no-bundle"] += not exp.get("publishable", False)
        tally["unchanged"] += 1
        tally["cli"] += 1
    # Each file's outputs in its own folder; beside them only the steward's quality history.
    steward = {HISTORY_FILE, f".{HISTORY_FILE}.lock", "quality.html"}
    assert all(p.parent.parent == out or (p.parent == out and p.name in steward)
               for p in out.rglob("*") if p.is_file())


@pytest.mark.parametrize("label", [
    "local-digital-submissions-empty.csv",
    "local-digital-submissions-special-numbers.csv",
    "xlsx zip bomb",
    "control characters in the name",
])
def test_real_subprocess_prints_no_traceback(
    label: str, inputs: dict[str, tuple[Path, dict[str, Any]]], tally: Counter[str], tmp_path: Path
) -> None:
    path, exp = inputs[label]
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dgti-data"), "validate", str(path), "--report-dir",
         str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=os.environ | {"NO_COLOR": "1"}, check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode == exp["exit"], done.stdout + done.stderr
    if exp["exit"] == 2:
        lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and exp["error"] in lines[0], done.stderr
    else:
        assert exp["report"] in done.stdout.splitlines()[0]
        # the name is escaped: no control character starts a line of its own
        assert "\x1b" not in done.stdout and len(done.stdout.splitlines()) == 3, done.stdout
    tally["subprocess"] += 1


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def test_every_bad_input_at_once_through_the_drop_folder_flow(
    prefect_api: None, inputs: dict[str, tuple[Path, dict[str, Any]]], tally: Counter[str], tmp_path: Path
) -> None:
    from flows.validate_drop_folder import validate_drop_folder

    drop, out = tmp_path / "drop", tmp_path / "out"
    drop.mkdir()
    by_name = {}
    for label, (path, exp) in inputs.items():
        shutil.copyfile(path, drop / path.name)
        by_name[path.name] = (label, exp, _sha(path))
    results = validate_drop_folder(drop, out)

    seen = {r["file"] if r.get("unusable") else r["source"]["file"]: r for r in results}
    assert set(seen) == set(by_name)
    for name, r in seen.items():
        label, exp, sha = by_name[name]
        assert _sha(drop / name) == sha, f"{label}: the raw input changed"
        if exp["exit"] == 2:
            assert r.get("unusable") and exp["error"] in r["reason"], (label, r)
        else:
            assert not r.get("unusable"), (label, r)
            assert r["publishable"] == exp["publishable"] and r["bundle"] is None, label
            _check_outputs(Path(r["out_dir"]), exp, label, combined=True)
        tally["flow"] += 1
    # The datasets published from the folder: their unions, held to the same checks.
    for dataset_dir in out.glob("*.dataset"):
        _check_outputs(dataset_dir, {"publishable": (dataset_dir / "publication.json").is_file()},
                       dataset_dir.name, combined=False)
