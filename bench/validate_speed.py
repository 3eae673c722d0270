"""Benchmark: the fast validation path against frictionless and the parse floor, same files, same run.

For each size (default 100k and 1M rows of the readiness survey, normalised form, about 0.5% of
cells wrong) it runs, interleaved and each in a fresh subprocess:

- ``fast``: ``dgti_data.validate.runner.validate_dataset`` (the fast path, md5/sha256 stats included);
- ``fast-nohash``: the same without the file's md5/sha256 (``file_hashes=False``): the errors are
  the same, only those two stats are missing; it shows what the digests cost;
- ``frictionless``: frictionless 5 ``resource.validate(limit_errors=10**9)`` as the validate stage
  runs it;
- ``parse``: ``pyarrow.csv.read_csv(path)`` with default options (the floor the issue names);
- ``parse-text``: ``read_csv`` with every column as text, what the fast path itself parses.

It reports medians, same-run ratios and each child's peak RSS, asserts that the fast path's errors
are identical to frictionless's (a digest of every error dict, in order), prints a table and writes
``bench/results/validate_speed.json``. Data files are made once into ``bench/results/data/``
(gitignored) and reused.

    .venv/bin/python bench/validate_speed.py                      # 100k and 1M rows
    .venv/bin/python bench/validate_speed.py --rows 100000 --repeats 3 --frictionless-repeats 1
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "results" / "data"
OUT = ROOT / "bench" / "results" / "validate_speed.json"
DATASET = "lao-digital-readiness-survey"
SEED = 7
ERROR_RATE = 0.12  # rows with one planted error; with 24 fields that is 0.5% of cells
MODES = ("parse", "parse-text", "fast", "fast-nohash", "frictionless")


# --- data -------------------------------------------------------------------------------------------

def data_file(rows: int, seed: int = SEED, min_free_bytes: float = 0) -> Path:
    """A normalised-form survey CSV (header = field names) with planted errors, made once."""
    sys.path.insert(0, str(ROOT))
    from dgti_data.datasets import load_catalog
    from dgti_data.sample import generate

    path = DATA / f"survey-{rows}.csv"
    params = {"dataset": DATASET, "rows": rows, "seed": seed, "error_rate": ERROR_RATE, "messy": False}
    sidecar = path.with_suffix(".params.json")
    if path.exists() and sidecar.exists() and json.loads(sidecar.read_text()) == params:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(DATA).free
    if free < min_free_bytes:
        raise SystemExit(
            f"not enough disk: {free / 1e9:.1f} GB free, about {min_free_bytes / 1e9:.1f} GB needed"
        )
    catalog = load_catalog(ROOT / "schemas")
    dataset = catalog.get(DATASET)
    with tempfile.TemporaryDirectory(dir=DATA) as tmp:
        raw = Path(tmp) / "raw.csv"
        print(f"generating {rows:,} rows ...", flush=True)
        generate(dataset, raw, rows, seed, "csv-utf8-bom", ROOT / "schemas" / "reference",
                 error_rate=ERROR_RATE, messy=False)
        # messy=False writes values frictionless reads as they are; only the Thai headers and the
        # BOM differ from what the normaliser writes, so swap the header line.
        with raw.open("rb") as src, path.open("wb") as dst:
            src.readline()
            dst.write((",".join(dataset.field_names) + "\n").encode())
            while chunk := src.read(1 << 24):
                dst.write(chunk)
    sidecar.write_text(json.dumps(params))
    return path


# --- one measurement, in a child process ------------------------------------------------------------

def _digest(errors: list[dict[str, Any]]) -> tuple[str, list[list[Any]]]:
    h = hashlib.sha256()
    keys = []
    for e in errors:
        h.update(json.dumps(e, ensure_ascii=False, sort_keys=True).encode())
        h.update(b"\n")
        keys.append([e.get("rowNumber"), e.get("fieldName"), e["type"], e["note"]])
    return h.hexdigest(), keys


def _warm_imports() -> None:
    """Load what frictionless imports lazily (pandas among it), outside every timed region."""
    import frictionless

    schema = frictionless.Schema.from_descriptor({"fields": [{"name": "a", "type": "integer"}]})
    frictionless.Schema.validate_descriptor(schema.to_descriptor())
    schema.fields[0].create_cell_reader()("1")


def child(mode: str, path: Path, out: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import pyarrow as pa
    import pyarrow.csv as pv

    from dgti_data.datasets import load_catalog
    from dgti_data.validate.runner import frictionless_validate, validate_dataset

    catalog = load_catalog(ROOT / "schemas")
    dataset = catalog.get(DATASET)
    _warm_imports()
    result: dict[str, Any] = {"mode": mode}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    if mode == "parse":
        table = pv.read_csv(path)
        result["rows"] = table.num_rows
    elif mode == "parse-text":
        table = pv.read_csv(path, convert_options=pv.ConvertOptions(
            column_types={n: pa.string() for n in dataset.field_names}))
        result["rows"] = table.num_rows
    elif mode in ("fast", "fast-nohash"):
        report = validate_dataset(path, dataset, catalog, file_hashes=mode == "fast")
        if report["engine"]["name"] != "fast":
            raise SystemExit(f"the fast path fell back: {report['engine']}")
    elif mode == "frictionless":
        report = frictionless_validate(catalog, path, dataset)
    else:
        raise SystemExit(f"unknown mode {mode}")
    result["seconds"] = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    result["cpu_seconds"] = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if mode in ("fast", "fast-nohash", "frictionless"):
        errors = report["tasks"][0]["errors"]
        result["rows"] = report["tasks"][0]["stats"].get("rows")
        result["errors"] = len(errors)
        result["digest"], keys = _digest(errors)
        keys_path = out.with_suffix(".errors.json")
        keys_path.write_text(json.dumps(keys, ensure_ascii=False))
        result["keys_path"] = str(keys_path)
    out.write_text(json.dumps(result))


def measure(mode: str, path: Path) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile(suffix=".json", dir=DATA, delete=False) as fh:
        out = Path(fh.name)
    try:
        subprocess.run([sys.executable, __file__, "--child", mode, str(path), str(out)], check=True)
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


# --- the run ----------------------------------------------------------------------------------------

def versions() -> dict[str, str]:
    """The libraries the figures depend on (the machine itself is in the run's stamp)."""
    import frictionless
    import pandas
    import pyarrow

    return {"pyarrow": pyarrow.__version__, "pandas": pandas.__version__,
            "frictionless": frictionless.__version__}


def run_size(rows: int, repeats: int, frictionless_repeats: int) -> dict[str, Any]:
    path = data_file(rows)
    samples: dict[str, list[dict[str, Any]]] = {m: [] for m in MODES}
    for i in range(max(repeats, frictionless_repeats)):
        for mode in MODES:
            limit = frictionless_repeats if mode == "frictionless" else repeats
            if i < limit:
                print(f"  {rows:,} rows  {mode:13s} run {i + 1}/{limit} ...", end=" ", flush=True)
                sample = measure(mode, path)
                samples[mode].append(sample)
                print(f"{sample['seconds']:.2f} s, {sample['peak_rss_mb']:.0f} MB", flush=True)
    digests = {m: {s["digest"] for s in samples[m]} for m in ("fast", "fast-nohash", "frictionless")}
    identical = len(digests["fast"]) == 1 and digests["fast"] == digests["frictionless"] == digests[
        "fast-nohash"]
    if not identical:
        fast_keys = json.loads(Path(samples["fast"][0]["keys_path"]).read_text())
        ref_keys = json.loads(Path(samples["frictionless"][0]["keys_path"]).read_text())
        first = next((i for i, (a, b) in enumerate(zip(fast_keys, ref_keys, strict=False)) if a != b), None)
        raise AssertionError(
            f"{rows:,} rows: error sets differ (fast {len(fast_keys)}, frictionless {len(ref_keys)}, "
            f"first difference at {first}: {fast_keys[first] if first is not None else ''} vs "
            f"{ref_keys[first] if first is not None else ''})"
        )
    for mode in ("fast", "fast-nohash", "frictionless"):
        for s in samples[mode]:
            Path(s.pop("keys_path")).unlink(missing_ok=True)
    median = {m: statistics.median(s["seconds"] for s in samples[m]) for m in MODES}
    cpu = {m: statistics.median(s["cpu_seconds"] for s in samples[m]) for m in MODES}
    return {
        "rows": rows,
        "file": str(path.relative_to(ROOT)),
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "errors": samples["fast"][0]["errors"],
        "cells": rows * 24,
        "identical_errors": identical,
        "runs": {m: len(samples[m]) for m in MODES},
        "seconds": {m: [round(s["seconds"], 3) for s in samples[m]] for m in MODES},
        "median_seconds": {m: round(v, 3) for m, v in median.items()},
        "cpu_seconds": {m: [round(s["cpu_seconds"], 3) for s in samples[m]] for m in MODES},
        "median_cpu_seconds": {m: round(v, 3) for m, v in cpu.items()},
        "cpu_speedup_vs_frictionless": round(cpu["frictionless"] / cpu["fast"], 1),
        "cpu_fast_over_parse": round(cpu["fast"] / cpu["parse"], 2),
        "peak_rss_mb": {m: round(max(s["peak_rss_mb"] for s in samples[m])) for m in MODES},
        "speedup_vs_frictionless": round(median["frictionless"] / median["fast"], 1),
        "fast_over_parse": round(median["fast"] / median["parse"], 2),
        "fast_over_parse_text": round(median["fast"] / median["parse-text"], 2),
        "speedup_nohash_vs_frictionless": round(median["frictionless"] / median["fast-nohash"], 1),
        "nohash_over_parse": round(median["fast-nohash"] / median["parse"], 2),
        "frictionless_rows_per_s": round(rows / median["frictionless"]),
        "fast_rows_per_s": round(rows / median["fast"]),
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        f"{'rows':>10} {'mode':>13} {'runs':>4} {'median s':>9} {'CPU s':>7} {'peak RSS MB':>11}",
        "-" * 60,
    ]
    for r in results:
        for m in MODES:
            lines.append(f"{r['rows']:>10,} {m:>13} {r['runs'][m]:>4} {r['median_seconds'][m]:>9.2f} "
                         f"{r['median_cpu_seconds'][m]:>7.2f} {r['peak_rss_mb'][m]:>11}")
        lines.append(
            f"{'':>10} fast is {r['speedup_vs_frictionless']}x frictionless, "
            f"{r['fast_over_parse']}x read_csv ({r['fast_over_parse_text']}x text read_csv); "
            f"without digests {r['speedup_nohash_vs_frictionless']}x / {r['nohash_over_parse']}x; "
            f"errors identical: {r['identical_errors']} ({r['errors']:,} errors); in CPU time "
            f"{r['cpu_speedup_vs_frictionless']}x frictionless, {r['cpu_fast_over_parse']}x read_csv"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=5, help="runs of fast/parse per size")
    parser.add_argument("--frictionless-repeats", type=int, nargs="+", default=[3, 2],
                        help="runs of frictionless per size (one number, or one per size)")
    args = parser.parse_args()
    if args.child:
        mode, path, out = args.child
        child(mode, Path(path), Path(out))
        return
    fr = args.frictionless_repeats
    fr = fr * len(args.rows) if len(fr) == 1 else fr
    if len(fr) != len(args.rows):
        parser.error("--frictionless-repeats takes one number or one per size")
    sys.path.insert(0, str(ROOT))
    from bench.stamp import stamped, write

    started = time.time()
    doc: dict[str, Any] = {"benchmark": "validate_speed", "dataset": DATASET, "error_rate_rows": ERROR_RATE,
                           "versions": versions()}
    with stamped(doc):
        doc["results"] = [run_size(rows, args.repeats, n) for rows, n in zip(args.rows, fr, strict=True)]
    doc["wall_seconds"] = round(time.time() - started)
    write(OUT, doc)
    results = doc["results"]
    run = doc["run"]
    print()
    print(f"{run['machine']['cores']} cores ({run['machine']['cpu']}), {run['machine']['ram_gb']} GB; "
          f"load {run['load_average_before']} -> {run['load_average_after']}")
    print(table(results))
    print(f"\nwritten {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
