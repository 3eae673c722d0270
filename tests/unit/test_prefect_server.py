"""Without PREFECT_API_URL, the flows and the CLI use a Prefect server running on DGTI_PREFECT_PORT
instead of starting a temporary one; a configured URL wins, and with no server nothing changes.

Each case runs in a child process (the choice is process-wide, as an exported variable is), against
a loopback HTTP server that answers Prefect's health check the way Prefect's server does.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

from dgti_data.hub.processes import free_port
from dgti_data.settings import PROJECT_ROOT

_CHILD = r"""
import json, threading
from dgti_data.orchestration import use_local_prefect_server
from prefect.settings import PREFECT_API_URL
used = use_local_prefect_server()
seen = []
t = threading.Thread(target=lambda: seen.append(PREFECT_API_URL.value()))  # as Prefect's log workers
t.start(); t.join()
print(json.dumps({"used": used, "main": PREFECT_API_URL.value(), "thread": seen[0]}))
"""


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"true" if self.path == "/api/health" else b"{}"
        self.send_response(200 if self.path == "/api/health" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def _server() -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()



def _child(port: int, api_url: str | None = None) -> dict[str, str | None]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"DGTI_PREFECT_PORT": str(port), "PREFECT_HOME": os.environ.get("PREFECT_HOME", "/tmp")}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True,
                          timeout=120, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_running_local_server_is_used_by_this_process_and_its_threads() -> None:
    with _server() as port:
        api = f"http://127.0.0.1:{port}/api"
        assert _child(port) == {"used": api, "main": api, "thread": api}


def test_a_configured_url_wins_over_a_running_local_server() -> None:
    configured = "http://127.0.0.1:9/api"  # not asked: Prefect's own setting is taken as it is
    with _server() as port:
        got = _child(port, api_url=configured)
    assert got == {"used": configured, "main": configured, "thread": configured}


def test_with_no_local_server_nothing_changes() -> None:
    assert _child(free_port()) == {"used": None, "main": None, "thread": None}
