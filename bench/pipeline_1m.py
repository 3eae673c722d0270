"""The whole pipeline on one big raw export, publication to the local hub included.

    python bench/pipeline_1m.py [--rows 1000000] [--namespace NAME] [--skip-publish]

1. A raw export of the readiness survey (csv-utf8-bom, messy headers and values, no planted
   errors, so the survey is publishable) is made once into ``bench/results/data/`` (gitignored).
2. ``dgti_data.app.process.process_file`` runs on it with every stage function it calls wrapped in a
   timer (read, normalise, validate, anonymise, write of the published CSV, published check,
   reports, bundle): the code measured is the pipeline's own, in its own order.
3. The bundle is published to the hub the settings name (``connect(settings)``, then
   ``find_bundles`` and ``publish``) under a fresh namespace, so the first publication really is a
   first one: package, upload, typed DataStore load, reports.
4. The same bundle is published again, unchanged: write calls (the client's ``CallCounter``) and
   time, and its ratio to the first publication.

Prints a stage table and totals and writes ``bench/results/pipeline_1m.json`` (or
``pipeline_<rows>.json`` for other sizes). Run it against your own hub (``DGTI_HUB_DIR`` and the
``DGTI_HUB_*_PORT`` settings) when another one is in use.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "results" / "data"
DATASET = "lao-digital-readiness-survey"
SEED = 11

os.environ.setdefault("DGTI_PSEUDONYMISATION_KEY", "bench-key-not-a-secret-0123456789")


def raw_export(rows: int) -> Path:
    """The raw survey export (messy, no planted errors), made once and reused."""
    from dgti_data.datasets import load_catalog
    from dgti_data.sample import generate

    folder = DATA / f"pipeline-raw-{rows}"
    path = folder / f"{DATASET}-{rows}.csv"
    params = {"dataset": DATASET, "rows": rows, "seed": SEED, "format": "csv-utf8-bom",
              "error_rate": 0.0, "messy": True}
    sidecar = folder / "params.json"
    if path.exists() and sidecar.exists() and json.loads(sidecar.read_text()) == params:
        return path
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    catalog = load_catalog(ROOT / "schemas")
    print(f"generating {rows:,} raw rows ...", flush=True)
    start = time.perf_counter()
    generate(catalog.get(DATASET), path, rows, SEED, "csv-utf8-bom", ROOT / "schemas" / "reference",
             error_rate=0.0, messy=True)
    for manifest in folder.glob("*.manifest.json"):
        manifest.unlink()
    sidecar.write_text(json.dumps(params))
    print(f"generated in {time.perf_counter() - start:.1f} s", flush=True)
    return path


class Stages:
    """Wall time per stage, by wrapping the functions ``process_file`` calls."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.order: list[str] = []

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                if name not in self.order:
                    self.order.append(name)
                self.seconds[name] += time.perf_counter() - start
        return timed


def run_pipeline(source: Path, out_root: Path) -> tuple[Any, Stages, float]:
    from dgti_data.anonymise import AnonymisedTable
    from dgti_data.app import process as pipeline
    from dgti_data.datasets import load_catalog
    from dgti_data.publish.bundle import PublicationBundle
    from dgti_data.settings import get_settings

    stages = Stages()
    patched = {
        "read_table": "read", "normalise": "normalise", "validate": "validate",
        "anonymise": "anonymise", "validate_published": "published check",
        "build_summary": "reports", "write_json": "reports", "write_html": "reports",
    }
    saved = {name: getattr(pipeline, name) for name in patched}
    write, save = AnonymisedTable.write, PublicationBundle.save
    for name, stage in patched.items():
        setattr(pipeline, name, stages.wrap(stage, saved[name]))
    AnonymisedTable.write = stages.wrap("write published CSV", write)  # type: ignore[method-assign]
    PublicationBundle.save = stages.wrap("bundle", save)  # type: ignore[method-assign]
    try:
        catalog = load_catalog(ROOT / "schemas")
        key = get_settings().pseudonymisation_key
        start = time.perf_counter()
        outcome = pipeline.process_file(source, catalog, out_root, key=key)
        total = time.perf_counter() - start
    finally:
        for name, fn in saved.items():
            setattr(pipeline, name, fn)
        AnonymisedTable.write, PublicationBundle.save = write, save  # type: ignore[method-assign]
    return outcome, stages, total


