"""DataStore load of one published 1M-row CSV on the local hub: our bulk path against XLoader.

    python bench/datastore_load.py [--bundle DIR] [--runs 3] [--xloader-runs 2] [--slice 100000]
                                   [--interleave]

The bundle is the pipeline's output for ``bench/pipeline_1m.py``'s raw export
(``bench/results/data/pipeline-out-1000000``; made with the pipeline when missing). Its CSV is
uploaded once as a resource of a private dataset under a fresh namespace, then loaded:

(a) bulk: ``datastore_create`` (types, primary key, data dictionary, no rows) then one
    ``dgti_datastore_load`` call (the hub's plugin, COPY); ``--runs`` times, a fresh table each;
(b) XLoader (hub started with ``DGTI_HUB_XLOADER=true``): ``xloader_submit``, ``xloader_status``
    polled until complete, its own log timestamps kept; all columns text (its default), then with
    a data dictionary ``type_override`` (numeric for numbers and integers, timestamp for dates,
    the rest text: booleans spelt ``ใช่``/``มี`` and ``-`` are not PostgreSQL's);
(c) the ``datastore_upsert`` path the pipeline takes on portals without the plugin
    (``apply._load_rows``: 5,000-row batches, two in flight) on the first ``--slice`` rows, and the
    bulk path on that same slice.

Every load is checked: row count, column types, and a ``q=`` full-text search finding a row.
Prints a table and writes ``bench/results/datastore_load.json``. Uses the hub the settings name
(``DGTI_HUB_DIR`` and ports), with the organisation editor's token (XLoader's status: sysadmin).
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "results" / "data"
OUT = ROOT / "bench" / "results" / "datastore_load.json"
ROWS = 1_000_000


def bundle_dir(arg: Path | None) -> Path:
    """The pipeline's 1M-row bundle: ``--bundle``, else ours, else made by bench/pipeline_1m.py."""
    if arg is not None:
        return arg
    ours = DATA / f"pipeline-out-{ROWS}"
    if not any(ours.glob("*/publication.json")):
        subprocess.run([sys.executable, str(ROOT / "bench" / "pipeline_1m.py"), "--skip-publish"],
                       check=True)
    return ours


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - start


def column_types(client: Any, rid: str) -> dict[str, str]:
    fields = client.datastore_search(resource_id=rid, limit=0)["fields"]
    return {f["id"]: f["type"] for f in fields if f["id"] != "_id"}


def check(client: Any, rid: str, rows: int, probe: str) -> dict[str, Any]:
    """Row count, types and a full-text hit, as citizens' API calls see them."""
    total = client.datastore_search(resource_id=rid, limit=0)["total"]
    hits = client.datastore_search(resource_id=rid, q=probe, limit=1)
    assert total == rows, (total, rows)
    assert hits["records"], f"q={probe!r} found nothing"
    return {"rows": total, "q_finds": probe, "types": column_types(client, rid)}


def reset_table(client: Any, rid: str) -> None:
    from dgti_data.ckan import NotFound

    with contextlib.suppress(NotFound):
        client.call("datastore_delete", resource_id=rid, force=True)


def bulk_run(client: Any, rid: str, bundle: Any, rows: int) -> dict[str, Any]:
    from dgti_data.publish import datastore as ds
    from dgti_data.publish.apply import BULK_ACTION

    fields, pk = ds.datastore_fields(bundle.table_schema), ds.primary_key(bundle.table_schema)
    reset_table(client, rid)
    _, create_s = timed(client.datastore_create, resource_id=rid, force=True, fields=fields,
                        primary_key=pk, records=[])
    result, load_s = timed(client.call, BULK_ACTION, resource_id=rid,
                           **ds.load_conversions(bundle.table_schema))
    assert result["rows"] == rows, result
    return {"seconds": round(create_s + load_s, 3), "create_s": round(create_s, 3),
            "load_call_s": round(load_s, 3), "server_phases_s": result["seconds"]}


def upsert_run(client: Any, rid: str, bundle: Any, csv_path: Path) -> dict[str, Any]:
    from dgti_data.publish import Portal
    from dgti_data.publish import datastore as ds
    from dgti_data.publish.apply import BATCH_ROWS, _load_rows
    from dgti_data.publish.steps import DatastoreStep, RowChanges

    fields, pk = ds.datastore_fields(bundle.table_schema), ds.primary_key(bundle.table_schema)
    reset_table(client, rid)
    step = DatastoreStep("create", fields, pk, "", RowChanges(0, 0))
    records = ds.read_records(csv_path, bundle.table_schema)
    _, seconds = timed(_load_rows, Portal(client), rid, step, records, BATCH_ROWS, True)
    return {"seconds": round(seconds, 3), "calls": client.counter.write_actions}


