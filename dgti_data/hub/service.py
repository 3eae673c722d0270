"""``up``, ``down`` and ``status`` of the local hub: the Python API behind ``dgti-data hub``."""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dgti_data.hub import accounts, ckan, postgres, redis, solr
from dgti_data.hub.layout import HubPaths, load_secrets, write_private
from dgti_data.hub.processes import HubError, exclusive, phase, pid_alive, port_open, read_pid, say
from dgti_data.settings import HubConnection, Settings, get_settings


def _paths(settings: Settings | None) -> HubPaths:
    return HubPaths(settings or get_settings())


def up(settings: Settings | None = None) -> HubConnection:
    """Bring every part of the hub up (reusing what runs); write and return ``hub.json``."""
    paths = _paths(settings)
    paths.root.mkdir(parents=True, exist_ok=True)
    with exclusive(_lockfile(paths), "hub up"):
        return _up(paths)


def _lockfile(paths: HubPaths) -> Path:
    # Beside the state folder, so that a purge can delete the folder while holding it.
    return paths.root.parent / f".{paths.root.name}.lock"


def _up(paths: HubPaths) -> HubConnection:
    timings: dict[str, float] = {}
    start = time.monotonic()
    say(f"bringing up the local CKAN hub in {paths.root} (caches in {paths.cache})")
    paths.make_state_dirs()
    secrets = load_secrets(paths)

    with (
        phase("install (CKAN virtualenv, Solr jars)", timings),
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        ckan_job = pool.submit(ckan.install, paths)
        solr_job = pool.submit(
            lambda: solr.launcher_classes(paths, solr.classpath(paths)) and "ready"
        )
        say(f"ckan venv: {ckan_job.result()}")
        plugins_changed = ckan.install_plugin(paths)
        say(f"ckan plugin ckanext-dgti: {'installed' if plugins_changed else 'present'}")
        if paths.settings.hub_xloader:
            plugins_changed = ckan.install_xloader(paths) or plugins_changed
        say(f"solr jars: {solr_job.result()}")

    with phase("solr (start)", timings):
        say(f"solr: {solr.start(paths, ckan.installed_schema(paths), wait=False)}")

    with phase("postgres", timings):
        say(f"postgres: {postgres.start(paths)}")
        say(f"postgres: {postgres.ensure_databases(paths, secrets)}")

    with phase("redis", timings):
        say(f"redis: {redis.start(paths)}")

    with phase("ckan config and database", timings):
        schema_before = _read(paths.ckan_dir / ckan.SCHEMA_NAME)
        configured = ckan.configure(paths, secrets)
        say(f"ckan config: {configured}")
        say(f"ckan database: {ckan.init_database(paths)}")
        changed = plugins_changed or configured != "unchanged" or schema_before != _read(
            paths.ckan_dir / ckan.SCHEMA_NAME
        )

    with phase("solr (ready)", timings):
        solr.wait_ready(paths)
        say(f"solr: answering at {solr.url(paths)}")

    with phase("ckan server", timings):
        if changed and ckan.reload(paths):
            say("ckan: config or schema changed: workers reloaded")
            time.sleep(1.0)
        say(f"ckan: {ckan.start(paths)}")

    with phase("accounts", timings):
        connection = accounts.ensure(paths, secrets)
        write_hub_file(paths, connection)

    if paths.settings.hub_xloader:
        with phase("xloader (token, jobs worker)", timings):
            if accounts.ensure_xloader_token(paths, secrets, connection):
                say(f"ckan config: {ckan.configure(paths, secrets)}")
                ckan.reload(paths)
                time.sleep(1.0)
                ckan.wait_ready(paths)
                say(f"ckan jobs worker: {ckan.restart_worker(paths)}")
            elif changed:
                say(f"ckan jobs worker: {ckan.restart_worker(paths)}")
            else:
                say(f"ckan jobs worker: {ckan.start_worker(paths)}")
    elif ckan.worker_pid(paths) is not None:  # XLoader was on at the previous `hub up`
        say(f"ckan jobs worker: {ckan.stop_worker(paths)}")

    total = time.monotonic() - start
    say(
        f"hub up in {total:.1f} s: CKAN {connection.ckan_url} (organisation "
        f"{connection.organization}), Solr {connection.solr_url}; connection in "
        f"{paths.settings.hub_file}"
    )
    return connection


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def write_hub_file(paths: HubPaths, connection: HubConnection) -> None:
    data = {
        "ckan_url": connection.ckan_url,
        "organization": connection.organization,
        "editor_token": connection.editor_token.get_secret_value(),
        "sysadmin_token": connection.sysadmin_token.get_secret_value(),
        "solr_url": connection.solr_url,
    }
    write_private(paths.settings.hub_file, json.dumps(data, indent=2) + "\n")


def is_up(settings: Settings | None = None) -> bool:
    paths = _paths(settings)
    return all(
        (
            postgres.is_up(paths),
            redis.is_up(paths),
            solr.is_up(paths),
            ckan.is_up(paths),
            paths.settings.hub_file.exists(),
        )
    )


def ensure_hub(settings: Settings | None = None) -> HubConnection:
    """The running hub's connection, bringing the hub up first if any part is not running."""
    settings = settings or get_settings()
    if is_up(settings):
        connection = settings.hub_connection()
        if connection is not None:
            return connection
    return up(settings)


def down(settings: Settings | None = None, *, purge: bool = False) -> None:
    """Stop what ``up`` started (by pid files). With ``purge``, also delete the state folder."""
    paths = _paths(settings)
    with exclusive(_lockfile(paths), "hub down"):
        _down(paths, purge)


def _down(paths: HubPaths, purge: bool) -> None:
    with phase("ckan jobs worker stop"):
        say(f"ckan jobs worker: {ckan.stop_worker(paths)}")
    for name, module in (("ckan", ckan), ("solr", solr), ("redis", redis),
                         ("postgres", postgres)):
        with phase(f"{name} stop"):
            say(f"{name}: {module.stop(paths)}")
    if purge:
        _purge(paths)


def _purge(paths: HubPaths) -> None:
    root = paths.root.resolve()
    if not root.exists():
        say(f"purge: {root} does not exist")
        return
    ours = any((root / marker).exists() for marker in ("run", "postgres", "hub.json", "solr"))
    if root in (Path("/"), Path.home().resolve()) or len(root.parts) < 3 or not ours:
        raise HubError(f"refusing to purge {root}: it does not look like a hub state folder")
    shutil.rmtree(root)
    say(f"purge: deleted {root} (caches in {paths.cache} kept)")


def status(settings: Settings | None = None) -> dict[str, str]:
    """One line per component: running / stopped / not answering, with pid and address."""
    paths = _paths(settings)
    s = paths.settings
    result: dict[str, str] = {}

    def describe(pid: int | None, answers: bool, where: str, port: int) -> str:
        if pid is not None and answers:
            return f"running (pid {pid}) at {where}"
        if pid is not None:
            return f"started (pid {pid}) but not answering at {where}"
        if port_open(port):
            return f"stopped, but port {port} is taken by another process"
        return "stopped"

    pg_pid = postgres.running_pid(paths)
    result["postgres"] = describe(pg_pid, port_open(s.hub_postgres_port),
                                  f"127.0.0.1:{s.hub_postgres_port}", s.hub_postgres_port)
    result["redis"] = describe(redis.running_pid(paths), redis.answers(s.hub_redis_port),
                               f"redis://127.0.0.1:{s.hub_redis_port}", s.hub_redis_port)
    result["solr"] = describe(solr.running_pid(paths), solr.is_up(paths), solr.url(paths),
                              s.hub_solr_port)
    result["ckan"] = describe(ckan.running_pid(paths), ckan.is_up(paths), ckan.url(paths),
                              s.hub_ckan_port)
    worker = ckan.worker_pid(paths)
    if worker is not None or s.hub_xloader:
        result["ckan worker"] = f"running (pid {worker})" if worker else "stopped"
    result["hub.json"] = str(s.hub_file) if s.hub_file.exists() else "missing"
    stale = [name for name in ("solr", "ckan", "redis", "ckan-worker")
             if paths.pidfile(name).exists() and not pid_alive(read_pid(paths.pidfile(name)))]
    if stale:
        result["note"] = f"stale pid files (process gone): {', '.join(stale)}"
    return result
