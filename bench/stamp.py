"""What every results file in ``bench/results/`` records about its run, so that a figure quoted in
the docs can be traced to the machine (CPU model, cores, memory), how busy it was (load average
before and after) and the code (commit, and whether the checkout had changes) that produced it.

    doc = {...}
    with stamped(doc):      # doc["run"] gets the machine, the commit and the load before
        ...                 # the measurements
    write(path, doc)        # after the block: the load after, then the JSON file
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def machine() -> dict[str, Any]:
    """CPU model (``/proc/cpuinfo``), cores, memory and Python of this machine."""
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")),
               platform.processor() or "?")
    mem_kb = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines()
                  if ln.startswith("MemTotal"))
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version()}


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def commit() -> str:
    """The checkout's commit, ``-dirty`` when tracked files differ from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False,
                              timeout=30).stdout.strip()

    head = git("rev-parse", "HEAD") or "unknown"
    return head + ("-dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


@contextlib.contextmanager
def stamped(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Record the run's context in ``doc["run"]``: before the block, and the load after it."""
    run = doc["run"] = {"machine": machine(), "commit": commit(),
                        "started": datetime.now(UTC).isoformat(timespec="seconds"),
                        "load_average_before": load_average()}
    yield doc
    run["load_average_after"] = load_average()
    run["finished"] = datetime.now(UTC).isoformat(timespec="seconds")


def write(path: Path, doc: dict[str, Any]) -> Path:
    """Write a stamped results file (refuses one without its ``run`` stamp)."""
    if "load_average_after" not in doc.get("run", {}):
        raise ValueError(f"{path.name}: results written outside stamped()")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
