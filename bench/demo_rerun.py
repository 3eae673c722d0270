"""The demo's unchanged second run: a temporary Prefect server per run vs a running local one.

    python bench/demo_rerun.py [--runs 2] [--rows 1000]

Without ``PREFECT_API_URL`` a flow run starts a temporary Prefect server and stops it at the end;
since ``DGTI_PREFECT_PORT`` (``dgti_data.orchestration.use_local_prefect_server``) the main job uses
a Prefect server already answering on that port (``./dev demo`` leaves one running). This bench
makes the demo's drop folder (the same samples as ``./dev demo``), publishes it once to the hub of
the environment under a namespace of its own, then times the unchanged second run of the main job
(``python -m flows.local_digital DROP RESULTS --auto-approve``, wall time of the whole command,
as a user waits for it), alternating:

- ``temporary``: nothing listens on ``DGTI_PREFECT_PORT``: Prefect starts a temporary server;
- ``running``: a Prefect server started by this bench listens there, found without
  ``PREFECT_API_URL``.

Each run must exit 0 with 0 write calls in its table. Prefect's state lives in a temporary
``PREFECT_HOME``; the datasets are purged at the end. Results in ``bench/results/demo_rerun.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent

from bench.stamp import RESULTS, stamped, write  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_drop(drop: Path, rows: int) -> None:
    """The demo's two raw exports (``./dev demo``): Excel submissions, a cp874 CSV survey."""
    cli = str(BIN / "dgti-data")
    subprocess.run([cli, "sample", "--dataset", "local-digital-submissions", "--format", "xlsx",
                    "--rows", str(rows), "--out", str(drop)], check=True, capture_output=True)
    subprocess.run([cli, "sample", "--dataset", "lao-digital-readiness-survey", "--format", "csv-cp874",
                    "--rows", str(rows), "--error-rate", "0", "--out", str(drop)], check=True,
                   capture_output=True)


def main_job(env: dict[str, str], drop: Path, results: Path) -> tuple[float, int]:
    """Seconds the main job took and the write calls its table totals; raises if it failed."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flows.local_digital", str(drop), str(results),
                           "--auto-approve"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900)
    seconds = round(time.perf_counter() - start, 2)
    if done.returncode != 0:
        raise RuntimeError(f"main job exited {done.returncode}:\n{done.stderr[-3000:]}")
    total = [line for line in done.stdout.splitlines() if line.startswith("รวม / total")]
    return seconds, int(re.split(r"\s{2,}", total[-1])[2].replace(",", ""))


@contextlib.contextmanager
def prefect_server(env: dict[str, str], port: int, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port",
                                 str(port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            from dgti_data.orchestration import prefect_server_healthy

            deadline = time.monotonic() + 180
            while not prefect_server_healthy(f"http://127.0.0.1:{port}/api"):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"the Prefect server did not start: {log}")
                time.sleep(0.5)
            yield
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def summary(seconds: list[float]) -> dict[str, Any]:
    return {"runs_s": seconds, "median_s": round(statistics.median(seconds), 2),
            "min_s": min(seconds), "max_s": max(seconds)}


def purge(names: list[str]) -> None:
    from dgti_data.ckan import CkanClient, NotFound
    from dgti_data.settings import get_settings

    hub = get_settings().hub_connection()
    if hub is None:
        return
    client = CkanClient(hub.ckan_url, hub.sysadmin_token, timeout=60)
    for name in names:
        with contextlib.suppress(NotFound):
            client.dataset_purge(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="timed second runs per mode")
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()

    from dgti_data.datasets import load_catalog
    from dgti_data.publish.metadata import package_name
    from dgti_data.settings import get_settings

    settings = get_settings()
    hub = settings.hub_connection()
    if hub is None and not settings.ckan_url:
        print("no hub: run `dgti-data hub up` first", file=sys.stderr)
        return 2
    namespace = f"bench-rerun-{os.getpid()}"
    port = free_port()
    doc: dict[str, Any] = {"what": "the demo's unchanged second run of the main job (wall time of "
                           "`python -m flows.local_digital ... --auto-approve`), with a temporary Prefect "
                           "server vs a running local one found on DGTI_PREFECT_PORT",
                           "rows_per_file": args.rows, "runs_per_mode": args.runs}
    with tempfile.TemporaryDirectory(prefix="dgti-bench-rerun-") as tmp, stamped(doc):
        work = Path(tmp)
        drop, results = work / "drop", work / "results"
        demo_drop(drop, args.rows)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env |= {"PREFECT_HOME": str(work / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1", "DGTI_CKAN_NAMESPACE": namespace, "DGTI_PREFECT_PORT": str(port),
                # Prefect gives a temporary server 20 s to start; a busy 2-core machine needs more.
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
                "PREFECT_API_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{work}/prefect.db"}
        env.setdefault("DGTI_PSEUDONYMISATION_KEY", "bench-key-not-a-secret-0123456789")
        org = settings.ckan_organization or (hub.organization if hub else "")
        names = [package_name(n, org, namespace) for n in load_catalog(settings.schemas_dir).names()]
        try:
            first, first_writes = main_job(env, drop, results)
            print(f"first run (temporary server): {first} s, {first_writes} writes", flush=True)
            timed: dict[str, list[float]] = {"temporary": [], "running": []}
            writes: dict[str, list[int]] = {"temporary": [], "running": []}
            for _ in range(args.runs):
                seconds, n = main_job(env, drop, results)
                timed["temporary"].append(seconds)
                writes["temporary"].append(n)
                with prefect_server(env, port, work / "server.log"):
                    seconds, n = main_job(env, drop, results)
                timed["running"].append(seconds)
                writes["running"].append(n)
                print(f"second run: temporary {timed['temporary'][-1]} s, running {seconds} s", flush=True)
        finally:
            purge(names)
        if any(n for ns in writes.values() for n in ns):
            raise RuntimeError(f"an unchanged re-run wrote: {writes}")
        doc["first_run_s"], doc["first_run_writes"] = first, first_writes
        doc["temporary_server"] = summary(timed["temporary"]) | {"writes": writes["temporary"]}
        doc["running_server"] = summary(timed["running"]) | {"writes": writes["running"]}
        doc["speedup"] = round(doc["temporary_server"]["median_s"] / doc["running_server"]["median_s"], 2)
        doc["saved_s"] = round(doc["temporary_server"]["median_s"] - doc["running_server"]["median_s"], 2)
    path = write(RESULTS / "demo_rerun.json", doc)
    print(f"median: temporary {doc['temporary_server']['median_s']} s, running "
          f"{doc['running_server']['median_s']} s ({doc['speedup']}x); {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
