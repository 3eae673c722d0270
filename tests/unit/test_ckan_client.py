"""CkanClient maps CKAN's answers to typed errors, counts reads and writes, hides the token.

A tiny HTTP server on 127.0.0.1 plays CKAN with canned answers (no mocking library).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from pydantic import SecretStr

from dgti_data.ckan import (
    CkanClient,
    CkanConnectionError,
    CkanServerError,
    CkanTerminalError,
    NotAuthorized,
    NotFound,
    ValidationError,
    is_read_action,
    ping,
)
from dgti_data.errors import TerminalError, TransientError
from dgti_data.hub.processes import free_port

TOKEN = "secret-token-do-not-print"


def _error(kind: str, **extra: object) -> dict[str, object]:
    return {"success": False, "error": {"__type": kind, **extra}}


# action -> (HTTP status, body: dict for JSON or str for raw text, delay in seconds)
CANNED: dict[str, tuple[int, object, float]] = {
    "status_show": (200, {"success": True, "result": {"ckan_version": "2.11.6"}}, 0),
    "package_show": (404, _error("Not Found Error", message="Not found: Dataset not found"), 0),
    "package_create": (
        409,
        _error("Validation Error", data_category=["Missing value"], name=["That URL is in use."]),
        0,
    ),
    "package_patch": (
        403,
        _error("Authorization Error", message="User dgti-editor not authorized to edit package"),
        0,
    ),
    "package_update": (500, _error("Search Index Error", message="Solr returned an error"), 0),
    "package_search": (500, "<html><body>Internal Server Error</body></html>", 0),
    "resource_create": (502, "<html>Bad Gateway</html>", 0),
    "datastore_search": (400, _error("Search Query Error", message="bad sort"), 0),
    "datastore_create": (400, "Bad request - JSON Error: not a JSON body", 0),
    "resource_show": (200, {"success": True, "result": {"id": "r1"}}, 2.0),
    "dgti_datastore_load": (200, {"success": True, "result": {"rows": 3}}, 0.6),
}


class FakeCkan(BaseHTTPRequestHandler):
    seen_auth: ClassVar[list[str | None]] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _answer(self) -> None:
        FakeCkan.seen_auth.append(self.headers.get("Authorization"))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.startswith("/solr/ping"):
            self._send(200, {"status": "OK"})
            return
        action = self.path.split("?")[0].rsplit("/", 1)[-1]
        status, body, delay = CANNED.get(action, (404, "no such page", 0))
        if delay:
            time.sleep(delay)
        self._send(status, body)

    def _send(self, status: int, body: object) -> None:
        raw = json.dumps(body).encode() if isinstance(body, dict) else str(body).encode()
        self.send_response(status)
        self.send_header(
            "Content-Type", "application/json" if isinstance(body, dict) else "text/html"
        )
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = _answer
    do_POST = _answer


class QuietServer(ThreadingHTTPServer):
    """Handler threads are joined on close, and a client that gave up (the timeout tests) is no
    traceback: otherwise a late one lands on whatever a later test captures as stderr."""

    daemon_threads = False
    block_on_close = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), FakeCkan)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(server_url: str) -> CkanClient:
    return CkanClient(server_url, SecretStr(TOKEN), timeout=5)


def test_success_returns_the_result_and_sends_the_token(client: CkanClient) -> None:
    FakeCkan.seen_auth.clear()
    assert client.status()["ckan_version"] == "2.11.6"
    assert FakeCkan.seen_auth[-1] == TOKEN


def test_not_found(client: CkanClient) -> None:
    with pytest.raises(NotFound) as caught:
        client.package_show("nope")
    assert isinstance(caught.value, TerminalError)
    assert caught.value.status == 404
    assert caught.value.action == "package_show"


def test_validation_error_carries_ckans_error_dict(client: CkanClient) -> None:
    with pytest.raises(ValidationError) as caught:
        client.package_create(name="x")
    err = caught.value
    assert isinstance(err, TerminalError)
    assert err.errors == {"data_category": ["Missing value"], "name": ["That URL is in use."]}
    assert err.fields == ["data_category", "name"]
    assert "data_category: Missing value" in str(err)
    assert err.status == 409


def test_not_authorized(client: CkanClient) -> None:
    with pytest.raises(NotAuthorized) as caught:
        client.package_patch(id="x", title="y")
    assert isinstance(caught.value, TerminalError)
    assert "not authorized" in str(caught.value)


@pytest.mark.parametrize(
    ("action", "status"),
    [("package_update", 500), ("package_search", 500), ("resource_create", 502)],
)
def test_server_side_failures_are_transient(client: CkanClient, action: str, status: int) -> None:
    with pytest.raises(CkanServerError) as caught:
        client.call(action, id="x")
    assert isinstance(caught.value, TransientError)
    assert caught.value.status == status


@pytest.mark.parametrize("action", ["datastore_search", "datastore_create"])
def test_other_client_errors_are_terminal(client: CkanClient, action: str) -> None:
    with pytest.raises(CkanTerminalError) as caught:
        client.call(action, resource_id="x")
    assert not isinstance(caught.value, TransientError)
    assert caught.value.status == 400


def test_timeout_is_transient(server_url: str) -> None:
    slow = CkanClient(server_url, SecretStr(TOKEN), timeout=0.3)
    with pytest.raises(CkanConnectionError) as caught:
        slow.call("resource_show", id="r1")
    assert isinstance(caught.value, TransientError)


def test_a_bulk_load_waits_the_long_timeout(server_url: str) -> None:
    client = CkanClient(server_url, SecretStr(TOKEN), timeout=0.3, long_timeout=5)
    assert client.call("dgti_datastore_load", resource_id="r1") == {"rows": 3}
    assert client.counter.write_actions == {"dgti_datastore_load": 1}
    with pytest.raises(CkanConnectionError):
        client.call("resource_show", id="r1")  # every other call keeps the short timeout


def test_extensions_are_asked_once(server_url: str) -> None:
    client = CkanClient(server_url, None, timeout=5)
    assert client.extensions() == frozenset() and client.extensions() == frozenset()
    assert client.counter.by_action["status_show"] == 1



def test_connection_refused_is_transient() -> None:
    down = CkanClient(f"http://127.0.0.1:{free_port()}", SecretStr(TOKEN), timeout=2)
    with pytest.raises(CkanConnectionError) as caught:
        down.status()
    assert isinstance(caught.value, TransientError)
    assert TOKEN not in str(caught.value)


def test_token_never_in_repr_or_errors(client: CkanClient) -> None:
    assert TOKEN not in repr(client)
    for call in (lambda: client.package_show("x"), lambda: client.package_create(name="x"),
                 lambda: client.call("package_search")):
        with pytest.raises(Exception) as caught:
            call()
        assert TOKEN not in str(caught.value)
        assert TOKEN not in repr(caught.value)


def test_calls_are_counted_as_reads_and_writes(server_url: str) -> None:
    client = CkanClient(server_url, None, timeout=5)
    client.status()
    with pytest.raises(NotFound):
        client.package_show("x")
    with pytest.raises(ValidationError):
        client.package_create(name="x")  # a refused write still counts as a write
    assert (client.counter.reads, client.counter.writes) == (2, 1)
    assert client.counter.write_actions == {"package_create": 1}
    assert client.counter.total == 3


@pytest.mark.parametrize(
    ("action", "read"),
    [
        ("package_show", True), ("package_search", True), ("organization_list", True),
        ("status_show", True), ("datastore_search", True), ("datastore_search_sql", True),
        ("datastore_info", True), ("package_create", False), ("package_patch", False),
        ("datastore_create", False), ("datastore_upsert", False), ("dataset_purge", False),
        ("resource_create", False), ("api_token_create", False),
    ],
)
def test_read_write_classification(action: str, read: bool) -> None:
    assert is_read_action(action) is read


def test_ping(server_url: str) -> None:
    assert ping(f"{server_url}/solr/ping") is True
    assert ping(f"{server_url}/missing") is False
    assert ping(f"http://127.0.0.1:{free_port()}/") is False
