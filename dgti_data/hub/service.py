"""``up``, ``down`` and ``status`` of the local hub: the Python API behind ``dgti-data hub``."""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dgti_data.hub import accounts, ckan_config, ckan_install, ckan_server, postgres, redis, solr_server
from dgti_data.hub import central as central_site
from dgti_data.hub import dcat as hub_dcat
from dgti_data.hub.layout import HubPaths, load_secrets, write_private
from dgti_data.hub.processes import HubError, exclusive, phase, pid_alive, port_open, read_pid, say
from dgti_data.settings import HubConnection, Settings


def _paths(settings: Settings) -> HubPaths:
    return HubPaths(settings)


def up(settings: Settings) -> HubConnection:
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
        ckan_job = pool.submit(ckan_install.install, paths)
        solr_job = pool.submit(
            lambda: solr_server.launcher_classes(paths, solr_server.classpath(paths)) and "ready"
        )
        say(f"ckan venv: {ckan_job.result()}")
        plugins_changed = ckan_install.install_plugin(paths)
        say(f"ckan plugin ckanext-dgti: {'installed' if plugins_changed else 'present'}")
        plugins_changed = hub_dcat.install(paths) or plugins_changed
        if paths.settings.hub_xloader:
            plugins_changed = ckan_install.install_xloader(paths) or plugins_changed
        say(f"solr jars: {solr_job.result()}")

    with phase("solr (start)", timings):
        say(f"solr: {solr_server.start(paths, wait=False)}")

    with phase("postgres", timings):
        say(f"postgres: {postgres.start(paths)}")
        say(f"postgres: {postgres.ensure_databases(paths, secrets)}")

    with phase("redis", timings):
        say(f"redis: {redis.start(paths)}")

    with phase("ckan config and database", timings):
        configured = ckan_config.configure(paths, secrets)
        say(f"ckan config: {configured}")
        say(f"ckan database: {ckan_config.init_database(paths)}")
        changed = plugins_changed or configured != "unchanged"

    with phase("solr (ready)", timings):
        solr_server.wait_ready(paths)
        say(f"solr: answering at {solr_server.url(paths)}")

    with phase("ckan server", timings):
        if changed and ckan_server.reload(paths):
            say("ckan: config or schema changed: workers reloaded")
            time.sleep(1.0)
        say(f"ckan: {ckan_server.start(paths)}")

    if solr_server.index_is_stale(paths):
        with phase("solr index (schema changed)", timings):
            # Documents indexed under another schema were segmented its way: re-index them all,
            # as a portal's administrator does after installing ckanext-dgti's schema.
            ckan_install.cli(paths, "search-index", "rebuild", what="ckan search-index rebuild")
            solr_server.mark_indexed(paths)
            say("solr: index rebuilt with the current schema")

    with phase("accounts", timings):
        connection = accounts.ensure(paths, secrets)
        write_hub_file(paths, connection)

    if paths.settings.hub_xloader:
        with phase("xloader (token, jobs worker)", timings):
            if accounts.ensure_xloader_token(paths, secrets, connection):
                say(f"ckan config: {ckan_config.configure(paths, secrets)}")
                ckan_server.reload(paths)
                time.sleep(1.0)
                ckan_server.wait_ready(paths)
                say(f"ckan jobs worker: {ckan_server.restart_worker(paths)}")
            elif changed:
                say(f"ckan jobs worker: {ckan_server.restart_worker(paths)}")
            else:
                say(f"ckan jobs worker: {ckan_server.start_worker(paths)}")
    elif ckan_server.worker_pid(paths) is not None:  # XLoader was on at the previous `hub up`
        say(f"ckan jobs worker: {ckan_server.stop_worker(paths)}")

    total = time.monotonic() - start
    say(
        f"hub up in {total:.1f} s: CKAN {connection.ckan_url} (organisation "
        f"{connection.organization}), Solr {connection.solr_url}; connection in "
        f"{paths.settings.hub_file}"
    )
    return connection


def write_hub_file(paths: HubPaths, connection: HubConnection) -> None:
    data = {
        "ckan_url": connection.ckan_url,
        "organization": connection.organization,
        "editor_token": connection.editor_token.get_secret_value(),
        "sysadmin_token": connection.sysadmin_token.get_secret_value(),
        "solr_url": connection.solr_url,
    }
    write_private(paths.settings.hub_file, json.dumps(data, indent=2) + "\n")


def is_up(settings: Settings) -> bool:
    paths = _paths(settings)
    return all(
        (
            postgres.is_up(paths),
            redis.is_up(paths),
            solr_server.is_up(paths),
            ckan_server.is_up(paths),
            paths.settings.hub_file.exists(),
        )
    )


def ensure_hub(settings: Settings) -> HubConnection:
    """The running hub's connection, bringing the hub up first if any part is not running."""
    if is_up(settings):
        connection = settings.hub_connection()
        if connection is not None:
            return connection
    return up(settings)


def down(settings: Settings, *, purge: bool = False) -> None:
    """Stop what ``up`` started (by pid files). With ``purge``, also delete the state folder."""
    paths = _paths(settings)
    with exclusive(_lockfile(paths), "hub down"):
        _down(paths, purge)


def _down(paths: HubPaths, purge: bool) -> None:
    with phase("ckan jobs worker stop"):
        say(f"ckan jobs worker: {ckan_server.stop_worker(paths)}")
    with phase("central catalogue stop"):
        say(f"central catalogue: {central_site.stop(paths)}")
    for name, module in (("ckan", ckan_server), ("solr", solr_server), ("redis", redis),
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


def status(settings: Settings) -> dict[str, str]:
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
    result["solr"] = describe(solr_server.running_pid(paths), solr_server.is_up(paths),
                              solr_server.url(paths), s.hub_solr_port)
    result["ckan"] = describe(ckan_server.running_pid(paths), ckan_server.is_up(paths),
                              ckan_server.url(paths), s.hub_ckan_port)
    worker = ckan_server.worker_pid(paths)
    if worker is not None or s.hub_xloader:
        result["ckan worker"] = f"running (pid {worker})" if worker else "stopped"
    result["hub.json"] = str(s.hub_file) if s.hub_file.exists() else "missing"
    stale = [name for name in ("solr", "ckan", "redis", "ckan-worker")
             if paths.pidfile(name).exists() and not pid_alive(read_pid(paths.pidfile(name)))]
    if stale:
        result["note"] = f"stale pid files (process gone): {', '.join(stale)}"
    return result
