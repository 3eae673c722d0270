"""A private PostgreSQL 18 cluster for the hub (binaries from Maven: ``pg_dist``), run as the
``postgres`` user.

``initdb`` refuses to run as root, so as root every server-side command goes through
``runuser -u postgres --``; as another user it runs as that user. The cluster listens on
127.0.0.1 only, on its own port, with its socket inside the state folder; ``fsync`` is off
(test data). Settings are tuned for bulk DataStore loads on a small machine: parallel index
builds (PostgreSQL 18 builds GIN indexes in parallel too) with memory enough to sort in RAM.
Administration (``psql``) uses Debian's client, which talks to an 18 server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

from dgti_data.hub.layout import (
    CKAN_DB,
    CKAN_ROLE,
    DATASTORE_DB,
    DATASTORE_RO_ROLE,
    HubPaths,
)
from dgti_data.hub.pg_dist import PG_MAJOR, PG_RELEASE, ensure_owner
from dgti_data.hub.pg_dist import install as install_binaries
from dgti_data.hub.processes import HubError, pid_alive, port_open, read_pid, run

CONF_NAME = "dgti-hub.conf"


def bindir(paths: HubPaths) -> Path:
    """The server binaries (fetched and unpacked on first use)."""
    return install_binaries(paths) / "bin"


def cluster_major(paths: HubPaths) -> str | None:
    """The major version that made the cluster (its ``PG_VERSION`` file), None before initdb."""
    stamp = paths.pg_data / "PG_VERSION"
    return stamp.read_text(encoding="utf-8").strip() if stamp.exists() else None


def _check_major(paths: HubPaths) -> None:
    made_by = cluster_major(paths)
    if made_by is not None and made_by != PG_MAJOR:
        raise HubError(
            f"the hub's PostgreSQL cluster {paths.pg_data} was made by PostgreSQL {made_by}; the hub "
            f"now runs PostgreSQL {PG_RELEASE}: run 'dgti-data hub down --purge' (the local hub's "
            "test data goes with it), then 'dgti-data hub up'"
        )


def _as_owner(args: list[str | os.PathLike[str]]) -> list[str | os.PathLike[str]]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def _owner() -> tuple[int, int] | None:
    if os.geteuid() != 0:
        return None
    ensure_owner()
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError as exc:
        raise HubError("no 'postgres' user: create a system user postgres") from exc
    return pw.pw_uid, pw.pw_gid


def _chown(path: Path) -> None:
    owner = _owner()
    if owner is not None:
        os.chown(path, *owner)


def running_pid(paths: HubPaths) -> int | None:
    """The postmaster's pid from its own pid file, if it is alive."""
    pid = read_pid(paths.pg_data / "postmaster.pid")
    return pid if pid_alive(pid) else None


def is_up(paths: HubPaths) -> bool:
    return running_pid(paths) is not None and port_open(paths.settings.hub_postgres_port)


def _write_conf(paths: HubPaths) -> None:
    port = paths.settings.hub_postgres_port
    conf = (
        "# Written by dgti-data hub up on every start.\n"
        "listen_addresses = '127.0.0.1'\n"
        f"port = {port}\n"
        f"unix_socket_directories = '{paths.pg_socket}'\n"
        "fsync = off\n"
        "synchronous_commit = off\n"
        "full_page_writes = off\n"
        # No replicas: tables and indexes a transaction creates (a bulk load's) skip the WAL.
        "wal_level = minimal\n"
        "max_wal_senders = 0\n"
        "max_connections = 60\n"
        "shared_buffers = 256MB\n"
        # Bulk loads (ckanext-dgti's dgti_bulk): a parallel CREATE TABLE AS computes _full_text on
        # both cores, and index builds (B-tree, and GIN since PostgreSQL 18) take a worker each.
        "max_worker_processes = 8\n"
        "max_parallel_workers = 4\n"
        "max_parallel_workers_per_gather = 2\n"
        "max_parallel_maintenance_workers = 2\n"
        "maintenance_work_mem = 256MB\n"
        "work_mem = 16MB\n"
        # The DataStore's tables are read after each load: keep autovacuum from competing with it.
        "autovacuum_naptime = 5min\n"
        "log_min_messages = warning\n"
        "log_line_prefix = '%m [%p] %u@%d '\n"
    )
    target = paths.pg_data / CONF_NAME
    target.write_text(conf, encoding="utf-8")
    _chown(target)


