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

Each stage also gets its resident memory: the peak while it ran and what stayed after it
(``/proc/self``'s ``VmHWM``, reset before every stage, and ``VmRSS``), and so does the code between
two stages (slicing the valid rows, say) and each publication. The run's peak is the highest of them.

Prints a stage table and totals and writes ``bench/results/pipeline_1m.json`` (or
``pipeline_<rows>.json`` for other sizes; ``--out`` names another). ``--rss-label L`` also keeps the
run's stages, seconds and memory under ``runs[L]`` of ``bench/results/pipeline_<rows>_rss.json``
(``pipeline_1m_rss.json`` at 1M), beside the runs with other labels (before and after a change).
Run it against your own hub (``DGTI_HUB_DIR`` and the ``DGTI_HUB_*_PORT`` settings) when another
one is in use.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
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


def _status_mb(key: str) -> int:
    found = re.search(rf"^{key}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(found.group(1)) // 1024 if found else 0


class Memory:
    """Resident memory of this process from ``/proc/self/status``: the peak since the last
    ``reset`` (``VmHWM``; writing 5 to ``clear_refs`` resets it to the current size) and now
    (``VmRSS``). The run's peak is kept here, since resetting also resets ``ru_maxrss``."""

    def __init__(self) -> None:
        self.run_peak = 0

    def peak(self) -> int:
        mb = _status_mb("VmHWM")
        self.run_peak = max(self.run_peak, mb)
        return mb

    def now(self) -> int:
        return _status_mb("VmRSS")

    def reset(self) -> None:
        self.peak()
        Path("/proc/self/clear_refs").write_text("5")


GAP_MB = 20


class Stages:
    """Wall time and resident memory per stage, by wrapping the functions ``process_file`` calls;
    the peak between two stages goes to ``between … and <next stage>``."""

    def __init__(self, memory: Memory) -> None:
        self.memory = memory
        self.seconds: Counter[str] = Counter()
        self.peak_mb: dict[str, int] = {}
        self.after_mb: dict[str, int] = {}
        self.order: list[str] = []
        self.last = "start"

    def _note_peak(self, name: str, mb: int) -> None:
        if name not in self.order:
            self.order.append(name)
        self.peak_mb[name] = max(self.peak_mb.get(name, 0), mb)

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            gap = f"between {self.last} and {name}"
            if self.last == name:
                self._note_peak(name, self.memory.peak())  # one stage called twice in a row
            else:
                self._note_peak(gap, self.memory.peak())
                self.after_mb[gap] = self.memory.now()
            self.memory.reset()
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
                self._note_peak(name, self.memory.peak())
                self.after_mb[name] = self.memory.now()
                self.memory.reset()
                self.last = name
        return timed

    def rows(self) -> list[dict[str, Any]]:
        """One row per stage, and per gap between two stages whose peak rose over the RSS it
        started at by ``GAP_MB`` or more (the gaps' code is not wrapped: slicing, say)."""
        out = []
        for name in self.order:
            row: dict[str, Any] = {"stage": name}
            if name.startswith("between "):
                before = name.removeprefix("between ").rsplit(" and ", 1)[0]
                if self.peak_mb[name] - self.after_mb.get(before, 0) < GAP_MB:
                    continue
            else:
                row["seconds"] = round(self.seconds[name], 3)
            out.append({**row, "peak_rss_mb": self.peak_mb[name], "rss_after_mb": self.after_mb[name]})
        return out


def run_pipeline(source: Path, out_root: Path, memory: Memory) -> tuple[Any, Stages, float]:
    from dgti_data.anonymise import AnonymisedTable
    from dgti_data.app import process as pipeline
    from dgti_data.datasets import load_catalog
    from dgti_data.publish.bundle import PublicationBundle
    from dgti_data.settings import get_settings

    stages = Stages(memory)
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
        memory.reset()
        start = time.perf_counter()
        outcome = pipeline.process_file(source, catalog, out_root, key=key)
        total = time.perf_counter() - start
        stages._note_peak(f"between {stages.last} and the end", memory.peak())
        stages.after_mb[f"between {stages.last} and the end"] = memory.now()
    finally:
        for name, fn in saved.items():
            setattr(pipeline, name, fn)
        AnonymisedTable.write, PublicationBundle.save = write, save  # type: ignore[method-assign]
    return outcome, stages, total


def publish_once(out_root: Path, namespace: str, memory: Memory) -> dict[str, Any]:
    from dgti_data.app import connect, publish_all
    from dgti_data.datasets import load_catalog
    from dgti_data.publish import find_bundles

    catalog = load_catalog(ROOT / "schemas")
    target = connect(namespace=namespace)
    counter = target.portal.counter
    reads0, writes0, by0 = counter.reads, counter.writes, Counter(counter.by_action)
    memory.reset()
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
        "peak_rss_mb": memory.peak(),
        "rss_after_mb": memory.now(),
    }


def keep_rss(path: Path, label: str, doc: dict[str, Any]) -> None:
    """This run's stages, seconds and memory as ``runs[label]`` of ``path``, other labels kept."""
    from bench.stamp import write

    kept = json.loads(path.read_text()) if path.exists() else {}
    runs = kept.get("runs", {})
    runs[label] = {key: doc[key] for key in (
        "run", "rows", "rows_published", "stages", "pipeline_seconds", "pipeline_peak_rss_mb",
        "publish_first", "publish_unchanged", "peak_rss_mb", "published_csv_sha256",
    ) if key in doc}
    out = {"about": "bench/pipeline_1m.py per stage: seconds, peak RSS while it ran (VmHWM reset "
                    "before each stage) and RSS after it, one run per label", "runs": runs}
    out["run"] = doc["run"]  # write() wants a stamped document; each run keeps its own stamp too
    write(path, out)


def sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--namespace", default=None,
                        help="dataset-name suffix on the hub (default: a fresh one per run)")
    parser.add_argument("--skip-publish", action="store_true")
    parser.add_argument("--out", default=None, help="results file name in bench/results/")
    parser.add_argument("--rss-label", default=None,
                        help="also keep this run under runs[LABEL] of pipeline_<rows>_rss.json")
    args = parser.parse_args()

    from bench.stamp import stamped, write
    from dgti_data.settings import get_settings

    source = raw_export(args.rows)
    out_root = DATA / f"pipeline-out-{args.rows}"
    shutil.rmtree(out_root, ignore_errors=True)
    memory = Memory()

    doc: dict[str, Any] = {}
    with stamped(doc):
        outcome, stages, pipeline_s = run_pipeline(source, out_root, memory)
        if not outcome.publishable:
            raise SystemExit(f"not publishable: see {outcome.json_report}")
        rows_published = outcome.summary.rows_published
        data_csv = outcome.data_csv
        print(f"pipeline: {pipeline_s:.1f} s, {rows_published:,} rows publishable", flush=True)

        doc.update({
            "rows": args.rows,
            "rows_published": rows_published,
            "raw_file_bytes": source.stat().st_size,
            "stages": stages.rows(),
        })
        other = pipeline_s - sum(stages.seconds.values())
        doc["stages"].append({"stage": "other (dataset detection, slicing)", "seconds": round(other, 3)})
        doc["pipeline_seconds"] = round(pipeline_s, 3)
        doc["pipeline_peak_rss_mb"] = memory.run_peak
        doc["published_csv_sha256"] = sha256(data_csv)
        # The application keeps a file's summary, not its tables, once the file is processed
        # (``app.folder.FileReport``): so does the benchmark before it publishes.
        del outcome
        gc.collect()

        if not args.skip_publish:
            s = get_settings()
            namespace = args.namespace or f"b{int(time.time())}"
            print(f"publishing to {s.ckan_url or s.hub_dir} (namespace {namespace}) ...", flush=True)
            first = publish_once(out_root, namespace, memory)
            if first["status"] != ["published"]:
                raise SystemExit(f"first publication: {first['status']}")
            print(f"first publication: {first['seconds']:.1f} s, {first['writes']} writes "
                  f"({first['calls_by_action']})", flush=True)
            again = publish_once(out_root, namespace, memory)
            print(f"unchanged re-run: {again['seconds']:.2f} s, {again['writes']} writes", flush=True)
            doc["namespace"] = namespace
            doc["publish_first"] = first
            doc["publish_unchanged"] = again
            doc["unchanged_vs_first_publish"] = round(again["seconds"] / first["seconds"], 4)
            doc["total_seconds"] = round(pipeline_s + first["seconds"], 3)
            doc["unchanged_vs_first_total"] = round(again["seconds"] / doc["total_seconds"], 4)
            doc["datastore_rows_per_s"] = round(rows_published / first["seconds"])
        doc["peak_rss_mb"] = memory.run_peak

    print(f"\n{'stage':48} {'seconds':>9} {'share':>6} {'peak MB':>8} {'after MB':>8}")
    total = doc.get("total_seconds", pipeline_s)
    rows_out = list(doc["stages"])
    if "publish_first" in doc:
        rows_out.append({"stage": "publish (first)", **doc["publish_first"]})
        rows_out.append({"stage": "publish (unchanged)", **doc["publish_unchanged"]})
    for row in rows_out:
        sec = row.get("seconds")
        timing = f"{sec:>9.2f} {sec / total:>6.1%}" if sec is not None else " " * 16
        peak, after = row.get("peak_rss_mb", ""), row.get("rss_after_mb", "")
        print(f"{row['stage'][:48]:48} {timing} {peak:>8} {after:>8}")
    print(f"{'pipeline (process_file)':48} {pipeline_s:>9.2f}")
    if "publish_first" in doc:
        print(f"{'total, publication included':48} {total:>9.2f}")
        a = doc["publish_unchanged"]
        print(f"{'unchanged re-run of the publication':48} {a['seconds']:>9.2f}   "
              f"{a['writes']} writes, {doc['unchanged_vs_first_publish']:.1%} of the first "
              f"publication, {doc['unchanged_vs_first_total']:.1%} of the whole first run")
    print(f"peak RSS {doc['peak_rss_mb']} MB (pipeline {doc['pipeline_peak_rss_mb']} MB); "
          f"published CSV sha256 {doc['published_csv_sha256']}")
    size = "1m" if args.rows == 1_000_000 else str(args.rows)
    name = args.out or f"pipeline_{size}.json"
    write(ROOT / "bench" / "results" / name, doc)
    print(f"wrote bench/results/{name}")
    if args.rss_label:
        keep_rss(ROOT / "bench" / "results" / f"pipeline_{size}_rss.json", args.rss_label, doc)
        print(f"kept as runs[{args.rss_label!r}] in bench/results/pipeline_{size}_rss.json")


if __name__ == "__main__":
    main()
