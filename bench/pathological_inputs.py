"""Bounded cost on files made to hurt: each must be answered (exit 1 or 2, one clear line) in
seconds with a peak RSS under 1 GB.

    .venv/bin/python bench/pathological_inputs.py [--timeout 120]

Cases: a single line of 1 MB and of 10 MB (tens of thousands and over a million columns, no data
row), a 100,000-column header with 20 data rows, and a file at the column limit (5,000 columns,
1,000 rows) read in full. Each runs ``dgti-data validate FILE --dataset local-digital-submissions``
in its own process; wall time and the child's peak RSS (``wait4``) are recorded. As a peer in the
same run, the same command on a normal 1,000-row sample file: the ratios say how much worse than
an ordinary file a hostile one is. Writes bench/results/pathological_inputs.json with the machine
(CPU model, cores, load average before and after) and the git commit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "pathological_inputs.json"
DATASET = "local-digital-submissions"


def single_line(path: Path, size: int) -> Path:
    token = "column_x,"
    path.write_text((token * (size // len(token) + 1))[:size], encoding="utf-8")
    return path


def wide_header(path: Path, columns: int, rows: int) -> Path:
    header = ",".join(f"h{i}" for i in range(columns))
    row = ",".join("v" for _ in range(columns))
    path.write_text(header + "\n" + "\n".join([row] * rows) + "\n", encoding="utf-8")
    return path


def normal(path: Path, rows: int) -> Path:
    sys.path.insert(0, str(ROOT))
    from dgti_data.datasets import load_catalog
    from dgti_data.sample import generate

    dataset = load_catalog(ROOT / "schemas").get(DATASET)
    generate(dataset, path, rows, 5, "csv-utf8-bom", ROOT / "schemas" / "reference")
    return path


def run(path: Path, timeout: float) -> dict:
    """The validate command on ``path``: exit code, last stderr line, wall seconds, peak RSS."""
    cmd = [str(ROOT / ".venv" / "bin" / "dgti-data"), "validate", str(path), "--dataset", DATASET,
           "--report-dir", str(path.parent / f"{path.stem}-report")]
    start = time.perf_counter()
    env = {**os.environ, "DGTI_PSEUDONYMISATION_KEY": "bench-only-key-" + "x" * 24}
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    stderr = proc.stderr.read().decode("utf-8", "replace").strip().splitlines() if proc.stderr else []
    return {
        "bytes": path.stat().st_size,
        "exit_code": os.waitstatus_to_exitcode(status),
        "timed_out": elapsed > timeout,
        "seconds": round(elapsed, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "stderr_lines": len(stderr),
        "last_line": stderr[-1][:300] if stderr else "",
    }


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=120.0, help="kill a case after this many seconds")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip()
    if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                      capture_output=True, text=True, check=False).stdout.strip():
        commit += " (with uncommitted changes)"
    load_before = os.getloadavg()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        cases = {
            "normal_1000_rows (peer)": lambda: normal(d / "normal.csv", 1000),
            "single_line_1mb": lambda: single_line(d / "line1.csv", 1_000_000),
            "single_line_10mb": lambda: single_line(d / "line10.csv", 10_000_000),
            "header_100k_columns_20_rows": lambda: wide_header(d / "wide.csv", 100_000, 20),
            "header_5000_columns_1000_rows (at the limit)": lambda: wide_header(d / "limit.csv", 5_000, 1000),
        }
        for name, make in cases.items():
            results[name] = run(make(), args.timeout)
            print(name, results[name], flush=True)
    peer = results["normal_1000_rows (peer)"]["seconds"]
    for r in results.values():
        r["seconds_vs_peer"] = round(r["seconds"] / peer, 2) if peer else None
    out = {
        "commit": commit, "machine": machine(), "load_average_before": load_before,
        "load_average_after": os.getloadavg(), "timeout_seconds": args.timeout,
        "limit": "exit 1 or 2 with one clear line, in seconds, peak RSS < 1 GB", "cases": results,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"-> {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