def init_cluster(paths: HubPaths) -> bool:
    """Create the cluster if it does not exist; return whether it was created."""
    if cluster_major(paths) is not None:
        return False
    paths.pg_data.mkdir(parents=True, exist_ok=True)
    paths.pg_socket.mkdir(parents=True, exist_ok=True)
    for d in (paths.pg_data, paths.pg_socket):
        _chown(d)
    if os.geteuid() == 0:
        probe = subprocess.run(
            ["runuser", "-u", "postgres", "--", "test", "-w", str(paths.pg_data)],
            cwd="/", check=False,
        )
        if probe.returncode != 0:
            raise HubError(
                f"the postgres user cannot reach {paths.pg_data}: put the hub's state "
                "(DGTI_HUB_DIR) where that user can enter, e.g. under /var/tmp, not /root"
            )
    os.chmod(paths.pg_data, 0o700)
    os.chmod(paths.pg_socket, 0o755)
    run(
        _as_owner([
            bindir(paths) / "initdb", "-D", paths.pg_data, "-U", "postgres", "-E", "UTF8",
            "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256",
        ]),
        what="initdb",
        log=None,
        cwd=paths.root,
    )
    with (paths.pg_data / "postgresql.conf").open("a", encoding="utf-8") as fh:
        fh.write(f"\ninclude_if_exists = '{CONF_NAME}'\n")
    return True


def start(paths: HubPaths) -> str:
    """Start the cluster (creating it first if needed); return what was done."""
    _check_major(paths)
    if is_up(paths):
        return f"already running (pid {running_pid(paths)})"
    created = init_cluster(paths)
    port = paths.settings.hub_postgres_port
    if port_open(port):
        raise HubError(f"port {port} is taken by another process: cannot start PostgreSQL")
    _write_conf(paths)
    log = paths.log("postgres")
    if not log.exists():
        log.touch()
    _chown(log)
    stale = paths.pg_data / "postmaster.pid"
    if stale.exists() and running_pid(paths) is None:
        stale.unlink()
    try:
        run(
            _as_owner([bindir(paths) / "pg_ctl", "-D", paths.pg_data, "-l", log, "-w", "-t", "60",
                       "start"]),
            what="pg_ctl start",
            cwd=paths.root,
        )
    except HubError as exc:
        from dgti_data.hub.processes import tail

        raise HubError(f"{exc}\nLast lines of {log}:\n{tail(log)}") from None
    return (("created and started" if created else "started")
            + f" (PostgreSQL {PG_RELEASE}, pid {running_pid(paths)})")


def stop(paths: HubPaths) -> str:
    pid = running_pid(paths)
    if pid is None:
        return "not running"
    if cluster_major(paths) != PG_MAJOR:
        # A cluster of an older hub (another major version): its own pg_ctl may be gone, and a
        # fast shutdown is one signal to the postmaster whatever its version.
        os.kill(pid, signal.SIGINT)
        deadline = time.monotonic() + 60
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if pid_alive(pid):
            raise HubError(f"PostgreSQL (pid {pid}) did not stop within 60 s")
        return f"stopped (pid {pid}, PostgreSQL {cluster_major(paths)})"
    run(
        _as_owner([bindir(paths) / "pg_ctl", "-D", paths.pg_data, "-m", "fast", "-w", "-t", "60",
                   "stop"]),
        what="pg_ctl stop",
        cwd=paths.root,
    )
    return f"stopped (pid {pid})"


def psql(paths: HubPaths, sql: str, *, db: str = "postgres") -> str:
    """Run SQL as the cluster's superuser over the private socket with Debian's ``psql`` (the
    Maven binaries have none); return its output."""
    found = shutil.which("psql")
    if not found:
        raise HubError("'psql' not found: install the Debian package postgresql-client")
    psql_bin = Path(found)
    return run(
        _as_owner([
            psql_bin, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-h", paths.pg_socket, "-p", str(paths.settings.hub_postgres_port),
            "-U", "postgres", "-d", db,
        ]),
        what=f"psql on {db}",
        input=sql,
        cwd=paths.root,
    )


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ensure_databases(paths: HubPaths, secrets: dict[str, str]) -> str:
    """Roles and databases for CKAN and the DataStore; passwords follow ``secrets.json``."""
    ckan_pw = _literal(secrets["ckan_db_password"])
    ro_pw = _literal(secrets["datastore_db_password"])
    psql(paths, f"""
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{CKAN_ROLE}') THEN
    CREATE ROLE {CKAN_ROLE} LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{DATASTORE_RO_ROLE}') THEN
    CREATE ROLE {DATASTORE_RO_ROLE} LOGIN;
  END IF;
END $$;
ALTER ROLE {CKAN_ROLE} WITH LOGIN PASSWORD {ckan_pw};
ALTER ROLE {DATASTORE_RO_ROLE} WITH LOGIN PASSWORD {ro_pw};
""")
    existing = set(psql(paths, "SELECT datname FROM pg_database").split())
    created = []
    for db in (CKAN_DB, DATASTORE_DB):
        if db not in existing:
            psql(paths, f"CREATE DATABASE {db} OWNER {CKAN_ROLE} ENCODING 'UTF8' TEMPLATE template0")
            created.append(db)
    return "created databases " + ", ".join(created) if created else "databases present"


def has_ckan_tables(paths: HubPaths) -> bool:
    out = psql(paths, "SELECT to_regclass('public.package') IS NOT NULL", db=CKAN_DB)
    return out.strip() == "t"


def dsn(paths: HubPaths, role: str, password: str, db: str) -> str:
    from urllib.parse import quote

    port = paths.settings.hub_postgres_port
    return f"postgresql://{role}:{quote(password, safe='')}@127.0.0.1:{port}/{db}"
