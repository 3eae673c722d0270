"""The drop-folder flow under a real (temporary) Prefect API: files in tasks, each its own report."""

from __future__ import annotations

import shutil

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.validate_drop_folder import validate_drop_folder
from tests.conftest import planted


@pytest.fixture(scope="module")
def prefect_api():
    with prefect_test_harness(server_startup_timeout=120):
        yield


def test_flow_validates_every_file_and_reports(prefect_api, make_sample, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    sources = [
        make_sample("local-digital-submissions", "csv-cp874", rows=300),
        make_sample("lao-digital-readiness-survey", "xlsx", rows=200),
    ]
    for src in sources:
        shutil.copy(src, drop / src.name)
    (drop / "local-digital-submissions-broken.csv").write_bytes(b"\x00\xff\x00garbage")
    (drop / "notes.md").write_text("not a raw export", encoding="utf-8")

    results = validate_drop_folder(drop, tmp_path / "out")

    by_file = {r["file"] if r.get("unusable") else r["source"]["file"]: r for r in results}
    assert set(by_file) == {s.name for s in sources} | {"local-digital-submissions-broken.csv"}
    assert by_file["local-digital-submissions-broken.csv"]["unusable"] is True
    for src in sources:
        summary = by_file[src.name]
        assert summary["error_count"] == len(planted(src))
        assert summary["valid_rows"] + summary["quarantined_rows"] == summary["rows_read"]
    per_file = [p for p in (tmp_path / "out").glob("*/report.html") if p.parent.suffix != ".dataset"]
    assert len(per_file) == 2
    # One dataset per kind, each combined from its files, with its coverage as a table artifact;
    # the survey's only file has invalid rows, which its policy does not publish.
    assert {p.parent.name for p in (tmp_path / "out").glob("*.dataset/report.json")} == {
        "local-digital-submissions.dataset", "lao-digital-readiness-survey.dataset"}
    assert [p.parent.name for p in (tmp_path / "out").glob("*.dataset/publication.json")] == [
        "local-digital-submissions.dataset"]

    from prefect.client.orchestration import get_client

    async def artifact_keys():
        async with get_client() as client:
            return {a.key for a in await client.read_artifacts()}

    import asyncio

    keys = asyncio.run(artifact_keys())
    assert {"validation-summary", "validation-errors", "coverage-local-digital-submissions",
            "coverage-lao-digital-readiness-survey"} <= keys


@pytest.mark.parametrize("kind", ["processes", "dask"])
def test_flow_runs_files_in_parallel_workers(prefect_api, make_sample, tmp_path, kind):
    from dgti_data.orchestration import task_runner

    drop = tmp_path / "drop"
    drop.mkdir()
    sources = [make_sample("local-digital-submissions", "csv-utf8-bom", rows=200, seed=s) for s in (1, 2)]
    for src in sources:
        shutil.copy(src, drop / src.name)
    flow_ = validate_drop_folder.with_options(task_runner=task_runner(kind, workers=2))
    results = flow_(drop, tmp_path / "out")
    assert sorted(r["source"]["file"] for r in results) == sorted(s.name for s in sources)
    for src in sources:
        (summary,) = [r for r in results if r["source"]["file"] == src.name]
        assert summary["error_count"] == len(planted(src))


def test_flow_on_an_existing_dask_cluster(prefect_api, make_sample, tmp_path):
    """The production path: a scheduler already running (here a LocalCluster of 2 worker processes
    started by the test), reached by address with ``--runner dask --dask-address``; the files are
    validated by its workers and the union still made once, in the flow."""
    from distributed import Client, LocalCluster

    from dgti_data.orchestration import task_runner

    drop = tmp_path / "drop"
    drop.mkdir()
    sources = [make_sample("local-digital-submissions", "csv-utf8-bom", rows=200, seed=s, error_rate=0.0)
               for s in (3, 4)]
    for src in sources:
        shutil.copy(src, drop / src.name)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        runner = task_runner("dask", dask_address=cluster.scheduler_address)
        results = validate_drop_folder.with_options(task_runner=runner)(drop, tmp_path / "out")
        tasks_run = sum(client.run(lambda dask_worker: dask_worker.state.executed_count).values())
    assert sorted(r["source"]["file"] for r in results) == sorted(s.name for s in sources)
    assert tasks_run >= 2  # the files' tasks ran on the cluster's workers
    assert all(r["combined"]["in_union"] for r in results)
    assert (tmp_path / "out" / "local-digital-submissions.dataset" / "publication.json").is_file()


def test_one_failing_file_does_not_lose_the_others(prefect_api, make_sample, tmp_path, monkeypatch):
    """A configuration error or a bug in one file is reported for that file; the rest are processed."""
    import dgti_data.app.folder as module

    real = module.process_file

    def flaky(path, *args, **kwargs):
        if "boom" in path.name:
            raise RuntimeError("simulated defect")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(module, "process_file", flaky)
    drop = tmp_path / "drop"
    drop.mkdir()
    good = make_sample("lao-digital-readiness-survey", "csv-utf8-bom", rows=150)
    shutil.copy(good, drop / good.name)
    shutil.copy(good, drop / f"boom-{good.name}")

    results = validate_drop_folder(drop, tmp_path / "out")

    (failed,) = [r for r in results if r.get("failed")]
    assert failed["file"].startswith("boom-") and "simulated defect" in failed["reason"]
    (ok,) = [r for r in results if not r.get("unusable")]
    assert ok["error_count"] == len(planted(good))
