"""Time from ``dgti-data hub up`` to a ready hub, in the states a developer meets it in.

    python bench/hub_startup.py [--runs N] [--purge]

- already running: ``hub up`` finds everything up and checks it;
- after ``hub down``: the processes start again on the kept state;
- ``--purge`` (destroys the hub's state, ``DGTI_HUB_DIR``): caches warm (CKAN's virtualenv and
  Solr's jars in ``DGTI_CACHE_DIR``), state purged: databases, Solr core and accounts made anew.

Uses the hub of the environment (its ``DGTI_HUB_*`` ports and folder); leaves it up. Results in
``bench/results/hub_startup.json``, stamped with the machine, its load and the commit. Not timed:
a first run with empty caches (it downloads CKAN and Solr, and would empty a cache others share).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CLI = Path(sys.executable).parent / "dgti-data"


def hub(action: str) -> float:
    """Seconds ``dgti-data hub <action>`` took; raises if it failed."""
    start = time.perf_counter()
    subprocess.run([str(CLI), "hub", action], check=True, capture_output=True, timeout=900)
    return round(time.perf_counter() - start, 2)


def summary(seconds: list[float]) -> dict[str, Any]:
    return {"runs_s": seconds, "median_s": round(statistics.median(seconds), 2),
            "min_s": min(seconds), "max_s": max(seconds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each state")
    parser.add_argument("--purge", action="store_true", help="also time a start from purged state")
    args = parser.parse_args()

    from bench.stamp import RESULTS, stamped, write
    from dgti_data.settings import get_settings

    hub("up")  # whatever state it was in, it is up now: not timed
    doc: dict[str, Any] = {"benchmark": "hub_startup", "runs": args.runs}
    with stamped(doc):
        doc["already_running"] = summary([hub("up") for _ in range(args.runs)])
        after_down = []
        for _ in range(args.runs):
            hub("down")
            after_down.append(hub("up"))
        doc["after_down"] = summary(after_down)
        if args.purge:
            purged = []
            for _ in range(args.runs):
                hub("down")
                shutil.rmtree(get_settings().hub_dir)
                purged.append(hub("up"))
            doc["state_purged"] = summary(purged)
    doc["after_down_vs_already_running"] = round(doc["after_down"]["median_s"]
                                                 / doc["already_running"]["median_s"], 1)
    out = write(RESULTS / "hub_startup.json", doc)
    for state in ("already_running", "after_down", "state_purged"):
        if state in doc:
            print(f"{state:16} {doc[state]['min_s']}-{doc[state]['max_s']} s "
                  f"(median {doc[state]['median_s']} s)")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
