"""A loopback HTTP proxy in front of the real CKAN hub that injects faults on chosen calls.

The pipeline is pointed at ``proxy.url`` instead of CKAN's; every request is forwarded to the real
hub unchanged, except the API calls (``/api/...``) a schedule names by number (1-based, in arrival
order), which get a fault instead:

``reset``    the connection is closed at once, nothing forwarded (a refused or dropped connection)
``500`` ``502`` ``503``  an error page from the "portal", nothing forwarded (the write is not applied)
``timeout``  forwarded (CKAN applies it), then no answer until the client has given up
``cut``      forwarded, then the answer is cut off half-way through its body

A schedule key is a call number or an action name (the first call of that action after
``reset``). ``down()`` closes the listening socket, so connections are refused at the TCP level (a
portal down from the start); ``up()`` listens again on the same port. ``before[key]`` runs a
function before that call is forwarded (used to stop CKAN mid-run). Nothing here is a fake CKAN:
every answer that is not a fault comes from the hub.
"""

from __future__ import annotations

import codecs
import contextlib
import http.client
import socket
import struct
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

FAULTS = ("reset", "500", "502", "503", "timeout", "cut")
_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade", "host"}


@dataclass
class Call:
    number: int
    action: str
    outcome: str  # "forwarded" or the fault injected


@dataclass
class FaultProxy:
    upstream: str
    hold_s: float = 30.0  # how long a ``timeout`` fault keeps the client waiting at most
    schedule: dict[int | str, str] = field(default_factory=dict)
    before: dict[int | str, Callable[[], None]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        parts = urlsplit(self.upstream)
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 80
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def injected(self) -> Counter[str]:
        return Counter(c.outcome for c in self.calls if c.outcome != "forwarded")

    def actions(self) -> list[str]:
        return [c.action for c in self.calls]

    def reset(self, schedule: dict[int | str, str] | None = None) -> None:
        """Start counting calls from 1 again, with a new schedule."""
        with self._lock:
            self.calls.clear()
            self.schedule = dict(schedule or {})
            self.before.clear()

    # Listening.

    def up(self) -> FaultProxy:
        if self._server is not None:
            return self
        self._released.clear()
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fault-proxy", daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        """Stop listening: new connections are refused; calls held by ``timeout`` are released."""
        server, self._server = self._server, None
        self._released.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()

    # One request.

    def _next(self, path: str) -> tuple[str | None, Callable[[], None] | None]:
        if "/api/" not in path:
            return None, None
        with self._lock:
            number = len(self.calls) + 1
            action = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            fault = self.schedule.pop(number, None) or self.schedule.pop(action, None)
            self.calls.append(Call(number, action, fault or "forwarded"))
            return fault, self.before.pop(number, None) or self.before.pop(action, None)

    def forward(self, method: str, path: str, headers: dict[str, str], body: bytes
                ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(self._host, self._port, timeout=300)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders()
                    if k.lower() not in _HOP and k.lower() != "content-length"]
            return response.status, response.reason, kept, data
        finally:
            conn.close()


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            headers["Connection"] = "close"
            fault, hook = proxy._next(self.path)
            if fault == "reset":
                self._reset()
                return
            if fault in ("500", "502", "503"):
                page = f"<html><body>{fault} from the proxy</body></html>".encode()
                self._send(int(fault), "text/html", page)
                return
            if hook is not None:
                hook()
            try:
                status, reason, kept, data = proxy.forward(self.command, self.path, headers, body)
            except OSError:  # CKAN itself is down: what a reverse proxy in front of it says
                self._send(502, "text/html", b"<html><body>502 Bad Gateway</body></html>")
                return
            if fault == "timeout":
                proxy._released.wait(proxy.hold_s)
                self._reset()
                return
            self.send_response(status, reason)
            for k, v in kept:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            if fault == "cut":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self._reset()
                return
            self.wfile.write(data)
            self.close_connection = True

        def _send(self, status: int, ctype: str, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def _reset(self) -> None:
            """Close with RST (SO_LINGER 0): the client sees a reset connection, not a clean end."""
            self.close_connection = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
            except OSError:
                pass

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay

    return Handler


# What the suites that use the proxy check after every run, and how they report their counts.

REPORTS = ("report.html", "report.json")  # what example bundles carry


def assert_published(
    client: Any, name: str, data_csv: Path, rows: int, reports: Sequence[str] = REPORTS
) -> dict[str, Any]:
    """Exactly one public dataset ``name`` with each of our resources once (data, datapackage,
    ``reports``), a DataStore holding ``rows`` rows and a download equal to ``data_csv``: nothing
    lost, nothing duplicated."""
    found = client.package_search(fq=f"name:{name}", include_private=True)
    assert found["count"] == 1, f"{name}: {found['count']} datasets"
    pkg = client.package_show(name)
    assert pkg["private"] is False and pkg["state"] == "active", name
    keys = sorted(r.get("dgti_key", "?") for r in pkg["resources"])
    assert keys == sorted(["data", "datapackage", *reports]), f"{name}: resources {keys}"
    data = next(r for r in pkg["resources"] if r.get("dgti_key") == "data")
    total = client.datastore_search(resource_id=data["id"], limit=0)["total"]
    assert total == rows, f"{name}: DataStore has {total} rows, the source {rows}"
    download = requests.get(data["url"], timeout=60)
    published = codecs.BOM_UTF8 + data_csv.read_bytes()  # the Excel-ready copy (publish/excel.py)
    assert download.content == published, f"{name}: the download differs from the CSV"
    return pkg


def assert_absent(client: Any, name: str) -> None:
    found = client.package_search(fq=f"name:{name}", include_private=True)
    assert found["count"] == 0, f"{name} exists: partial state"


def report_line(config: Any, text: str) -> None:
    """A line on the terminal even when pytest captures output (CI logs show the counts)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        if reporter is not None:
            reporter.write_line(text)
        else:
            print(text)


def prefect_logs() -> list[str]:
    """Every log message the (test) Prefect API holds, after sending what is still queued."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()

    async def read() -> list[str]:
        out: list[str] = []
        async with get_client() as client:
            while batch := await client.read_logs(limit=200, offset=len(out)):
                out += [log.message for log in batch]
        return out

    return asyncio.run(read())
