"""Headless Chromium driven over the DevTools protocol, for pages that need a click before they show
what a user sees (the Prefect UI's resume form is a dialog behind a "Resume" button)."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests
from websockets.sync.client import ClientConnection, connect

from dgti_data.hub.processes import free_port
from dgti_data.report.browser import chromium

LIMIT_S = 90  # a bound for the page to load, not an assertion about speed

# Elements inside the dialog whose content is wider than their box: text the steward cannot see.
_CUT_OFF = """(() => {
  const dialog = document.querySelector('[role=dialog]') || document.querySelector('.p-modal');
  if (!dialog) return null;
  const box = dialog.getBoundingClientRect();
  const cut = [];
  if (box.right > window.innerWidth + 1 || box.left < -1) cut.push('dialog ' + box.left + '..' + box.right);
  for (const el of dialog.querySelectorAll('*')) {
    if (el.closest('details:not([open])') && el.tagName !== 'SUMMARY') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0) continue;
    // wider than its box, or reaching past the dialog: text the steward cannot see without scrolling
    if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 || r.right > box.right + 1)
      cut.push(el.tagName + ': ' + el.textContent.slice(0, 60));
  }
  return cut;
})()"""


class Page:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws, self.ids = ws, itertools.count(1)

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        n = next(self.ids)
        self.ws.send(json.dumps({"id": n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=LIMIT_S))
            if msg.get("id") == n:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})

    def evaluate(self, expression: str) -> Any:
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression: str, what: str) -> Any:
        deadline = time.monotonic() + LIMIT_S
        while time.monotonic() < deadline:
            if value := self.evaluate(expression):
                return value
            time.sleep(0.5)
        raise AssertionError(f"{what} did not appear within {LIMIT_S} s")

    def click_button(self, text: str) -> None:
        find = ("[...document.querySelectorAll('button')].find(b => b.textContent.trim() === "
                f"{json.dumps(text)})")
        self.wait_for(f"!!{find}", f"a {text!r} button")
        self.evaluate(f"{find}.click()")

    def screenshot(self, png: Path) -> Path:
        png.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return png


@contextlib.contextmanager
def browser(url: str, width: int = 1280, height: int = 1000) -> Iterator[Page]:
    """A page of headless Chromium (throw-away profile) showing ``url``."""
    port = free_port()
    # Chromium's helper processes can still write to the profile after the browser exits; a leftover
    # profile file is no failure of the page under test.
    with tempfile.TemporaryDirectory(prefix="dgti-cdp-", ignore_cleanup_errors=True) as profile:
        proc = subprocess.Popen(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--remote-debugging-port={port}", "--remote-allow-origins=*", f"--user-data-dir={profile}",
             f"--window-size={width},{height}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        try:
            deadline, pages = time.monotonic() + LIMIT_S, []
            while not pages and time.monotonic() < deadline:
                with contextlib.suppress(requests.RequestException):
                    found = requests.get(f"http://127.0.0.1:{port}/json/list", timeout=2).json()
                    pages = [p for p in found if p.get("type") == "page"]
                time.sleep(0.3)
            assert pages, "Chromium's DevTools endpoint did not answer"
            with connect(pages[0]["webSocketDebuggerUrl"], max_size=None) as ws:
                page = Page(ws)
                page.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                          deviceScaleFactor=1, mobile=False)
                page.call("Page.navigate", url=url)
                yield page
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # the browser and its helpers, not the browser alone
            proc.wait(timeout=20)


def resume_form(url: str, png: Path, width: int = 1280, choose: tuple[str, ...] = (),
                submit: bool = False) -> dict[str, Any]:
    """Open a paused flow run's page, click Resume, screenshot the form; then click each button of
    ``choose`` (the decision's Approve / Reject switch) and screenshot again (``png`` with the
    button's position as suffix). Answers, per view ("" first, then each button's text), what is cut
    off and the dialog's text; with ``submit``, clicks Submit on the last view as it is and answers
    the page's text after it under "submitted"."""
    views: dict[str, Any] = {}
    dialog_text = ("(document.querySelector('[role=dialog]') || document.querySelector('.p-modal'))"
                   ".innerText")
    with browser(url, width) as page:
        try:
            page.click_button("Resume")
        except AssertionError as exc:
            page.screenshot(png)
            buttons = page.evaluate("[...document.querySelectorAll('button')].map(b => b.textContent.trim())")
            body = page.evaluate("document.body ? document.body.innerText.slice(0, 500) : ''")
            raise AssertionError(f"{exc}; buttons {buttons}; page {body!r}; screenshot {png}") from None
        page.wait_for(f"{_CUT_OFF} !== null", "the resume dialog")
        for n, button in enumerate(("", *choose)):
            if button:
                page.click_button(button)
            time.sleep(1)  # fonts and the markdown renderer settle
            cut = json.loads(page.evaluate(f"JSON.stringify({_CUT_OFF})"))
            shot = png if not n else png.with_name(f"{png.stem}-{n}{png.suffix}")
            views[button] = {"cut_off": cut, "text": page.evaluate(dialog_text), "png": page.screenshot(shot)}
        if submit:
            page.click_button("Submit")
            time.sleep(3)  # the server's answer
            views["submitted"] = page.evaluate("document.body.innerText")
    return views
