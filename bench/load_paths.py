"""The same 1M-row publication by each DataStore load path, on one hub, in one run.

    python bench/load_paths.py [--bundle DIR] [--paths bulk,xloader,upsert]

The bundle is the pipeline's 1M-row output for ``bench/pipeline_1m.py``'s raw export (made with
``pipeline_1m.py --skip-publish`` when missing, which rewrites ``bench/results/pipeline_1m.json``:
restore it with ``git checkout``). Its CSV spells ``has_website`` as offices do (มี, ใช่, ไม่มี),
which XLoader cannot type as a boolean, so the publisher would not take the XLoader path for it
(``xloader.unsuitable``): every path here loads a copy with the booleans spelt true/false, the
same file for all three. Needs a hub with XLoader (``DGTI_HUB_XLOADER=1``) and our bulk
plugin on, so that all three paths run against the same CKAN, PostgreSQL and file:

- ``bulk``: the publisher as it is (the portal offers ckanext-dgti's ``dgti_datastore_load``);
- ``xloader``: the publisher on a view of the portal without ``dgti_bulk`` (what an agency's portal
  offers): typed table, XLoader job, checks (``publish.xloader``);
- ``upsert``: a view without either: ``datastore_upsert`` batches.

Each is a first publication under a fresh namespace through ``app.publish_all``; the data resource's
step (upload, load, checks, marker) is timed apart from the whole. With ``dgti_bulk`` on, the hub's
XLoader loads only what is submitted, so the XLoader path submits its job itself (on a portal where
the upload starts it, the publisher waits for that one instead: the same job). Every table is
checked (rows, types) and purged afterwards. Writes ``bench/results/load_paths.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "results" / "load_paths.json"
DATA = ROOT / "bench" / "results" / "data"  # gitignored
HIDDEN = {"bulk": frozenset(), "xloader": frozenset({"bulk"}), "upsert": frozenset({"bulk", "xloader"})}


def with_plain_booleans(bundle: Any, folder: Path, rows: int) -> Any:
    """The bundle's first ``rows`` rows with their boolean cells spelt ``true``/``false`` (the rest
    of each row as it is)."""
    from dgti_data.publish import bundle_from_files
    from dgti_data.publish import datastore as ds

    conv = ds.RecordConverter(bundle.table_schema)
    bools = [name for name, kind in conv.types.items() if kind == "bool"]
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / bundle.data_csv.name
    with bundle.data_csv.open(encoding="utf-8", newline="") as src, \
            out.open("w", encoding="utf-8", newline="") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        at = {header.index(name): name for name in bools}
        for n, row in enumerate(reader):
            if n == rows:
                break
            for i, name in at.items():
                if row[i] in conv.true[name]:
                    row[i] = "true"
                elif row[i] in conv.false[name]:
                    row[i] = "false"
            writer.writerow(row)
    return bundle_from_files(bundle.dataset, out, bundle.reports, table_schema=bundle.table_schema)


def publish_by(path: str, bundle: Any, hub: Any, settings: Any, namespace: str) -> dict[str, Any]:
    from dgti_data.app import publish_all
    from dgti_data.ckan import CkanClient
    from dgti_data.publish import Portal, Target, apply

    class View(Portal):
        def loaders(self) -> frozenset[str]:  # what the portal offers, less the loaders hidden
            return super().loaders() - HIDDEN[path]

    client = CkanClient(hub.ckan_url, hub.editor_token, timeout=600, long_timeout=7200)
    target = Target(View(client), hub.organization, namespace, lock_dir=settings.lock_dir)
    step_s: list[float] = []
    original = apply._data_resource

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            step_s.append(time.perf_counter() - start)

    apply._data_resource = wrapper  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        (outcome,) = publish_all([bundle], target)
        seconds = time.perf_counter() - start
    finally:
        apply._data_resource = original  # type: ignore[assignment]
    if outcome.status != "published" or outcome.applied is None:
        raise SystemExit(f"{path}: {outcome.status}: {outcome.error}")
    applied = outcome.applied
    if applied.datastore_load != path:
        raise SystemExit(f"{path}: the publisher took {applied.datastore_load} ({applied.warnings})")
    data = next(r for r in applied.package["resources"] if r.get("dgti_key") == "data")  # type: ignore[index]
    table = client.datastore_search(resource_id=data["id"], limit=0)
    rows = bundle.rows
    assert table["total"] == rows, (table["total"], rows)
    types = {f["id"]: f["type"] for f in table["fields"] if f["id"] != "_id"}
    return {"path": path, "dataset": outcome.name, "publish_s": round(seconds, 3),
            "data_step_s": round(step_s[0], 3), "rows_per_s": round(rows / step_s[0]),
            "writes": client.counter.write_actions, "rows": table["total"], "types": types,
            "warnings": applied.warnings}


def purge(admin: Any, name: str) -> None:
    from dgti_data.ckan import NotFound

    with contextlib.suppress(NotFound):
        for res in admin.package_show(name)["resources"]:
            with contextlib.suppress(NotFound):
                admin.call("datastore_delete", resource_id=res["id"], force=True)
        admin.dataset_purge(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=None, help="folder holding publication.json")
    parser.add_argument("--paths", default="bulk,xloader,upsert")
    parser.add_argument("--rows", type=int, default=1_000_000, help="the file's first ROWS rows")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from bench.datastore_load import bundle_dir
    from bench.stamp import load_average, stamped, write
    from dgti_data.ckan import CkanClient
    from dgti_data.datasets import load_catalog
    from dgti_data.publish import find_bundles
    from dgti_data.publish.metadata import package_name
    from dgti_data.settings import get_settings

    settings = get_settings()
    hub = settings.hub_connection()
    if hub is None:
        raise SystemExit("no local hub: DGTI_HUB_XLOADER=1 dgti-data hub up")
    admin = CkanClient(hub.ckan_url, hub.sysadmin_token, timeout=600)
    missing = {"dgti_bulk", "xloader"} - admin.extensions()
    if missing:
        raise SystemExit(f"the hub lacks {sorted(missing)}: DGTI_HUB_XLOADER=1 dgti-data hub up")
    (original,) = find_bundles(bundle_dir(args.bundle), load_catalog(ROOT / "schemas"))
    bundle = with_plain_booleans(original, DATA / f"load-paths-{args.rows}", args.rows)
    doc: dict[str, Any] = {"rows": bundle.rows, "csv_bytes": bundle.data_csv.stat().st_size,
                           "note": "has_website spelt true/false (the pipeline's CSV: มี/ใช่/ไม่มี/ไม่ใช่)",
                           "hub_fts_column_indexes": settings.hub_fts_column_indexes}
    stamp = f"{int(time.time())}"
    with stamped(doc):
        for path in args.paths.split(","):
            before = load_average()
            print(f"{path}: publishing {bundle.rows:,} rows ...", flush=True)
            namespace = f"bench-{path}-{stamp}"
            try:
                result = publish_by(path, bundle, hub, settings, namespace)
            finally:  # purging a dataset leaves its DataStore tables behind
                purge(admin, package_name(bundle.dataset.name, hub.organization, namespace))
            result["load_average_before"], result["load_average_after"] = before, load_average()
            doc[path] = result
            print(f"{path}: data step {result['data_step_s']:.1f} s ({result['rows_per_s']:,} rows/s), "
                  f"publication {result['publish_s']:.1f} s, load average {result['load_average_after']}",
                  flush=True)
    doc["ratios"] = {f"{a}_vs_{b}": round(doc[a]["rows_per_s"] / doc[b]["rows_per_s"], 2)
                     for a, b in (("bulk", "xloader"), ("xloader", "upsert"), ("bulk", "upsert"))
                     if a in doc and b in doc}
    for name, value in doc["ratios"].items():
        print(f"{name}: {value:.2f}x")
    write(args.out, doc)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
