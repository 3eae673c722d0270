"""One publication of a dataset at a time: an exclusive file lock per (portal, dataset name).

Two runs publishing the same dataset at once would both plan "create" and then both upload, leaving
duplicate resources or a half-loaded DataStore. Plan → apply is therefore done under this lock; the
second run waits, plans from what the first one left and finds nothing (or little) to do. The lock
is an ``flock`` on a local file: it covers every process on this machine (CLI, flow runs, workers)
and is released by the kernel if its holder dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)


def lock_path(lock_dir: Path, portal_url: str, name: str) -> Path:
    digest = hashlib.sha256(f"{portal_url.rstrip('/')}\n{name}".encode()).hexdigest()[:16]
    readable = re.sub(r"[^a-z0-9_-]+", "-", name.lower())[:60]
    return lock_dir / f"{readable}-{digest}.lock"


def _ensure_dir(lock_dir: Path) -> None:
    if not lock_dir.is_dir():
        lock_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # shared by every user of the machine, like /tmp
            os.chmod(lock_dir, 0o1777)


@contextlib.contextmanager
def dataset_lock(lock_dir: Path, portal_url: str, name: str) -> Iterator[Path]:
    """Hold the dataset's lock for the block; wait (logging once) while another run holds it."""
    _ensure_dir(lock_dir)
    path = lock_path(lock_dir, portal_url, name)
    with path.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("%s: another run is publishing it; waiting for it to finish", name)
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
