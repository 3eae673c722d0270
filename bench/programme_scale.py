"""The programme at scale: one small export per office, the nightly drop-folder flow over all of them.

    python bench/programme_scale.py [--files 7850] [--runners threads,processes,dask] [--publish]

Generates ``--files`` small exports (one office each, 1-6 rows, both datasets; CSV in cp874 and
UTF-8, a few xlsx laid out as office forms; 2 % of rows with planted errors), then per runner
(threads; processes, 2 workers; Dask LocalCluster, 2 workers) runs the validate-drop-folder flow into
a fresh results folder, then again unchanged (the ledger). Each runner runs in a child process, so
its peak RSS (its own and its workers') is its own. Writes bench/results/programme_scale.json
(``programme_scale_<n>.json`` for another ``--files``): files/s, seconds per file, first and
unchanged runs, peak RSS. One Prefect server serves every run.

``--publish`` (a hub up, or ``DGTI_CKAN_URL``): after each validation run the combined datasets are
published through ``app.publish_all``, as the main job does, under a namespace of the runner's own,
so the first run measures "validated and published" and the unchanged re-run its 0 writes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DGTI_PSEUDONYMISATION_KEY", "bench-key-not-a-secret-0123456789")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

DATASETS = ("local-digital-submissions", "lao-digital-readiness-survey")
XLSX_EVERY = 50  # one file in 50 is an office-form workbook (the generator's minimum, 100 rows)
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def make_drop(work: Path, files: int) -> Path:
    """One file per office; the office column decides the file, so an office's rows stay together."""
    from dgti_data.datasets import load_catalog
    from dgti_data.sample import generate

    drop = work / f"drop-{files}"
    if drop.is_dir() and len([p for p in drop.iterdir() if p.suffix in (".csv", ".xlsx")]) == files:
        return drop
    shutil.rmtree(drop, ignore_errors=True)
    drop.mkdir(parents=True)
    catalog = load_catalog(ROOT / "schemas")
    for d, name in enumerate(DATASETS):
        share = files // 2 if d == 0 else files - files // 2
        workbooks = share // XLSX_EVERY
        for i in range(workbooks):
            generate(catalog.get(name), drop / f"{name}-form-{i:04d}.xlsx", 100, 1000 + i, "xlsx",
                     ROOT / "schemas" / "reference", office=True)
        sample = work / f"{name}-{files}.csv"
        generate(catalog.get(name), sample, max(100, (share - workbooks) * 4), d + 1, "csv-utf8-bom",
                 ROOT / "schemas" / "reference", error_rate=0.02)
        with sample.open(encoding="utf-8-sig", newline="") as fh:
            header, *body = list(csv.reader(fh))
        offices: dict[str, list[list[str]]] = {}
        for row in body:
            office = "".join(c for c in row[header.index(_office_header(header))].translate(_THAI_DIGITS)
                             if c.isdigit()) or "unknown"
            offices.setdefault(office, []).append(row)
        for i, (office, rows) in enumerate(list(offices.items())[: share - workbooks]):
            encoding = "cp874" if i % 2 == 0 else "utf-8-sig"
            path = drop / f"{name}-{office}-{i}.csv"
            with path.open("w", encoding=encoding, errors="replace", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows(rows[:6])
        for leftover in work.glob(f"{name}-*.manifest.json"):
            leftover.unlink()
    for manifest in drop.glob("*.manifest.json"):
        manifest.unlink()
    return drop


def _office_header(header: list[str]) -> str:
    return next(h for h in header if "อปท" in h and "รหัส" in h)


def publish(out: Path, namespace: str) -> dict[str, Any]:
    """Every bundle of ``out`` (one per dataset) published, as ``dgti-data publish --from-results``."""
    from dgti_data import app

    config = app.resolve()
    target = app.connect(config.settings, namespace=namespace)
    writes = target.portal.counter.writes
    start = time.perf_counter()
    outcomes = app.publish_all(app.gather_bundles(config.catalog, results_dir=out), target,
                               approve=lambda waiting: [o.dataset for o in waiting])
    return {"seconds": round(time.perf_counter() - start, 1), "writes": target.portal.counter.writes - writes,
            "status": {o.dataset: o.status for o in outcomes}}


def run_runner(runner: str, drop: Path, out: Path, namespace: str | None = None) -> dict[str, Any]:
    from prefect.testing.utilities import prefect_test_harness

    from dgti_data.orchestration import task_runner
    from flows.validate_drop_folder import validate_drop_folder

    files = len([p for p in drop.iterdir() if p.suffix in (".csv", ".xlsx")])
    shutil.rmtree(out, ignore_errors=True)
    workers = 2 if runner != "threads" else None
    flow_ = validate_drop_folder.with_options(task_runner=task_runner(runner, workers))
    published_first = published_again = None
    with prefect_test_harness(server_startup_timeout=180):
        start = time.perf_counter()
        results = flow_(drop, out)
        first = time.perf_counter() - start
        if namespace:
            published_first = publish(out, namespace)
        start = time.perf_counter()
        flow_(drop, out)
        again = time.perf_counter() - start
        if namespace:
            published_again = publish(out, namespace)
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    published = {}
    for name in DATASETS:
        report = out / f"{name}.dataset" / "report.json"
        if report.is_file():
            published[name] = json.loads(report.read_text(encoding="utf-8"))["dgti"]["rows_published"]
    doc = {"runner": runner, "files": files, "first_run_seconds": round(first, 1),
           "files_per_second": round(files / first, 2), "seconds_per_file": round(first / files, 3),
           "unchanged_rerun_seconds": round(again, 1), "peak_rss_mb": round(rss / 1024),
           "unusable": sum(1 for r in results if r.get("unusable")),
           "failed": sum(1 for r in results if r.get("failed")), "rows_published": published}
    if published_first is not None and published_again is not None:
        doc |= {"publish_first": published_first, "publish_unchanged": published_again,
                "validated_and_published_seconds": round(first + published_first["seconds"], 1),
                "unchanged_rerun_with_publish_seconds": round(again + published_again["seconds"], 1)}
    return doc


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=7850)
    parser.add_argument("--runners", default="threads,processes,dask")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/dgti-bench-programme"))
    parser.add_argument("--publish", action="store_true",
                        help="Also publish the combined datasets to the hub (or DGTI_CKAN_URL).")
    parser.add_argument("--runner", help=argparse.SUPPRESS)
    parser.add_argument("--namespace", help=argparse.SUPPRESS)
    args = parser.parse_args()
    drop = make_drop(args.work, args.files)
    if args.runner:  # a child: one runner, its result as JSON on stdout's last line
        print(json.dumps(run_runner(args.runner, drop, args.work / f"out-{args.runner}", args.namespace)))
        return
    if args.publish:  # before any long run: no portal is one line, not a traceback an hour later
        from dgti_data import app

        app.connect()

    from bench.stamp import RESULTS, stamped, write

    doc: dict[str, Any] = {"bench": "programme_scale", "files": args.files, "publish": args.publish,
                           "results": []}
    stamp = int(time.time())
    with stamped(doc):
        for runner in args.runners.split(","):
            namespace = ["--namespace", f"scale{stamp}{runner}"] if args.publish else []
            child = subprocess.run([sys.executable, __file__, "--files", str(args.files),
                                    "--work", str(args.work), "--runner", runner, *namespace],
                                   capture_output=True, text=True, check=False)
            if child.returncode != 0:
                sys.exit(f"{runner}: the run failed:\n{child.stderr[-3000:]}")
            doc["results"].append(json.loads(child.stdout.strip().splitlines()[-1]))
            print(doc["results"][-1], flush=True)
    name = "programme_scale.json" if args.files == 7850 else f"programme_scale_{args.files}.json"
    write(RESULTS / name, doc)


if __name__ == "__main__":
    main()
