"""Where the bulk load's index phase goes: each index of a loaded 1M-row table built alone.

    python bench/index_builds.py [--bundle DIR]

Loads the pipeline's 1M-row CSV (``bench/datastore_load.py``'s bundle) once by the bulk path into a
private dataset on the local hub, then rebuilds, one at a time and under a scratch name, every
index CKAN's ``datastore_create`` gave the table: once on one core
(``max_parallel_maintenance_workers = 0``) and, for the GIN indexes, once with PostgreSQL's
parallel build (2 workers). The sum of the one-core times over the machine's cores is the floor of
the index phase however the builds are spread; ``datastore_load.py``'s ``indexes`` phase is what
the load's two lanes take. Writes ``bench/results/index_builds.json``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "results" / "index_builds.json"
ROWS = 1_000_000


def timed_build(paths: Any, table: str, using: str, workers: int) -> float:
    """Seconds to build ``USING <using>`` on ``table`` (then dropped), as the load's lanes set up."""
    from dgti_data.hub.postgres import psql

    start = time.perf_counter()
    psql(paths, f"SET maintenance_work_mem = '512MB'; SET max_parallel_maintenance_workers = {workers};"
                f' CREATE INDEX dgti_bench_index ON "{table}" USING {using};', db="datastore_default")
    seconds = time.perf_counter() - start
    psql(paths, "DROP INDEX dgti_bench_index;", db="datastore_default")
    return round(seconds, 3)


def column_indexes(builds: list[dict[str, Any]]) -> float:
    """One-core seconds of the per-column ``to_tsvector`` indexes together."""
    return round(sum(b["one_core_s"] for b in builds if "to_tsvector" in b["index"]), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bundle", type=Path, default=None, help="folder holding publication.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    from bench.datastore_load import bulk_run, bundle_dir, reset_table
    from bench.stamp import stamped, write
    from dgti_data.ckan import CkanClient
    from dgti_data.datasets import load_catalog
    from dgti_data.hub.layout import HubPaths
    from dgti_data.hub.postgres import psql
    from dgti_data.publish import Portal, find_bundles
    from dgti_data.publish.metadata import package_dict
    from dgti_data.settings import get_settings

    settings = get_settings()
    hub = settings.hub_connection()
    if hub is None:
        raise SystemExit("no local hub: run `dgti-data hub up`")
    paths = HubPaths(settings)
    (bundle,) = find_bundles(bundle_dir(args.bundle), load_catalog(ROOT / "schemas"))
    rows = bundle.rows or sum(1 for _ in bundle.data_csv.open("rb")) - 1
    client = CkanClient(hub.ckan_url, hub.editor_token, timeout=120, long_timeout=3600)
    admin = CkanClient(hub.ckan_url, hub.sysadmin_token, timeout=120)
    doc: dict[str, Any] = {"rows": rows}
    with stamped(doc):
        name = f"bench-index-{int(time.time())}"
        pkg = client.call("package_create", private=True,
                          **package_dict(bundle.dataset, name, hub.organization))
        try:
            res = Portal(client).upload("resource_create", bundle.data_csv, "data.csv", package_id=pkg["id"],
                                        name="data.csv", format="CSV")
            doc["load"] = bulk_run(client, res["id"], bundle, rows)
            print(f"loaded: {doc['load']['server_phases_s']}", flush=True)
            listed = psql(paths, "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' "
                                 f"AND tablename = '{res['id']}' ORDER BY indexname;", db="datastore_default")
            builds = []
            for definition in listed.splitlines():
                using = re.sub(r"^.* USING ", "", definition)
                unique = definition.startswith("CREATE UNIQUE")
                build: dict[str, Any] = {"index": using, "unique": unique,
                                         "one_core_s": timed_build(paths, res["id"], using, 0)}
                if using.startswith("gin"):
                    build["parallel_2_s"] = timed_build(paths, res["id"], using, 2)
                builds.append(build)
                print(build, flush=True)
            doc["builds"] = builds
            one_core = sum(b["one_core_s"] for b in builds)
            doc["one_core_total_s"] = round(one_core, 3)
            doc["one_core_column_indexes_s"] = column_indexes(builds)
            doc["floor_on_cores_s"] = round(one_core / 2, 3)
            doc["load_indexes_phase_s"] = doc["load"]["server_phases_s"]["indexes"]
        finally:  # purging a dataset leaves its DataStore tables behind
            for r in admin.package_show(name)["resources"]:
                reset_table(admin, r["id"])
            admin.dataset_purge(name)
    write(args.out, doc)
    print(f"one core, every index: {doc['one_core_total_s']} s; over 2 cores: {doc['floor_on_cores_s']} s; "
          f"the load's index phase: {doc['load_indexes_phase_s']} s")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
