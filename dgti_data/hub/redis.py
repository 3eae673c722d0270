"""Redis for CKAN (sessions, jobs queue), daemonised by redis-server itself, loopback only."""

from __future__ import annotations

import shutil
import socket

from dgti_data.hub.layout import HubPaths
from dgti_data.hub.processes import (
    HubError,
    owned_pid,
    port_open,
    run,
    stop_service,
    wait_until,
)

MARKER = "redis-server"


def running_pid(paths: HubPaths) -> int | None:
    return owned_pid(paths.pidfile("redis"), MARKER)


def answers(port: int) -> bool:
    """Whether Redis on 127.0.0.1:port answers PING with PONG."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def is_up(paths: HubPaths) -> bool:
    return running_pid(paths) is not None and answers(paths.settings.hub_redis_port)


def start(paths: HubPaths) -> str:
    port = paths.settings.hub_redis_port
    pid = running_pid(paths)
    if pid is not None:
        wait_until("redis", lambda: answers(port), deadline_s=15, log=paths.log("redis"))
        return f"already running (pid {pid})"
    if port_open(port):
        raise HubError(f"port {port} is taken by another process: cannot start Redis")
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    paths.pidfile("redis").unlink(missing_ok=True)
    run(
        [
            binary, "--port", str(port), "--bind", "127.0.0.1", "--protected-mode", "yes",
            "--daemonize", "yes", "--pidfile", paths.pidfile("redis"),
            "--logfile", paths.log("redis"), "--dir", paths.redis_dir,
            "--save", "300 1", "--appendonly", "no",
        ],
        what="redis-server",
    )
    wait_until(
        "redis",
        lambda: answers(port),
        deadline_s=15,
        alive=lambda: running_pid(paths) is not None or not paths.pidfile("redis").exists(),
        log=paths.log("redis"),
    )
    return f"started (pid {running_pid(paths)})"


def stop(paths: HubPaths) -> str:
    return stop_service(running_pid(paths), paths.pidfile("redis"), what="redis")
