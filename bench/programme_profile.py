"""Where a small office file's time goes: the programme bench's files, profiled stage by stage.

    python bench/programme_profile.py [--files 200] [--top 40] [--flow]

Generates (or reuses) ``bench/programme_scale.py``'s drop folder of ``--files`` one-office exports
and runs ``app.validate_folder`` over it under cProfile: per-file stages (read, normalise,
validate, anonymise, reports, the valid rows kept) and the run's own steps (ledger, union,
outbox, history), then the same folder unchanged (the ledger's re-run). ``--flow`` also times the
Prefect flow (threads) on the same files, to see what Prefect adds per file. Prints the figures;
writes ``bench/results/programme_profile_<n>.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DGTI_PSEUDONYMISATION_KEY", "bench-key-not-a-secret-0123456789")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

# Functions whose cumulative time is reported as the per-file stages and the run's steps.
STAGES = {
    "read": "dgti_data/read/reader.py:read_table",
    "normalise": "dgti_data/normalise/pipeline.py:normalise",
    "validate": "dgti_data/validate/__init__.py:validate",
    "anonymise (file)": "dgti_data/anonymise/core.py:anonymise",
    "summary": "dgti_data/report/summary.py:build_summary",
    "leak gate on reports": "dgti_data/app/process.py:gate_reports",
    "report.json": "dgti_data/report/files.py:write_json",
    "report.html": "dgti_data/report/files.py:write_html",
    "valid rows (parquet)": "dgti_data/combine/dataset.py:save_valid_rows",
    "offices": "dgti_data/app/process.py:offices_of",
    "header check": "dgti_data/app/process.py:check_name_against_header",
    "process_file (all)": "dgti_data/app/process.py:process_file",
    "plan (ledger)": "dgti_data/app/folder.py:plan_folder",
    "union": "dgti_data/combine/dataset.py:combine_dataset",
    "files told": "dgti_data/app/combining.py:_tell_file",
    "outbox": "dgti_data/app/outbox.py:write_outbox",
    "ledger saved": "dgti_data/app/ledger.py:save",
    "history": "dgti_data/app/history.py:record_run",
}


def cumulative(stats: pstats.Stats) -> dict[str, float]:
    out = {}
    for (filename, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for label, where in STAGES.items():
            path, func = where.split(":")
            if filename.endswith(path) and name == func:
                out[label] = round(out.get(label, 0.0) + ct, 2)
    return out


def profiled(files: int, drop: Path, out: Path, top: int) -> dict[str, Any]:
    from dgti_data import app

    config = app.resolve()
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.enable()
    reports = app.validate_folder(drop, config.catalog, out, key=config.key, k=config.k)
    app.record_run(out, reports, config.catalog)
    profile.disable()
    seconds = time.perf_counter() - start
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(order).print_stats(top)
        print(text.getvalue())
    stats = pstats.Stats(profile)
    return {"seconds": round(seconds, 2), "files_per_second": round(files / seconds, 2),
            "ms_per_file": round(1000 * seconds / files, 1), "stages_seconds": cumulative(stats)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--flow", action="store_true")
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/dgti-bench-programme"))
    args = parser.parse_args()

    from bench.programme_scale import make_drop
    from bench.stamp import RESULTS, stamped, write

    drop = make_drop(args.work, args.files)
    out = args.work / f"profile-{args.files}"
    shutil.rmtree(out, ignore_errors=True)
    doc: dict[str, Any] = {"bench": "programme_profile", "files": args.files}
    with stamped(doc):
        doc["first"] = profiled(args.files, drop, out, args.top)
        doc["unchanged"] = profiled(args.files, drop, out, args.top)
        if args.flow:
            from prefect.testing.utilities import prefect_test_harness

            from flows.validate_drop_folder import validate_drop_folder

            flow_out = args.work / f"profile-flow-{args.files}"
            shutil.rmtree(flow_out, ignore_errors=True)
            with prefect_test_harness(server_startup_timeout=180):
                start = time.perf_counter()
                validate_drop_folder(drop, flow_out)
                doc["flow_threads_seconds"] = round(time.perf_counter() - start, 2)
    print({k: v for k, v in doc.items() if k != "run"})
    write(RESULTS / f"programme_profile_{args.files}.json", doc)


if __name__ == "__main__":
    main()
