"""CKAN's server on the hub: gunicorn on 127.0.0.1 with a pid file, and (opt-in, for XLoader)
``ckan jobs worker``."""

from __future__ import annotations

import os
import signal

from dgti_data.ckan.client import ping
from dgti_data.hub.ckan_install import env
from dgti_data.hub.layout import HubPaths
from dgti_data.hub.processes import HubError, owned_pid, port_open, spawn, stop_service, wait_until

# Seconds gunicorn lets one request run: as long as the publisher waits for one bulk load
# (DGTI_CKAN_LOAD_TIMEOUT's default); at 300 s a 1M-row load on a busy 2-core machine was killed.
WORKER_TIMEOUT = 900


def url(paths: HubPaths) -> str:
    return f"http://127.0.0.1:{paths.settings.hub_ckan_port}"


def status_url(paths: HubPaths) -> str:
    return f"{url(paths)}/api/3/action/status_show"


def running_pid(paths: HubPaths) -> int | None:
    return owned_pid(paths.pidfile("ckan"), f"127.0.0.1:{paths.settings.hub_ckan_port}")


def is_up(paths: HubPaths) -> bool:
    return running_pid(paths) is not None and ping(status_url(paths))


def start(paths: HubPaths, *, workers: int = 3) -> str:
    port = paths.settings.hub_ckan_port
    pid = running_pid(paths)
    if pid is not None:
        wait_ready(paths)
        return f"already running (pid {pid})"
    if port_open(port):
        raise HubError(f"port {port} is taken by another process: cannot start CKAN")
    log = paths.log("ckan")
    log.write_text("", encoding="utf-8")  # a fresh log per start
    pid = spawn(
        [
            paths.ckan_venv / "bin" / "gunicorn",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--timeout", str(WORKER_TIMEOUT),
            "--graceful-timeout", "20",
            # A long search typed into the search box travels in the URL (10,000 Thai characters
            # are 90 kB percent-encoded); gunicorn's default 4 kB request line would answer 400.
            "--limit-request-line", "0",
            "--chdir", paths.ckan_dir,
            "--access-logfile", paths.log("ckan-access"),
            "--error-logfile", "-",
            "--name", "dgti-hub-ckan",
            "wsgi:application",
        ],
        log=log,
        pidfile=paths.pidfile("ckan"),
        env=env(paths),
        cwd=paths.ckan_dir,
    )
    wait_ready(paths)
    return f"started (pid {pid})"


def reload(paths: HubPaths) -> bool:
    """Make running workers re-read ckan.ini and the schema (gunicorn HUP); False if none."""
    pid = running_pid(paths)
    if pid is None:
        return False
    os.kill(pid, signal.SIGHUP)
    return True


def wait_ready(paths: HubPaths, deadline_s: float = 120) -> None:
    wait_until(
        "ckan",
        lambda: ping(status_url(paths), timeout=5),
        deadline_s=deadline_s,
        alive=lambda: running_pid(paths) is not None,
        log=paths.log("ckan"),
        interval=0.5,
    )


def stop(paths: HubPaths) -> str:
    return stop_service(running_pid(paths), paths.pidfile("ckan"), what="ckan", grace_s=30)


def worker_pid(paths: HubPaths) -> int | None:
    return owned_pid(paths.pidfile("ckan-worker"), "jobs worker")


def start_worker(paths: HubPaths) -> str:
    """``ckan jobs worker`` (XLoader's jobs), in the background with a pid file."""
    pid = worker_pid(paths)
    if pid is not None:
        return f"already running (pid {pid})"
    pid = spawn(
        [paths.ckan_venv / "bin" / "ckan", "-c", paths.ckan_ini, "jobs", "worker"],
        log=paths.log("ckan-worker"),
        pidfile=paths.pidfile("ckan-worker"),
        env=env(paths),
        cwd=paths.ckan_dir,
    )
    return f"started (pid {pid})"


def restart_worker(paths: HubPaths) -> str:
    """A worker reads ckan.ini once: restart it after a config change."""
    stop_worker(paths)
    return start_worker(paths)


def stop_worker(paths: HubPaths) -> str:
    return stop_service(worker_pid(paths), paths.pidfile("ckan-worker"), what="ckan jobs worker")
