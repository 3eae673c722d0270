"""A loopback HTTP proxy in front of the real CKAN hub that injects faults on chosen calls.

The pipeline is pointed at ``proxy.url`` instead of CKAN's; every request is forwarded to the real
hub unchanged, except the API calls (``/api/...``) a schedule names by number (1-based, in arrival
order), which get a fault instead:

``reset``    the connection is closed at once, nothing forwarded (a refused or dropped connection)
``500`` ``502`` ``503``  an error page from the "portal", nothing forwarded (the write is not applied)
``timeout``  forwarded (CKAN applies it), then no answer until the client has given up
``cut``      forwarded, then the answer is cut off half-way through its body
``login``    an HTML login page with HTTP 200, nothing forwarded (a portal behind a sign-on proxy)
``redirect`` HTTP 302 to a login page, nothing forwarded

A schedule key is a call number or an action name (the first call of that action after
``reset``). ``down()`` closes the listening socket, so connections are refused at the TCP level (a
portal down from the start); ``up()`` listens again on the same port. ``before[key]`` runs a
function before that call is forwarded (used to stop CKAN mid-run). ``rewrite[action]`` edits the
hub's ``result`` of every call of that action (a portal that differs from the hub: an older CKAN
version, a schema without one field). Nothing here is a fake CKAN: every answer that is not a
fault comes from the hub.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import http.client
import itertools
import json
import os
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

FAULTS = ("reset", "500", "502", "503", "timeout", "cut", "login", "redirect")
LOGIN_PAGE = (b"<!doctype html><html><head><title>Sign in</title></head><body><form method=post>"
              b"<input name=user><input name=password type=password></form></body></html>")
_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "te", "upgrade", "host"}


@dataclass
class Call:
    number: int
    action: str
    outcome: str  # "forwarded" or the fault injected
    start: float = 0.0  # time.monotonic() when the request arrived, and when its answer was sent
    end: float = 0.0
    sender: int | None = None  # the pid, among ``FaultProxy.senders``, whose socket sent it
    request: bytes = b""  # path and body: which dataset a call was about


@dataclass
class FaultProxy:
    upstream: str
    hold_s: float = 30.0  # how long a ``timeout`` fault keeps the client waiting at most
    schedule: dict[int | str, str] = field(default_factory=dict)
    before: dict[int | str, Callable[[], None]] = field(default_factory=dict)
    rewrite: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    port: int = 0
    senders: list[int] = field(default_factory=list)  # processes to tell calls apart by

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

    def _next(self, path: str, body: bytes, client_port: int
              ) -> tuple[Call | None, str | None, Callable[[], None] | None]:
        if "/api/" not in path:
            return None, None, None
        sender = _sender(client_port, self.port, self.senders) if self.senders else None
        with self._lock:
            number = len(self.calls) + 1
            action = path.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            fault = self.schedule.pop(number, None) or self.schedule.pop(action, None)
            call = Call(number, action, fault or "forwarded", time.monotonic(), sender=sender,
                        request=path.encode() + b"\n" + body)
            self.calls.append(call)
            return call, fault, self.before.pop(number, None) or self.before.pop(action, None)

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
            call, fault, hook = proxy._next(self.path, body, self.client_address[1])
            edit = proxy.rewrite.get(call.action) if call is not None else None
            try:
                self._answer(fault, hook, headers, body, edit)
            finally:
                if call is not None:
                    call.end = time.monotonic()

        def _answer(self, fault: str | None, hook: Callable[[], None] | None, headers: dict[str, str],
                    body: bytes, edit: Callable[[Any], Any] | None = None) -> None:
            if fault == "reset":
                self._reset()
                return
            if fault == "login":
                self._send(200, "text/html; charset=utf-8", LOGIN_PAGE)
                return
            if fault == "redirect":
                self.send_response(302)
                self.send_header("Location", "/user/login?came_from=/api/3/action/")
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(LOGIN_PAGE)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(LOGIN_PAGE)
                self.close_connection = True
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
            if edit is not None and status == 200:
                answer = json.loads(data)
                answer["result"] = edit(answer["result"])
                data = json.dumps(answer).encode()
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


def _sender(client_port: int, server_port: int, pids: Sequence[int]) -> int | None:
    """Which of ``pids`` holds the client end of a loopback connection (its socket inode, from
    /proc/net/tcp, among the processes' open files)."""
    local, remote = f"0100007F:{client_port:04X}", f"0100007F:{server_port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1] == local and parts[2] == remote and parts[9] != "0":
            inode = parts[9]
    if inode is None:
        return None
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == f"socket:[{inode}]":
                        return pid
    return None


Span = tuple[int, float, float]  # pid, first call's start, last call's end


def turns(calls: Sequence[Call], marks: dict[str, Sequence[str]], writes_only: bool = False
          ) -> dict[str, list[Span]]:
    """Per dataset (``marks``: its name, package id, resource ids), each sender's span of calls (or
    only writes) about it: ``(pid, first start, last end)`` in time order. Runs that take turns
    have disjoint spans."""
    from dgti_data.ckan import is_read_action

    spans: dict[str, dict[int, tuple[float, float]]] = {name: {} for name in marks}
    for call in calls:
        about = [name for name, ids in marks.items() if any(i.encode() in call.request for i in ids)]
        assert len(about) <= 1 and call.sender is not None, (call.action, about, call.sender)
        if writes_only and is_read_action(call.action):
            continue
        for name in about:
            lo, hi = spans[name].get(call.sender, (call.start, call.end))
            spans[name][call.sender] = (min(lo, call.start), max(hi, call.end))
    return {name: sorted(((pid, lo, hi) for pid, (lo, hi) in per.items()), key=lambda s: s[1])
            for name, per in spans.items()}


def assert_took_turns(calls: Sequence[Call], marks: dict[str, Sequence[str]], senders: int,
                      writes_only: bool = False) -> None:
    """Every call from ``senders`` processes was told apart, and each dataset's calls (or writes)
    came from one process after the other, never from two at once."""
    assert len({c.sender for c in calls}) == senders, "not every process was seen calling"
    for name, spans in turns(calls, marks, writes_only).items():
        assert spans, f"{name}: no call about it"
        if not writes_only:
            assert len(spans) == senders, f"{name}: calls from {len(spans)} processes, not {senders}"
        for (pid, _, end), (other, start, _) in itertools.pairwise(spans):
            assert end <= start, f"{name}: pid {pid} was still at it when pid {other} began"


def dataset_marks(client: Any, name: str) -> list[str]:
    """What identifies a dataset in calls about it: its name, id and resource ids."""
    pkg = client.package_show(name)
    return [name, pkg["id"], *(r["id"] for r in pkg["resources"])]


# What the suites that use the proxy check after every run, and how they report their counts.

REPORTS = ("report.html", "report.json")  # what example bundles carry


def assert_published(
    client: Any, name: str, data_csv: Path, rows: int, reports: Sequence[str] = REPORTS
) -> dict[str, Any]:
    """Exactly one public dataset ``name`` with each of our resources once (data, datapackage,
    ``reports``), a download equal to ``data_csv`` and a DataStore holding exactly its rows, value
    for value in the column types: nothing lost, nothing duplicated, nothing stale."""
    found = client.package_search(fq=f"name:{name}", include_private=True)
    assert found["count"] == 1, f"{name}: {found['count']} datasets"
    pkg = client.package_show(name)
    assert pkg["private"] is False and pkg["state"] == "active", name
    keys = sorted(r.get("dgti_key", "?") for r in pkg["resources"])
    assert keys == sorted(["data", "datapackage", *reports]), f"{name}: resources {keys}"
    data = next(r for r in pkg["resources"] if r.get("dgti_key") == "data")
    download = requests.get(data["url"], timeout=60)
    published = codecs.BOM_UTF8 + data_csv.read_bytes()  # the Excel-ready copy (publish/excel.py)
    assert download.content == published, f"{name}: the download differs from the CSV"
    package = next(r for r in pkg["resources"] if r.get("dgti_key") == "datapackage")
    (schema,) = [r["schema"] for r in requests.get(package["url"], timeout=60).json()["resources"]]
    kinds, stored = datastore_rows(client, data["id"])
    expected = csv_rows(data_csv, schema, kinds)
    assert len(stored) == rows == len(expected), (
        f"{name}: DataStore has {len(stored)} rows, the CSV {len(expected)}, expected {rows}")
    if digest(stored) != digest(expected):
        wrong = [(a, b) for a, b in zip(sorted(stored, key=repr), sorted(expected, key=repr), strict=True)
                 if a != b]
        raise AssertionError(f"{name}: DataStore rows differ from the CSV, {len(wrong)} rows; first: "
                             f"stored {wrong[0][0]} vs CSV {wrong[0][1]}")
    return pkg


# Typed rows of the DataStore and of the CSV, compared as values (a numeric 9678.00 in the CSV is
# 9678.0 in JSON, a date may come back with a time part).

def _stored(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "numeric":
        return float(value)
    if kind == "date":
        return str(value)[:10]
    return value


def _parsed(cell: str, kind: str, field: dict[str, Any], missing: set[str]) -> Any:
    if cell in missing:
        return None
    if kind in ("int", "int4", "int8"):
        return int(cell)
    if kind == "numeric":
        return float(Decimal(cell))
    if kind == "bool":
        if cell in {"true", "True", "TRUE", "1", *field.get("trueValues", [])}:
            return True
        if cell in {"false", "False", "FALSE", "0", *field.get("falseValues", [])}:
            return False
    return cell


def datastore_rows(client: Any, resource_id: str, page: int = 5000) -> tuple[dict[str, str], list[tuple]]:
    """The column types and every row of a DataStore table, typed, without CKAN's own columns."""
    kinds: dict[str, str] = {}
    out: list[tuple] = []
    while True:
        got = client.datastore_search(resource_id=resource_id, limit=page, offset=len(out), sort="_id")
        kinds = {f["id"]: f["type"] for f in got["fields"] if not f["id"].startswith("_")}
        out += [tuple(_stored(r[k], t) for k, t in kinds.items()) for r in got["records"]]
        if len(got["records"]) < page:
            return kinds, out


def csv_rows(path: Path, schema: dict[str, Any], kinds: dict[str, str]) -> list[tuple]:
    """The CSV's rows typed as the DataStore columns ``kinds``, with the published schema's missing
    values and boolean spellings."""
    fields = {f["name"]: f for f in schema["fields"]}
    missing = set(schema.get("missingValues", [""])) | {""}
    with path.open(encoding="utf-8", newline="") as fh:
        return [tuple(_parsed(row[k], t, fields[k], missing) for k, t in kinds.items())
                for row in csv.DictReader(fh)]


def digest(rows: list[tuple]) -> str:
    """Order-free SHA-256 of typed rows."""
    lines = sorted(json.dumps(r, ensure_ascii=False, default=str) for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


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
