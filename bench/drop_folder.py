"""Many files at once: the drop-folder flow with 1, 2 and 4 workers, threads vs processes.

    python bench/drop_folder.py [--files 8] [--rows 20000] [--repeat 1]

Prints a table and writes bench/results/drop_folder.json. One Prefect server serves every run
(its start-up is not part of what is measured).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DGTI_PSEUDONYMISATION_KEY", "bench-key-not-a-secret-0123456789")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def make_drop(files: int, rows: int, work: Path) -> Path:
    from dgti_data.datasets import load_catalog
    from dgti_data.sample import generate

    catalog = load_catalog(ROOT / "schemas")
    drop = work / f"drop-{files}x{rows}"
    if drop.exists() and len(list(drop.glob("*.csv"))) == files:
        return drop
    shutil.rmtree(drop, ignore_errors=True)
    drop.mkdir(parents=True)
    for i in range(files):
        name = ["local-digital-submissions", "lao-digital-readiness-survey"][i % 2]
        generate(catalog.get(name), drop / f"{name}-{i:02d}.csv", rows, i, "csv-utf8-bom",
                 ROOT / "schemas" / "reference")
    for manifest in drop.glob("*.manifest.json"):
        manifest.unlink()
    return drop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from prefect.testing.utilities import prefect_test_harness

    from bench.stamp import stamped, write
    from dgti_data.orchestration import task_runner
    from flows.validate_drop_folder import validate_drop_folder

    work = ROOT / "bench" / "results" / "data"
    drop = make_drop(args.files, args.rows, work)
    results: list[dict[str, Any]] = []
    doc: dict[str, Any] = {"files": args.files, "rows_per_file": args.rows, "repeat": args.repeat}
    with prefect_test_harness(server_startup_timeout=120), stamped(doc):
        for kind in ("threads", "processes"):
            for workers in (1, 2, 4):
                times = []
                for _ in range(args.repeat):
                    out = work / "drop-out"
                    shutil.rmtree(out, ignore_errors=True)
                    flow_ = validate_drop_folder.with_options(task_runner=task_runner(kind, workers))
                    start = time.perf_counter()
                    flow_(drop, out)
                    times.append(time.perf_counter() - start)
                results.append({"runner": kind, "workers": workers, "seconds": statistics.median(times)})
                print(f"{kind:10} {workers} worker(s): {results[-1]['seconds']:.1f} s", flush=True)
    base = results[0]["seconds"]
    for r in results:
        r["speedup_vs_1_thread"] = round(base / r["seconds"], 2)
    doc["results"] = results
    write(ROOT / "bench" / "results" / "drop_folder.json", doc)
    print(f"\n{'runner':10} {'workers':>7} {'seconds':>8} {'speed-up':>8}")
    for r in results:
        print(f"{r['runner']:10} {r['workers']:>7} {r['seconds']:>8.1f} {r['speedup_vs_1_thread']:>8.2f}")


if __name__ == "__main__":
    main()
