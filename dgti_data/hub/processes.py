"""Process plumbing for the hub: pid files, ports, readiness waits, log tails, phase timing."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from dgti_data.errors import TerminalError


class HubError(TerminalError):
    """The hub could not be brought up or down; the message says which part and why."""


def say(message: str) -> None:
    """A progress line for the person running ``hub up``."""
    print(f"[hub] {message}", file=sys.stderr, flush=True)


@contextlib.contextmanager
def phase(name: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    """Print ``name...`` and, when done, how long it took."""
    say(f"{name} ...")
    start = time.monotonic()
    try:
        yield
    finally:
        elapsed = time.monotonic() - start
        if timings is not None:
            timings[name] = elapsed
        say(f"{name}: {elapsed:.1f} s")


@contextlib.contextmanager
def exclusive(lockfile: Path, what: str) -> Iterator[None]:
    """Hold an exclusive lock on ``lockfile`` (one ``hub up``/``down`` at a time)."""
    import fcntl

    lockfile.parent.mkdir(parents=True, exist_ok=True)
    with lockfile.open("a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another hub command holds {lockfile}: waiting for it before {what}")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def free_port() -> int:
    """A loopback port no one listens on now (for a server that needs no fixed port)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on host:port now."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int | None) -> bool:
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not alive for us.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            "utf-8", "replace"
        )
    except OSError:
        return ""


def read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def owned_pid(pidfile: Path, marker: str) -> int | None:
    """The pid in ``pidfile`` if that process is alive and its command line has ``marker``.

    The marker guards against a pid that was reused by an unrelated process after ours died.
    """
    pid = read_pid(pidfile)
    if pid_alive(pid) and marker in cmdline(pid):  # type: ignore[arg-type]
        return pid
    return None


def tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def wait_until(
    what: str,
    ready: Callable[[], bool],
    *,
    deadline_s: float,
    alive: Callable[[], bool] | None = None,
    log: Path | None = None,
    interval: float = 0.25,
) -> None:
    """Poll ``ready`` until true; fail fast with the log's tail if ``alive`` turns false."""
    end = time.monotonic() + deadline_s
    while True:
        if ready():
            return
        if alive is not None and not alive():
            raise HubError(f"{what} died while starting. Last lines of {log}:\n{tail(log)}"
                           if log else f"{what} died while starting")
        if time.monotonic() > end:
            extra = f" Last lines of {log}:\n{tail(log)}" if log else ""
            raise HubError(f"{what} not ready after {deadline_s:.0f} s.{extra}")
        time.sleep(interval)


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    what: str,
    log: Path | None = None,
    env: dict[str, str] | None = None,
    input: str | None = None,
    cwd: Path | None = None,
    timeout: float | None = None,
    redact: Sequence[str] = (),
    log_stdout: bool = True,
) -> str:
    """Run a command to completion; return its stdout; on failure raise with its output.

    With ``log``, stdout and stderr are also appended there (a world-readable file): each string of
    ``redact`` (a password in the arguments) is masked, and ``log_stdout=False`` keeps out a
    stdout that is itself a secret (a new API token).
    """
    proc = subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        env=env,
        input=input,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    def masked(text: str) -> str:
        for secret in redact:
            text = text.replace(secret, "***")
        return text

    if log is not None:
        shown = proc.stdout if log_stdout else "(stdout not logged: a secret)\n"
        with log.open("a", encoding="utf-8") as fh:
            fh.write(masked(f"$ {' '.join(str(a) for a in args)}\n{shown}{proc.stderr}"))
    if proc.returncode != 0:
        output = masked(proc.stdout + proc.stderr).strip().splitlines()[-30:]
        raise HubError(f"{what} failed (exit {proc.returncode}):\n" + "\n".join(output))
    return proc.stdout


def spawn(
    args: Sequence[str | os.PathLike[str]],
    *,
    log: Path,
    pidfile: Path,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start a long-running process in its own session, output to ``log``; record its pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [str(a) for a in args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(f"{proc.pid}\n")
    return proc.pid


def stop_pid(pid: int, *, what: str, grace_s: float = 20.0) -> None:
    """SIGTERM ``pid``, wait up to ``grace_s``, then SIGKILL it."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    end = time.monotonic() + grace_s
    while time.monotonic() < end:
        if not pid_alive(pid):
            return
        time.sleep(0.1)
    say(f"{what} (pid {pid}) ignored SIGTERM for {grace_s:.0f} s: killing it")
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def stop_service(pid: int | None, pidfile: Path, *, what: str, grace_s: float = 20.0) -> str:
    """Stop a process ``up`` started (``pid`` already checked as ours) and forget its pid file."""
    if pid is not None:
        stop_pid(pid, what=what, grace_s=grace_s)
    pidfile.unlink(missing_ok=True)
    return f"stopped (pid {pid})" if pid is not None else "not running"
