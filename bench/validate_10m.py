"""Benchmark: the fast validation path on 10 million rows, for time and peak memory.

Makes a 10M-row normalised-form survey CSV (about 6.6 GB, planted errors on 12% of rows, i.e. about
0.5% of cells) by streaming the sample generator, then validates it in a fresh subprocess and
reports that process's peak RSS. Errors are streamed out of the validator (``error_sink``): a
10M-row file this dirty has about 1.2 million errors, and frictionless-shaped error dicts take
about 3 KB each in Python, so no process could hold that report in 1 GB. By default the sink only
counts the errors; ``--digest`` also hashes their JSON, ``--errors-jsonl`` writes them to a file
as a real consumer would (both add the cost of JSON encoding to the time). Also times a streaming
parse of the same file (Arrow, 1 MiB blocks) for reference.

The data file is deleted afterwards unless ``--keep``. Needs about 14 GB free while it is made.

    .venv/bin/python bench/validate_10m.py
    .venv/bin/python bench/validate_10m.py --rows 2000000 --keep
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "results" / "data"
OUT = ROOT / "bench" / "results" / "validate_10m.json"
DATASET = "lao-digital-readiness-survey"
SEED = 11
ERROR_RATE = 0.12
BYTES_PER_ROW = 700  # measured: about 660 for this dataset


def make_data(rows: int) -> Path:
    """The same data as validate_speed.py's (its own seed), with a disk check first: 10M rows are ~7 GB."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from validate_speed import data_file

    started = time.time()
    path = data_file(rows, seed=SEED, min_free_bytes=rows * BYTES_PER_ROW * 2.2)
    size_gb = path.stat().st_size / 1e9
    print(f"{path.name}: {size_gb:.2f} GB, ready in {time.time() - started:.0f} s", flush=True)
    return path


def child(mode: str, path: Path, out: Path, errors_jsonl: str | None, with_digest: bool) -> None:
    sys.path.insert(0, str(ROOT))
    import pyarrow as pa
    import pyarrow.csv as pv

    from dgti_data.datasets import load_catalog
    from dgti_data.validate.fast import references_from_catalog, validate_csv

    catalog = load_catalog(ROOT / "schemas")
    dataset = catalog.get(DATASET)
    result: dict[str, Any] = {"mode": mode}
    started = time.perf_counter()
    if mode == "parse-stream":
        reader = pv.open_csv(path, read_options=pv.ReadOptions(block_size=1 << 20),
                             convert_options=pv.ConvertOptions(
                                 column_types={n: pa.string() for n in dataset.field_names}))
        result["rows"] = sum(b.num_rows for b in reader)
    else:
        digest = hashlib.sha256()
        count = 0
        sink_file = open(errors_jsonl, "w", encoding="utf-8") if errors_jsonl else None  # noqa: SIM115

        def sink(errors: list[dict[str, Any]]) -> None:
            nonlocal count
            count += len(errors)
            if sink_file is None and not with_digest:
                return
            for e in errors:
                line = json.dumps(e, ensure_ascii=False)
                if sink_file is not None:
                    sink_file.write(line + "\n")
                else:
                    digest.update(line.encode())

        try:
            report = validate_csv(path, dataset.schema, name=dataset.name,
                                  references=references_from_catalog(catalog), error_sink=sink)
        finally:
            if sink_file is not None:
                sink_file.close()
        result["rows"] = report["tasks"][0]["stats"]["rows"]
        result["errors"] = count
        result["stats_errors"] = report["stats"]["errors"]
        if with_digest and sink_file is None:
            result["errors_digest"] = digest.hexdigest()
    result["seconds"] = time.perf_counter() - started
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.write_text(json.dumps(result))


def measure(mode: str, path: Path, errors_jsonl: str | None, with_digest: bool = False) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", dir=DATA, delete=False) as fh:
        out = Path(fh.name)
    try:
        cmd = [sys.executable, __file__, "--child", mode, str(path), str(out)]
        if errors_jsonl:
            cmd += ["--errors-jsonl", errors_jsonl]
        if with_digest:
            cmd.append("--digest")
        subprocess.run(cmd, check=True)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the data file afterwards")
    parser.add_argument("--errors-jsonl", help="write the errors to this JSON Lines file")
    parser.add_argument("--digest", action="store_true", help="hash every error's JSON")
    args = parser.parse_args()
    if args.child:
        mode, path, out = args.child
        child(mode, Path(path), Path(out), args.errors_jsonl, args.digest)
        return
    sys.path.insert(0, str(ROOT))
    from bench.stamp import stamped, write
    from bench.validate_speed import versions

    path = make_data(args.rows)
    doc: dict[str, Any] = {"benchmark": "validate_10m", "dataset": DATASET, "rows": args.rows,
                           "error_rate_rows": ERROR_RATE, "versions": versions()}
    try:
        with stamped(doc):
            parse = measure("parse-stream", path, None)
            print(f"streaming parse: {parse['seconds']:.1f} s, peak RSS {parse['peak_rss_mb']:.0f} MB",
                  flush=True)
            fast = measure("fast", path, args.errors_jsonl, args.digest)
            print(f"fast validation: {fast['seconds']:.1f} s, peak RSS {fast['peak_rss_mb']:.0f} MB, "
                  f"{fast['errors']:,} errors", flush=True)
    finally:
        size = path.stat().st_size
        if not args.keep:
            path.unlink(missing_ok=True)
            path.with_suffix(".params.json").unlink(missing_ok=True)
    doc |= {
        "file_gb": round(size / 1e9, 2),
        "parse_stream": parse,
        "fast": fast,
        "fast_rows_per_s": round(args.rows / fast["seconds"]),
        "peak_rss_under_1gb": fast["peak_rss_mb"] < 1024,
    }
    write(OUT, doc)
    print(f"\n{'rows':>12} {'mode':>13} {'seconds':>8} {'peak RSS MB':>11}")
    print(f"{args.rows:>12,} {'parse-stream':>13} {parse['seconds']:>8.1f} {parse['peak_rss_mb']:>11.0f}")
    print(f"{args.rows:>12,} {'fast':>13} {fast['seconds']:>8.1f} {fast['peak_rss_mb']:>11.0f}")
    print(f"peak RSS under 1 GB: {doc['peak_rss_under_1gb']}; written {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