def publish_once(out_root: Path, namespace: str) -> dict[str, Any]:
    from dgti_data.app import connect, publish_all
    from dgti_data.datasets import load_catalog
    from dgti_data.publish import find_bundles

    catalog = load_catalog(ROOT / "schemas")
    target = connect(namespace=namespace)
    counter = target.portal.counter
    reads0, writes0, by0 = counter.reads, counter.writes, Counter(counter.by_action)
    start = time.perf_counter()
    bundles = find_bundles(out_root, catalog)
    # A big survey always has a few rows suppressed for k-anonymity: that is a warning, which
    # waits for a steward's approval; the benchmark approves as a steward would.
    outcomes = publish_all(bundles, target, approve=lambda waiting: [o.dataset for o in waiting])
    seconds = time.perf_counter() - start
    by = Counter(counter.by_action)
    by.subtract(by0)
    return {
        "seconds": round(seconds, 3),
        "status": [o.status for o in outcomes],
        "url": [o.url for o in outcomes],
        "reads": counter.reads - reads0,
        "writes": counter.writes - writes0,
        "calls_by_action": {k: v for k, v in sorted(by.items()) if v},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--namespace", default=None,
                        help="dataset-name suffix on the hub (default: a fresh one per run)")
    parser.add_argument("--skip-publish", action="store_true")
    args = parser.parse_args()

    from bench.stamp import stamped, write
    from dgti_data.settings import get_settings

    source = raw_export(args.rows)
    out_root = DATA / f"pipeline-out-{args.rows}"
    shutil.rmtree(out_root, ignore_errors=True)

    doc: dict[str, Any] = {}
    with stamped(doc):
        outcome, stages, pipeline_s = run_pipeline(source, out_root)
        if not outcome.publishable:
            raise SystemExit(f"not publishable: see {outcome.json_report}")
        rows_published = outcome.summary.rows_published
        print(f"pipeline: {pipeline_s:.1f} s, {rows_published:,} rows publishable", flush=True)

        doc.update({
            "rows": args.rows,
            "rows_published": rows_published,
            "raw_file_bytes": source.stat().st_size,
            "stages": [{"stage": n, "seconds": round(stages.seconds[n], 3)} for n in stages.order],
        })
        other = pipeline_s - sum(stages.seconds.values())
        doc["stages"].append({"stage": "other (dataset detection, slicing)", "seconds": round(other, 3)})
        doc["pipeline_seconds"] = round(pipeline_s, 3)

        if not args.skip_publish:
            s = get_settings()
            namespace = args.namespace or f"b{int(time.time())}"
            print(f"publishing to {s.ckan_url or s.hub_dir} (namespace {namespace}) ...", flush=True)
            first = publish_once(out_root, namespace)
            if first["status"] != ["published"]:
                raise SystemExit(f"first publication: {first['status']}")
            print(f"first publication: {first['seconds']:.1f} s, {first['writes']} writes "
                  f"({first['calls_by_action']})", flush=True)
            again = publish_once(out_root, namespace)
            print(f"unchanged re-run: {again['seconds']:.2f} s, {again['writes']} writes", flush=True)
            doc["namespace"] = namespace
            doc["publish_first"] = first
            doc["publish_unchanged"] = again
            doc["unchanged_vs_first_publish"] = round(again["seconds"] / first["seconds"], 4)
            doc["total_seconds"] = round(pipeline_s + first["seconds"], 3)
            doc["unchanged_vs_first_total"] = round(again["seconds"] / doc["total_seconds"], 4)
            doc["datastore_rows_per_s"] = round(rows_published / first["seconds"])
        doc["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)

    print(f"\n{'stage':38} {'seconds':>9} {'share':>6}")
    total = doc.get("total_seconds", pipeline_s)
    rows_out = [(r["stage"], r["seconds"]) for r in doc["stages"]]
    if "publish_first" in doc:
        rows_out.append(("publish (first)", doc["publish_first"]["seconds"]))
    for name, sec in rows_out:
        print(f"{name:38} {sec:>9.2f} {sec / total:>6.1%}")
    print(f"{'pipeline (process_file)':38} {pipeline_s:>9.2f}")
    if "publish_first" in doc:
        print(f"{'total, publication included':38} {total:>9.2f}")
        a = doc["publish_unchanged"]
        print(f"{'unchanged re-run of the publication':38} {a['seconds']:>9.2f}   "
              f"{a['writes']} writes, {doc['unchanged_vs_first_publish']:.1%} of the first "
              f"publication, {doc['unchanged_vs_first_total']:.1%} of the whole first run")
    print(f"peak RSS {doc['peak_rss_mb']} MB")
    name = "pipeline_1m.json" if args.rows == 1_000_000 else f"pipeline_{args.rows}.json"
    write(ROOT / "bench" / "results" / name, doc)
    print(f"wrote bench/results/{name}")


if __name__ == "__main__":
    main()
