"""A nightly change of 1 % of a big dataset's rows: rows written by key (upsert) vs the whole table again.

    python bench/incremental_publish.py [--rows 1000000] [--share 0.01]

On the local hub (or ``DGTI_CKAN_URL``): publishes a generated dataset of ``--rows`` rows (the
published schema of the contest submissions, example values), then a version where ``--share`` of
the rows changed (the rows of a few provinces' offices: a cell changed, keys kept). What the
publisher chooses for that (``publish.apply``: a sync below ``BULK_SYNC_SHARE`` writes only the
changed rows, ``datastore_upsert`` by primary key) is timed against the full republication of the
same change (the bulk load of the whole table, forced). Writes bench/results/incremental_publish.json
(``incremental_publish_<rows>.json`` for other sizes) with time, write calls and calls by action.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DGTI_PSEUDONYMISATION_KEY", "bench-key-not-a-secret-0123456789")

DATASET = "local-digital-submissions"


def change_rows(data_csv: Path, share: float, round_no: int) -> int:
    """Change one cell of the rows of the first provinces, up to ``share`` of the rows."""
    with data_csv.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    target = int(len(rows) * share)
    by_province = Counter(r["province_code"] for r in rows)
    chosen: set[str] = set()
    for province, n in sorted(by_province.items()):
        if sum(by_province[p] for p in chosen) + n > target and chosen:
            break
        chosen.add(province)
    changed = 0
    for r in rows:
        if r["province_code"] in chosen and changed < target:
            r["project_title"] = f"{r['project_title']} (แก้ไขรอบ {round_no})"
            changed += 1
    with data_csv.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return changed


def publish(folder: Path, namespace: str, force_bulk: bool = False) -> dict[str, Any]:
    from dgti_data.app import connect, publish_all
    from dgti_data.datasets import load_catalog
    from dgti_data.publish import find_bundles, loadpath

    target = connect(namespace=namespace)
    counter = target.portal.counter
    writes0, by0 = counter.writes, Counter(counter.by_action)
    bundles = find_bundles(folder, load_catalog(ROOT / "schemas"))
    whole = mock.patch.object(loadpath, "BULK_SYNC_SHARE", 0.0)  # any change over a batch: the whole table
    forced = whole if force_bulk else contextlib.nullcontext()
    start = time.perf_counter()
    with forced:
        outcomes = publish_all(bundles, target, approve=lambda waiting: [o.dataset for o in waiting])
    seconds = time.perf_counter() - start
    by = Counter(counter.by_action)
    by.subtract(by0)
    return {"seconds": round(seconds, 2), "status": [o.status for o in outcomes],
            "writes": counter.writes - writes0, "calls_by_action": {k: v for k, v in sorted(by.items()) if v}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.01)
    parser.add_argument("--work", type=Path, default=Path("/var/tmp/dgti-bench-incremental"))
    args = parser.parse_args()

    from bench.stamp import RESULTS, stamped, write
    from dgti_data.datasets import load_catalog
    from dgti_data.publish.examples import example_bundle

    folder = args.work / f"bundle-{args.rows}"
    bundle = example_bundle(load_catalog(ROOT / "schemas").get(DATASET), folder, rows=args.rows, seed=1)
    namespace = f"inc{int(time.time())}"
    doc: dict[str, Any] = {"bench": "incremental_publish", "rows": args.rows, "share": args.share,
                           "namespace": namespace}
    with stamped(doc):
        doc["first"] = publish(folder, namespace)
        print("first publication", doc["first"], flush=True)
        doc["changed_rows"] = change_rows(bundle.data_csv, args.share, 1)
        doc["incremental"] = publish(folder, namespace)
        print(f"{doc['changed_rows']:,} rows changed, rows by key:", doc["incremental"], flush=True)
        change_rows(bundle.data_csv, args.share, 2)
        doc["full_republication"] = publish(folder, namespace, force_bulk=True)
        print("the same change, whole table again:", doc["full_republication"], flush=True)
        doc["incremental_vs_full_seconds"] = round(
            doc["incremental"]["seconds"] / doc["full_republication"]["seconds"], 3)
    name = "incremental_publish.json" if args.rows == 1_000_000 else f"incremental_publish_{args.rows}.json"
    write(RESULTS / name, doc)


if __name__ == "__main__":
    main()
