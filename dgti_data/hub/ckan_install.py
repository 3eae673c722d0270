"""CKAN's own virtualenv (its pins clash with prefect's) and what goes into it: CKAN, scheming,
gunicorn, the portal extension ``ckanext-dgti`` (installed from its top-level folder exactly as a
portal's administrator would) and, opt-in, XLoader. Also how to run CKAN's CLI in that venv.

The virtualenv lives under ``cache_dir`` (kept by ``hub down --purge``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from dgti_data.hub.layout import (
    GUNICORN_VERSION,
    PYICU_VERSION,
    SCHEMING_VERSION,
    XLOADER_MISSING_DEPS,
    XLOADER_VERSION,
    HubPaths,
    portal_dir,
)
from dgti_data.hub.processes import HubError, run, say


def requirements(paths: HubPaths) -> list[str]:
    return [
        f"ckan[requirements]=={paths.settings.hub_ckan_version}",
        f"ckanext-scheming=={SCHEMING_VERSION}",
        f"gunicorn=={GUNICORN_VERSION}",
        f"PyICU=={PYICU_VERSION}",
    ]


def venv_python(paths: HubPaths) -> Path:
    return paths.ckan_venv / "bin" / "python"


def stock_solr_schema(paths: HubPaths) -> Path:
    """CKAN's own Solr schema inside the CKAN virtualenv (the comparison in bench/thai_search.py)."""
    found = sorted(paths.ckan_venv.glob("lib/python3*/site-packages/ckan/config/solr/schema.xml"))
    if not found:
        raise HubError(f"CKAN's Solr schema not found in {paths.ckan_venv}")
    return found[0]


def install(paths: HubPaths) -> str:
    """Create the CKAN virtualenv and install CKAN into it, once per requirement set."""
    venv = paths.ckan_venv
    marker = venv / ".dgti-installed"
    wanted = "\n".join(requirements(paths))
    if marker.exists() and marker.read_text(encoding="utf-8") == wanted \
            and venv_python(paths).exists():
        return f"present ({venv})"
    venv.parent.mkdir(parents=True, exist_ok=True)
    if not venv_python(paths).exists():
        run([sys.executable, "-m", "venv", "--clear", venv], what="python -m venv (CKAN)")
    say(f"ckan: installing {', '.join(requirements(paths))} into {venv} (first run only)")
    log = paths.log("ckan-install")
    run(
        [venv_python(paths), "-m", "pip", "install", "--quiet", "--upgrade", "pip", "setuptools",
         "wheel"],
        what="pip upgrade in the CKAN virtualenv",
        log=log,
    )
    run(
        [venv_python(paths), "-m", "pip", "install", "--quiet", *requirements(paths)],
        what="pip install CKAN (Debian: libpq-dev, gcc for psycopg2; libicu-dev, pkg-config for PyICU)",
        log=log,
    )
    marker.write_text(wanted, encoding="utf-8")
    return f"installed ({venv})"


def _tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".egg-info" not in str(path):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def install_plugin(paths: HubPaths) -> bool:
    """(Re)install the portal extension ``ckanext-dgti`` when its source changed; True if it did.

    Built from a copy, so that pip's build files never land in the source tree.
    """
    marker = paths.ckan_venv / ".dgti-plugin"
    source = portal_dir()
    digest = _tree_digest(source)
    if marker.exists() and marker.read_text(encoding="utf-8") == digest:
        return False
    build = paths.cache / "ckanext-dgti-build"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(source, build, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info",
                                                                       "build"))
    run(
        [venv_python(paths), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--force-reinstall", build],
        what="pip install ckanext-dgti (the hub's plugin)",
        log=paths.log("ckan-install"),
    )
    shutil.rmtree(build, ignore_errors=True)
    marker.write_text(digest, encoding="utf-8")
    return True


def install_xloader(paths: HubPaths) -> bool:
    """ckanext-xloader with CKAN's installed versions as constraints, plus the run-time
    dependencies its wheel does not declare; once. True if it installed now."""
    wanted = [f"ckanext-xloader=={XLOADER_VERSION}", *XLOADER_MISSING_DEPS]
    marker = paths.ckan_venv / ".dgti-xloader"
    if marker.exists() and marker.read_text(encoding="utf-8") == "\n".join(wanted):
        return False
    say(f"ckan: installing {', '.join(wanted)} (opt-in XLoader)")
    frozen = run([venv_python(paths), "-m", "pip", "freeze"], what="pip freeze (CKAN virtualenv)")
    constraints = paths.cache / "ckan-constraints.txt"
    constraints.write_text(
        "\n".join(ln for ln in frozen.splitlines() if "==" in ln and " @ " not in ln) + "\n",
        encoding="utf-8",
    )
    run(
        [venv_python(paths), "-m", "pip", "install", "--quiet", "-c", constraints, *wanted],
        what="pip install ckanext-xloader",
        log=paths.log("ckan-install"),
    )
    marker.write_text("\n".join(wanted), encoding="utf-8")
    return True


def env(paths: HubPaths) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CKAN_", "VIRTUAL_ENV"))}
    env["CKAN_INI"] = str(paths.ckan_ini)
    env["PATH"] = f"{paths.ckan_venv / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def cli(paths: HubPaths, *args: str, what: str, input: str | None = None,
        redact: Sequence[str] = (), log_stdout: bool = True) -> str:
    """``ckan -c ckan.ini ARGS`` in CKAN's virtualenv; its output. ``redact``: secrets the log must
    not hold; ``log_stdout=False`` for output that is itself a secret (a token)."""
    return run(
        [paths.ckan_venv / "bin" / "ckan", "-c", paths.ckan_ini, *args],
        what=what,
        env=env(paths),
        input=input,
        cwd=paths.ckan_dir,
        log=paths.log("ckan-setup"),
        redact=redact,
        log_stdout=log_stdout,
    )
