"""CKAN itself: its own virtualenv (its pins clash with prefect), config, database, server.

The virtualenv lives under ``cache_dir`` (kept by ``hub down --purge``); ``ckan.ini``, the
dataset schema, storage and logs live in the state folder. CKAN is served by gunicorn on
127.0.0.1, started in the background with a pid file.
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from dgti_data.ckan.client import ping
from dgti_data.hub import postgres, solr
from dgti_data.hub.layout import (
    CKAN_DB,
    CKAN_ROLE,
    DATASTORE_DB,
    DATASTORE_RO_ROLE,
    GUNICORN_VERSION,
    PLUGIN_DIR,
    SCHEMA_FILE,
    SCHEMING_VERSION,
    XLOADER_MISSING_DEPS,
    XLOADER_VERSION,
    HubPaths,
)
from dgti_data.hub.processes import (
    HubError,
    owned_pid,
    port_open,
    run,
    say,
    spawn,
    stop_service,
    wait_until,
)

# dgti_bulk: this repository's plugin (dgti_datastore_load, a COPY-speed DataStore load).
PLUGINS = "activity datastore datatables_view scheming_datasets dgti_bulk"
XLOADER_PLUGIN = "xloader"
SCHEMA_NAME = "gd_catalog_dataset.yaml"

WSGI = '''\
"""WSGI entry point of the dgti-data local hub (written by dgti-data hub up)."""
import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app

_ini = os.environ["CKAN_INI"]
fileConfig(_ini, disable_existing_loggers=False)
application = make_app(CKANConfigLoader(_ini).get_config())
'''


def url(paths: HubPaths) -> str:
    return f"http://127.0.0.1:{paths.settings.hub_ckan_port}"


def status_url(paths: HubPaths) -> str:
    return f"{url(paths)}/api/3/action/status_show"


def requirements(paths: HubPaths) -> list[str]:
    return [
        f"ckan[requirements]=={paths.settings.hub_ckan_version}",
        f"ckanext-scheming=={SCHEMING_VERSION}",
        f"gunicorn=={GUNICORN_VERSION}",
    ]


def venv_python(paths: HubPaths) -> Path:
    return paths.ckan_venv / "bin" / "python"


def installed_schema(paths: HubPaths) -> Path:
    """CKAN's Solr schema inside the CKAN virtualenv."""
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
        what="pip install CKAN (needs the Debian packages libpq-dev and gcc for psycopg2)",
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
    """(Re)install the hub's plugin (``ckanext-dgti``) when its source changed; True if it did.

    Built from a copy, so that pip's build files never land in the source tree.
    """
    marker = paths.ckan_venv / ".dgti-plugin"
    digest = _tree_digest(PLUGIN_DIR)
    if marker.exists() and marker.read_text(encoding="utf-8") == digest:
        return False
    build = paths.cache / "ckanext-dgti-build"
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(PLUGIN_DIR, build, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info",
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


def _env(paths: HubPaths) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CKAN_", "VIRTUAL_ENV"))}
    env["CKAN_INI"] = str(paths.ckan_ini)
    env["PATH"] = f"{paths.ckan_venv / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONUNBUFFERED"] = "1"
    return env


def ckan_cli(paths: HubPaths, *args: str, what: str, input: str | None = None,
             redact: Sequence[str] = (), log_stdout: bool = True) -> str:
    return run(
        [paths.ckan_venv / "bin" / "ckan", "-c", paths.ckan_ini, *args],
        what=what,
        env=_env(paths),
        input=input,
        cwd=paths.ckan_dir,
        log=paths.log("ckan-setup"),
        redact=redact,
        log_stdout=log_stdout,
    )


def _options(paths: HubPaths, secrets: dict[str, str]) -> dict[str, str]:
    s = paths.settings
    return {
        "sqlalchemy.url": postgres.dsn(paths, CKAN_ROLE, secrets["ckan_db_password"], CKAN_DB),
        "ckan.datastore.write_url": postgres.dsn(
            paths, CKAN_ROLE, secrets["ckan_db_password"], DATASTORE_DB
        ),
        "ckan.datastore.read_url": postgres.dsn(
            paths, DATASTORE_RO_ROLE, secrets["datastore_db_password"], DATASTORE_DB
        ),
        "solr_url": solr.url(paths),
        "ckan.redis.url": f"redis://127.0.0.1:{s.hub_redis_port}/0",
        "ckan.site_url": url(paths),
        "ckan.site_id": "dgti-hub",
        "ckan.site_title": "DGTI local hub",
        "ckan.plugins": PLUGINS + (f" {XLOADER_PLUGIN}" if s.hub_xloader else ""),
        "scheming.dataset_schemas": (paths.ckan_dir / SCHEMA_NAME).as_uri(),
        "scheming.presets": "ckanext.scheming:presets.json",
        "scheming.dataset_fallback": "false",
        "ckan.storage_path": str(paths.ckan_dir / "storage"),
        "ckan.locale_default": "en",
        "ckan.locales_offered": "en th",
        "ckan.auth.create_user_via_web": "false",
        "ckan.views.default_views": "datatables_view",
        "ckan.max_resource_size": "1024",
        # DataStore inserts in pages of 100 rows per round trip instead of one (psycopg2's
        # execute_batch): about 1.5x faster loads of big tables.
        "ckan.datastore.sqlalchemy.executemany_mode": "values_plus_batch",
        # Full-text indexes as GIN, PostgreSQL's advice for text search on data read far more often
        # than written: about 4x faster to build than CKAN's default GiST (whichever path loads).
        "ckan.datastore.default_fts_index_method": "gin",
        # CKAN also indexes each text column for q={column: words}; those searches work without it.
        "ckan.datastore.default_fts_index_field_types": (
            "text tsvector" if s.hub_fts_column_indexes else "tsvector"
        ),
        "debug": "false",
    } | (_xloader_options(paths, secrets) if s.hub_xloader else {})