def xloader_logs(status: dict[str, Any]) -> dict[str, float]:
    """Phase times from XLoader's own log lines (their timestamps)."""
    logs = (status.get("task_info") or {}).get("logs") or []
    stamps = [(datetime.fromisoformat(e["timestamp"]), e["message"]) for e in logs if e.get("timestamp")]
    if not stamps:
        return {}
    first = stamps[0][0]
    out: dict[str, float] = {}
    marks = {"copying": "Copying to database", "copied": "copying done",
             "indexing": "Creating search index", "indexed": "search index created",
             "finished": "Finished"}
    for key, text in marks.items():
        hit = next((t for t, m in stamps if text.lower() in m.lower()), None)
        if hit is not None:
            out[key] = round((hit - first).total_seconds(), 3)
    if "copied" in out and "copying" in out:
        out["copy_s"] = round(out["copied"] - out["copying"], 3)
    if "indexed" in out and "indexing" in out:
        out["full_text_s"] = round(out["indexed"] - out["indexing"], 3)
    out["log_span_s"] = round((stamps[-1][0] - first).total_seconds(), 3)
    return out


def xloader_run(client: Any, admin: Any, rid: str, overrides: dict[str, str] | None,
                fields: list[dict[str, Any]]) -> dict[str, Any]:
    """One XLoader load; with ``overrides``, a data dictionary asking for those column types."""
    reset_table(client, rid)
    if overrides is not None:
        typed = [{"id": f["id"], "type": "text", "info": {**f.get("info", {}),
                                                          "type_override": overrides[f["id"]]}}
                 for f in fields]
        client.datastore_create(resource_id=rid, force=True, fields=typed, records=[])
    start = time.perf_counter()
    client.call("xloader_submit", resource_id=rid, ignore_hash=True)
    status: dict[str, Any] = {}
    while time.perf_counter() - start < 3600:
        time.sleep(0.5)
        status = admin.call("xloader_status", resource_id=rid)
        if status.get("status") in ("complete", "error"):
            break
    seconds = time.perf_counter() - start
    if status.get("status") != "complete":
        errors = (status.get("task_info") or {}).get("error")
        raise RuntimeError(f"XLoader did not complete: {status.get('status')}: {errors}")
    return {"seconds": round(seconds, 3), "xloader_log_s": xloader_logs(status)}


XLOADER_OVERRIDE = {"int4": "numeric", "int8": "numeric", "numeric": "numeric", "date": "timestamp"}


def summary(runs: list[dict[str, Any]], rows: int) -> dict[str, Any]:
    median = statistics.median(r["seconds"] for r in runs)
    return {"runs": runs, "median_s": round(median, 3), "rows_per_s": round(rows / median)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=None, help="folder holding publication.json")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--xloader-runs", type=int, default=2)
    parser.add_argument("--slice", type=int, default=100_000)
    parser.add_argument("--skip-xloader", action="store_true")
    parser.add_argument("--interleave", action="store_true",
                        help="one run of each path per round, instead of each path's runs together")
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSON goes")
    args = parser.parse_args()

    from bench.stamp import stamped, write
    from dgti_data.ckan import CkanClient
    from dgti_data.datasets import load_catalog
    from dgti_data.publish import Portal, find_bundles
    from dgti_data.publish import datastore as ds
    from dgti_data.publish.metadata import package_dict
    from dgti_data.settings import get_settings

    settings = get_settings()
    hub = settings.hub_connection()
    if hub is None:
        raise SystemExit("no local hub: run `dgti-data hub up` (DGTI_HUB_XLOADER=true for XLoader)")
    (bundle,) = find_bundles(bundle_dir(args.bundle), load_catalog(ROOT / "schemas"))
    rows = bundle.rows or sum(1 for _ in bundle.data_csv.open("rb")) - 1
    client = CkanClient(hub.ckan_url, hub.editor_token, timeout=120, long_timeout=3600)
    admin = CkanClient(hub.ckan_url, hub.sysadmin_token, timeout=120)
    xloader = "xloader" in client.extensions()
    if not xloader and not args.skip_xloader:
        print("XLoader is not on this hub (start it with DGTI_HUB_XLOADER=true): skipping it")

    doc: dict[str, Any] = {"rows": rows, "csv_bytes": bundle.data_csv.stat().st_size}
    with stamped(doc):
        name = f"bench-load-{int(time.time())}"
        pkg = client.call("package_create", private=True,
                          **package_dict(bundle.dataset, name, hub.organization))
        portal = Portal(client)
        print(f"uploading {doc['csv_bytes'] / 1e6:.0f} MB ...", flush=True)
        big, upload_s = timed(portal.upload, "resource_create", bundle.data_csv, "data.csv",
                              package_id=pkg["id"], name="data.csv", format="CSV")
        doc["upload_s"] = round(upload_s, 3)
        probe = "ภาคกลาง"
        fields = ds.datastore_fields(bundle.table_schema)
        try:
            paths: dict[str, tuple[int, Any]] = {
                "bulk": (args.runs, lambda: bulk_run(client, big["id"], bundle, rows))}
            if xloader and not args.skip_xloader:
                overrides = {f["id"]: XLOADER_OVERRIDE.get(f["type"], "text") for f in fields}
                paths["xloader_text"] = (args.xloader_runs, lambda: xloader_run(
                    client, admin, big["id"], None, fields))
                paths["xloader_type_override"] = (args.xloader_runs, lambda: xloader_run(
                    client, admin, big["id"], overrides, fields))
            done: dict[str, list[dict[str, Any]]] = {label: [] for label in paths}
            # With --interleave, one run of each path per round: the machine's speed drifts over
            # minutes, and a round's paths see the same machine.
            order = ([label for n in range(max(c for c, _ in paths.values())) for label, (c, _) in
                      paths.items() if n < c] if args.interleave
                     else [label for label, (c, _) in paths.items() for _ in range(c)])
            for label in order:
                run = paths[label][1]()
                run["check"] = check(client, big["id"], rows, probe) if not done[label] else None
                done[label].append(run)
                phases = run.get("server_phases_s") or run.get("xloader_log_s")
                print(f"{label} {len(done[label])}: {run['seconds']:.1f} s {phases}", flush=True)
            for label, runs in done.items():
                doc[label] = summary(runs, rows)
                doc[label]["types"] = runs[0]["check"]["types"]
            doc["interleaved"] = args.interleave
            if args.interleave:
                doc["paired_ratios"] = paired_ratios(doc)

            part = bundle.data_csv.parent / f"slice-{args.slice}.csv"
            with bundle.data_csv.open(encoding="utf-8") as src, part.open("w", encoding="utf-8") as dst:
                for i, line in enumerate(src):
                    if i > args.slice:
                        break
                    dst.write(line)
            small = portal.upload("resource_create", part, "slice.csv", package_id=pkg["id"],
                                  name="slice.csv", format="CSV")
            client.counter.by_action.clear()
            upsert = upsert_run(client, small["id"], bundle, part)
            upsert["check"] = check(client, small["id"], args.slice, probe)
            doc["upsert_slice"] = summary([upsert], args.slice)
            doc["upsert_slice"]["types"] = upsert["check"]["types"]
            print(f"upsert {args.slice:,}: {upsert['seconds']:.1f} s", flush=True)
            runs = [bulk_run(client, small["id"], bundle, args.slice) for _ in range(args.runs)]
            doc["bulk_slice"] = summary(runs, args.slice)
            part.unlink()
        finally:  # purging a dataset leaves its DataStore tables behind
            for res in admin.package_show(name)["resources"]:
                reset_table(admin, res["id"])
            admin.dataset_purge(name)
    doc["ratios"] = ratios(doc)
    report(doc)
    doc["hub_fts_column_indexes"] = settings.hub_fts_column_indexes
    write(args.out, doc)
    print(f"wrote {args.out}")


