"""The issue's 300 one-office survey files: anonymised file by file (as before) vs as one dataset.

    python bench/programme_union.py [--files 300] [--seed 7]

A clean generated survey is split into one file per office (1–3 rows each, named
``lao-digital-readiness-survey-<lao_code>.csv``). Each mode runs in its own process (its peak RSS
is its own): ``per-file`` runs ``process_file`` on each file alone, k-anonymity over the file, as
the pipeline did before the union; ``union`` runs the drop-folder path (each file validated and
reported, the union anonymised once), then the same folder again unchanged (the ledger). Writes
bench/results/programme_union.json: rows publishable, time, files/s and peak RSS per mode.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DGTI_PSEUDONYMISATION_KEY", "bench-key-not-a-secret-0123456789")

SURVEY = "lao-digital-readiness-survey"
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def make_drop(work: Path, files: int, seed: int) -> Path:
    from dgti_data.datasets import load_catalog
    from dgti_data.sample import generate

    drop = work / f"drop-{files}-{seed}"
    if drop.is_dir() and len(list(drop.glob("*.csv"))) == files:
        return drop
    drop.mkdir(parents=True, exist_ok=True)
    sample = work / f"survey-{seed}.csv"
    generate(load_catalog(ROOT / "schemas").get(SURVEY), sample, max(100, files * 2), seed, "csv-utf8-bom",
             ROOT / "schemas" / "reference", error_rate=0.0)
    with sample.open(encoding="utf-8-sig", newline="") as fh:
        header, *body = list(csv.reader(fh))
    by_office: dict[str, list[list[str]]] = {}
    for row in body:
        office = "".join(c for c in row[3].translate(_THAI_DIGITS) if c.isdigit())
        by_office.setdefault(office, []).append(row)
    for office, rows in list(by_office.items())[:files]:
        with (drop / f"{SURVEY}-{office}.csv").open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            writer.writerows(rows)
    return drop


def run_mode(mode: str, drop: Path, out: Path) -> dict[str, Any]:
    """One mode, in this process: what it publishes and what it costs."""
    from pydantic import SecretStr

    from dgti_data.app import process_file, validate_folder
    from dgti_data.datasets import load_catalog

    catalog = load_catalog(ROOT / "schemas")
    key = SecretStr(os.environ["DGTI_PSEUDONYMISATION_KEY"])
    files = sorted(drop.glob("*.csv"))
    started, cpu = time.perf_counter(), time.process_time()
    if mode == "per-file":
        done = [process_file(p, catalog, out, key=key, k=5) for p in files]
        rows_in = sum(d.result.valid_rows for d in done)
        published = sum(len(d.anonymised.frame) if d.publishable else 0 for d in done)
        rerun = None
    else:
        reports = validate_folder(drop, catalog, out, key=key, k=5)
        first = time.perf_counter() - started
        rows_in = sum(r.summary.valid_rows for r in reports if r.summary)
        union = json.loads((out / f"{SURVEY}.dataset" / "report.json").read_text(encoding="utf-8"))["dgti"]
        published = union["rows_published"]
        again = time.perf_counter()
        validate_folder(drop, catalog, out, key=key, k=5)
        rerun = time.perf_counter() - again
    wall = first if mode == "union" else time.perf_counter() - started
    return {"mode": mode, "files": len(files), "valid_rows": rows_in, "rows_publishable": published,
            "seconds": round(wall, 2), "files_per_second": round(len(files) / wall, 2),
            "cpu_seconds_total": round(time.process_time() - cpu, 2),
            "unchanged_rerun_seconds": round(rerun, 2) if rerun is not None else None,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/dgti-bench-programme-union"))
    parser.add_argument("--mode", choices=["per-file", "union"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:  # a child: one mode, its result as JSON on stdout
        out = args.work / f"out-{args.mode}"
        subprocess.run(["rm", "-rf", str(out)], check=True)
        print(json.dumps(run_mode(args.mode, make_drop(args.work, args.files, args.seed), out)))
        return

    from bench.stamp import RESULTS, stamped, write

    make_drop(args.work, args.files, args.seed)
    doc: dict[str, Any] = {"bench": "programme_union", "files": args.files, "seed": args.seed, "k": 5}
    with stamped(doc):
        for mode in ("per-file", "union"):
            child = subprocess.run([sys.executable, __file__, "--mode", mode, "--files", str(args.files),
                                    "--seed", str(args.seed), "--work", str(args.work)],
                                   capture_output=True, text=True, check=True)
            doc[mode] = json.loads(child.stdout.strip().splitlines()[-1])
            print(doc[mode])
    write(RESULTS / "programme_union.json", doc)


if __name__ == "__main__":
    main()
