"""Render the steward's HTML report in headless Chromium: a PNG for people, a PDF whose text layer
and fonts show that Thai really rendered (not as empty boxes)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from dgti_data.errors import ConfigurationError

# Without these flags Chromium keeps trying to reach Google's services, which this network refuses.
_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    raise ConfigurationError("headless Chromium is not installed (Debian package: chromium)")


def run_chromium(args: list[str], target: Path) -> Path:
    """Headless Chromium with a throw-away profile; ``target`` is the file it must have written."""
    # Helper processes may still be writing to the profile as the browser exits: not our failure.
    with tempfile.TemporaryDirectory(prefix="dgti-chromium-", ignore_cleanup_errors=True) as profile:
        subprocess.run(
            [chromium(), *_FLAGS, f"--user-data-dir={profile}", *args],
            check=True, capture_output=True, timeout=120,
        )
    if not target.exists() or target.stat().st_size == 0:
        raise RuntimeError(f"Chromium wrote nothing to {target}")
    return target


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2000) -> Path:
    args = [f"--screenshot={png}", f"--window-size={width},{height}", html.resolve().as_uri()]
    return run_chromium(args, png)


def print_pdf(html: Path, pdf: Path) -> Path:
    return run_chromium([f"--print-to-pdf={pdf}", "--no-pdf-header-footer", html.resolve().as_uri()], pdf)