def ratios(doc: dict[str, Any]) -> dict[str, float]:
    """Same-file speed ratios (rows/s of the first ÷ rows/s of the second)."""
    pairs = {"bulk_vs_xloader_text": ("bulk", "xloader_text"),
             "bulk_vs_xloader_type_override": ("bulk", "xloader_type_override"),
             "bulk_vs_upsert_on_slice": ("bulk_slice", "upsert_slice")}
    return {name: round(doc[a]["rows_per_s"] / doc[b]["rows_per_s"], 2)
            for name, (a, b) in pairs.items() if a in doc and b in doc}


def paired_ratios(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Bulk against each XLoader path round by round (XLoader's seconds ÷ bulk's, same round),
    and their median: the ratio of runs minutes apart, less moved by the machine's drift."""
    bulk = [r["seconds"] for r in doc["bulk"]["runs"]]
    out = {}
    for label in ("xloader_text", "xloader_type_override"):
        if label in doc:
            each = [round(x["seconds"] / b, 2) for b, x in zip(bulk, doc[label]["runs"], strict=False)]
            out[f"bulk_vs_{label}"] = {"rounds": each, "median": round(statistics.median(each), 2)}
    return out


def report(doc: dict[str, Any]) -> None:
    lines = [("bulk (dgti_datastore_load), typed", "bulk"),
             ("XLoader 2.5.2, all text", "xloader_text"),
             ("XLoader 2.5.2, type_override", "xloader_type_override"),
             ("bulk, slice", "bulk_slice"),
             ("datastore_upsert batches, slice", "upsert_slice")]
    print(f"\n{'path':40} {'runs':>4} {'median s':>9} {'rows/s':>9}")
    for label, key in lines:
        if key in doc:
            r = doc[key]
            print(f"{label:40} {len(r['runs']):>4} {r['median_s']:>9.1f} {r['rows_per_s']:>9,}")
    for name, value in doc["ratios"].items():
        print(f"{name}: {value:.2f}x")
    for name, value in doc.get("paired_ratios", {}).items():
        print(f"{name}, round by round: {value['rounds']} (median {value['median']:.2f}x)")
    for key in ("bulk", "xloader_text", "xloader_type_override", "upsert_slice"):
        if key in doc:
            kinds = sorted(set(doc[key]["types"].values()))
            print(f"column types, {key}: {', '.join(kinds)}")
    print(f"load average {doc['run']['load_average_before']} → {doc['run']['load_average_after']}")


if __name__ == "__main__":
    main()