def _xloader_options(paths: HubPaths, secrets: dict[str, str]) -> dict[str, str]:
    """XLoader's settings. It loads only what ``xloader_submit`` asks for: the pipeline loads its
    own resources, and an automatic XLoader job would replace their typed tables with text."""
    options = {
        "ckanext.xloader.jobs_db.uri": postgres.dsn(
            paths, CKAN_ROLE, secrets["ckan_db_password"], CKAN_DB
        ),
        "ckanext.xloader.formats": "dgti-xloader-only",  # no format of ours: no automatic loads
        "ckanext.xloader.max_content_length": str(2 * 10**9),
        "ckanext.xloader.job_timeout": "3600",
    }
    if secrets.get("xloader_token"):
        options["ckanext.xloader.api_token"] = secrets["xloader_token"]
    return options


def configure(paths: HubPaths, secrets: dict[str, str]) -> str:
    """Write ``ckan.ini`` (generated once, then edited) and the dataset schema."""
    paths.ckan_dir.mkdir(parents=True, exist_ok=True)
    (paths.ckan_dir / "storage").mkdir(exist_ok=True)
    shutil.copyfile(SCHEMA_FILE, paths.ckan_dir / SCHEMA_NAME)
    (paths.ckan_dir / "wsgi.py").write_text(WSGI, encoding="utf-8")
    done = []
    if not paths.ckan_ini.exists():
        run(
            [paths.ckan_venv / "bin" / "ckan", "generate", "config", paths.ckan_ini],
            what="ckan generate config",
            env=_env(paths),
            cwd=paths.ckan_dir,
            log=paths.log("ckan-setup"),
        )
        os.chmod(paths.ckan_ini, 0o600)
        done.append("generated ckan.ini")
    options = _options(paths, secrets)
    digest = hashlib.sha256(json.dumps(options, sort_keys=True).encode()).hexdigest()
    stamp = paths.ckan_dir / ".options.sha256"
    if not stamp.exists() or stamp.read_text() != digest or not _ini_has(paths, options):
        parser = configparser.RawConfigParser()
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        parser["app:main"] = options
        extra = paths.ckan_dir / ".options.ini"
        with extra.open("w", encoding="utf-8") as fh:
            os.chmod(extra, 0o600)
            parser.write(fh)
        try:
            run(
                [paths.ckan_venv / "bin" / "ckan", "config-tool", paths.ckan_ini, "-f", extra],
                what="ckan config-tool",
                env=_env(paths),
                cwd=paths.ckan_dir,
                log=paths.log("ckan-setup"),
            )
        finally:
            extra.unlink(missing_ok=True)
        stamp.write_text(digest)
        done.append("set options")
    return ", ".join(done) if done else "unchanged"


def _ini_has(paths: HubPaths, options: dict[str, str]) -> bool:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read(paths.ckan_ini, encoding="utf-8")
        section = parser["app:main"]
    except (configparser.Error, KeyError):
        return False
    return all(section.get(k) == v for k, v in options.items())


def init_database(paths: HubPaths) -> str:
    """CKAN's tables (and the DataStore's permissions), on a fresh database only."""
    marker = paths.ckan_dir / ".datastore-permissions"
    done = []
    if not postgres.has_ckan_tables(paths):
        ckan_cli(paths, "db", "init", what="ckan db init")
        done.append("db init")
    if not marker.exists():
        sql = ckan_cli(paths, "datastore", "set-permissions", what="ckan datastore set-permissions")
        postgres.psql(paths, sql, db=DATASTORE_DB)
        marker.write_text("done\n")
        done.append("datastore permissions")
    return ", ".join(done) if done else "present"


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
            "--timeout", "300",
            "--graceful-timeout", "20",
            "--chdir", paths.ckan_dir,
            "--access-logfile", paths.log("ckan-access"),
            "--error-logfile", "-",
            "--name", "dgti-hub-ckan",
            "wsgi:application",
        ],
        log=log,
        pidfile=paths.pidfile("ckan"),
        env=_env(paths),
        cwd=paths.ckan_dir,
    )
    wait_ready(paths)
    return f"started (pid {pid})"


def reload(paths: HubPaths) -> bool:
    """Make running workers re-read ckan.ini and the schema (gunicorn HUP); False if none."""
    pid = running_pid(paths)
    if pid is None:
        return False
    import signal

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
        env=_env(paths),
        cwd=paths.ckan_dir,
    )
    return f"started (pid {pid})"


def restart_worker(paths: HubPaths) -> str:
    """A worker reads ckan.ini once: restart it after a config change."""
    stop_worker(paths)
    return start_worker(paths)


def stop_worker(paths: HubPaths) -> str:
    return stop_service(worker_pid(paths), paths.pidfile("ckan-worker"), what="ckan jobs worker")


