"""The "central catalogue": a second CKAN site on the hub's services that harvests the hub, as
data.go.th's GD Catalog harvests the agencies' portals.

It shares the hub's PostgreSQL (its own databases), Solr (its own core, with the portal's Thai
schema) and Redis (its own database number), runs CKAN 2.11 whichever version the hub runs (the
hub's virtualenv when that is 2.11; ``CKAN_VERSION`` below says why), on its own port, with
ckanext-harvest, ckanext-dcat's DCAT RDF harvester and the GD Catalog profile of ckanext-dgti
(``dgti_gd_catalog``: parses the hub's language-tagged DCAT back into the Thai title and the
bilingual description), plus ``dgti_thai`` for Thai keywords (the GD Catalog runs
ckanext-thai_gdc, which accepts them the same way). It is for tests: ``up`` makes it, ``harvest``
runs a harvest synchronously (``ckan harvester run-test``), ``down`` stops it; ``hub down`` stops
it too. Its state lives in ``<hub dir>/central`` and goes with ``hub down --purge``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dgti_data.ckan.client import ping
from dgti_data.hub import ckan_install, postgres, solr_server
from dgti_data.hub import dcat as hub_dcat
from dgti_data.hub.ckan_config import WSGI
from dgti_data.hub.ckan_server import WORKER_TIMEOUT
from dgti_data.hub.layout import CKAN_ROLE, DATASTORE_RO_ROLE, HubPaths, load_secrets
from dgti_data.hub.processes import (
    HubError,
    free_port,
    owned_pid,
    port_open,
    run,
    say,
    spawn,
    stop_service,
    wait_until,
)
from dgti_data.settings import Settings

NAME = "central"
DB, DATASTORE_DB = "central_default", "central_datastore"
CORE = "central"
REDIS_DB = 1
PLUGINS = "activity datastore dgti_thai harvest dcat dcat_rdf_harvester"
SOURCE_TYPE = "dcat_rdf"
# The central catalogue is another portal, with its own CKAN: 2.11, whatever the hub runs.
# ckanext-harvest 1.6.3 (the latest) does not harvest a source twice on CKAN 2.12.0: from the
# second run on, harvest_source_show lacks source_type (KeyError in `harvester run-test`).
CKAN_VERSION = "2.11.6"


@dataclass(frozen=True)
class Central:
    paths: HubPaths
    port: int

    @property
    def root(self) -> Path:
        return self.paths.root / NAME

    @property
    def ini(self) -> Path:
        return self.root / "ckan.ini"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pidfile(self) -> Path:
        return self.paths.pidfile(f"{NAME}-ckan")


def solr_url(paths: HubPaths) -> str:
    return f"http://127.0.0.1:{paths.settings.hub_solr_port}/solr/{CORE}"


def running_pid(paths: HubPaths) -> int | None:
    return owned_pid(paths.pidfile(f"{NAME}-ckan"), "dgti-central-ckan")


def up(settings: Settings, port: int | None = None) -> Central:
    """Start the central site on the running hub's services (made on first use)."""
    paths = HubPaths(settings.model_copy(update={"hub_ckan_version": CKAN_VERSION}))
    if not (postgres.is_up(paths) and solr_server.is_up(paths)):
        raise HubError("the hub is not running: `dgti-data hub up` first")
    if running_pid(paths) is not None:  # left by an earlier session: its port may differ
        say(f"central catalogue: {stop(paths)} (left running before)")
    site = Central(paths, port or free_port())
    site.root.mkdir(parents=True, exist_ok=True)
    say(f"central catalogue: CKAN {CKAN_VERSION} venv {ckan_install.install(paths)}")
    ckan_install.install_plugin(paths)
    hub_dcat.install(paths)
    secrets = load_secrets(paths)
    _databases(paths)
    _solr_core(paths)
    _configure(site, secrets)
    if not _has_table(paths, "package"):
        cli(site, "db", "init", what="ckan db init (central)")
        sql = cli(site, "datastore", "set-permissions", what="ckan datastore set-permissions (central)")
        postgres.psql(paths, sql, db=DATASTORE_DB)
    if not _has_table(paths, "harvest_source"):
        cli(site, "db", "upgrade", "-p", "harvest", what="ckan db upgrade -p harvest (central)")
    _start(site)
    say(f"central catalogue: {site.url} (harvest with ckanext-dcat's {SOURCE_TYPE} harvester)")
    return site


def _has_table(paths: HubPaths, table: str) -> bool:
    return postgres.psql(paths, f"SELECT to_regclass('public.{table}') IS NOT NULL", db=DB).strip() == "t"


def _databases(paths: HubPaths) -> None:
    existing = set(postgres.psql(paths, "SELECT datname FROM pg_database").split())
    for db in (DB, DATASTORE_DB):
        if db not in existing:
            postgres.psql(paths, f"CREATE DATABASE {db} OWNER {CKAN_ROLE} ENCODING 'UTF8' TEMPLATE template0")


def _solr_core(paths: HubPaths) -> None:
    """The ``central`` core beside the hub's ``ckan`` core, same config and Thai schema, created
    through Solr's CoreAdmin API (a running Solr loads new cores only when asked)."""
    if ping(f"{solr_url(paths)}/admin/ping?wt=json"):
        return
    conf = paths.solr_home / CORE / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    hub_conf = paths.solr_home / solr_server.CORE / "conf"
    for name in (*solr_server.CONF_FILES, *solr_server.SCHEMA_FILES):
        (conf / name).write_bytes((hub_conf / name).read_bytes())
    base = f"http://127.0.0.1:{paths.settings.hub_solr_port}/solr"
    # CoreAdmin CREATE is a GET; the core's own ping below is what proves it loaded.
    ping(f"{base}/admin/cores?action=CREATE&name={CORE}&instanceDir={CORE}&wt=json", timeout=60)
    wait_until("solr core central", lambda: ping(f"{solr_url(paths)}/admin/ping?wt=json"),
               deadline_s=60, log=paths.log("solr"), interval=0.5)


def _configure(site: Central, secrets: dict[str, str]) -> None:
    paths, s = site.paths, site.paths.settings
    env = _env(site)
    (site.root / "storage").mkdir(exist_ok=True)
    (site.root / "wsgi.py").write_text(WSGI, encoding="utf-8")
    if not site.ini.exists():
        run([paths.ckan_venv / "bin" / "ckan", "generate", "config", site.ini],
            what="ckan generate config (central)", env=env, cwd=site.root, log=paths.log("central-setup"))
        os.chmod(site.ini, 0o600)
    password = secrets["ckan_db_password"]
    options = {
        "sqlalchemy.url": postgres.dsn(paths, CKAN_ROLE, password, DB),
        "ckan.datastore.write_url": postgres.dsn(paths, CKAN_ROLE, password, DATASTORE_DB),
        "ckan.datastore.read_url": postgres.dsn(paths, DATASTORE_RO_ROLE,
                                                secrets["datastore_db_password"], DATASTORE_DB),
        "solr_url": solr_url(paths),
        "ckan.redis.url": f"redis://127.0.0.1:{s.hub_redis_port}/{REDIS_DB}",
        "ckan.site_url": site.url,
        "ckan.site_id": "dgti-central",
        "ckan.site_title": "GD Catalog กลาง (ทดสอบ) · Central catalogue (test)",
        "ckan.plugins": PLUGINS,
        "ckan.locale_default": "th",
        "ckan.locales_offered": "th en",
        "ckan.storage_path": str(site.root / "storage"),
        "ckan.auth.create_unowned_dataset": "true",
        "ckan.harvest.mq.type": "redis",
        "ckan.views.default_views": "",
        "debug": "false",
    } | {k: v for k, v in hub_dcat.options().items() if k.startswith("ckanext.dcat.rdf")} | {
        "ckanext.dcat.clean_tags": "false",
    }
    extra = site.root / ".options.ini"
    lines = ["[app:main]", *(f"{k} = {v}" for k, v in options.items())]
    fd = os.open(extra, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    try:
        run([paths.ckan_venv / "bin" / "ckan", "config-tool", site.ini, "-f", extra],
            what="ckan config-tool (central)", env=env, cwd=site.root, log=paths.log("central-setup"))
    finally:
        extra.unlink(missing_ok=True)


def _env(site: Central) -> dict[str, str]:
    return ckan_install.env(site.paths) | {"CKAN_INI": str(site.ini)}


def cli(site: Central, *args: str, what: str) -> str:
    """``ckan -c <central ini> ARGS``; its output."""
    return run([site.paths.ckan_venv / "bin" / "ckan", "-c", site.ini, *args], what=what,
               env=_env(site), cwd=site.root, log=site.paths.log("central-setup"))


def _start(site: Central) -> None:
    if port_open(site.port):
        raise HubError(f"port {site.port} is taken: cannot start the central catalogue")
    log = site.paths.log("central-ckan")
    log.write_text("", encoding="utf-8")
    spawn([site.paths.ckan_venv / "bin" / "gunicorn", "--bind", f"127.0.0.1:{site.port}",
           "--workers", "1", "--timeout", str(WORKER_TIMEOUT), "--chdir", site.root, "--error-logfile", "-",
           "--name", "dgti-central-ckan", "wsgi:application"],
          log=log, pidfile=site.pidfile, env=_env(site), cwd=site.root)
    wait_until("central ckan", lambda: ping(f"{site.url}/api/3/action/status_show", timeout=5),
               deadline_s=120, alive=lambda: running_pid(site.paths) is not None, log=log, interval=0.5)


def harvest(site: Central, name: str, source_url: str, *, rdf_format: str = "text/turtle") -> dict[str, Any]:
    """Harvest the DCAT catalogue ``source_url`` now, as source ``name`` (registered on first use),
    in a child process (gather, fetch, import: no queue, no worker). Datasets gone from the
    catalogue since the last harvest are deleted. Returns the job's ``status`` and ``stats``
    (added / updated / deleted / errored / not modified, from ckanext-harvest's tables: its API
    leaves a source's status out on CKAN 2.12); raises if the job did not finish or had errors."""
    if not _NAME.match(name):
        raise HubError(f"harvest source name {name!r}: lowercase letters, digits, - and _ only")
    # ckanext-harvest refuses a second source with the same URL and config, and compares URLs
    # without their query (?fq=...): the source's name in its config keeps each one distinct.
    config = json.dumps({"rdf_format": rdf_format, "dgti_source": name})
    if not _source_exists(site.paths, name):
        try:
            cli(site, "harvester", "source", "create", name, source_url, SOURCE_TYPE, name, "true", "",
                "MANUAL", config, what=f"ckan harvester source create {name} (central)")
        except HubError:
            # ckanext-harvest 1.6.3's CLI saves the source, then fails printing it on CKAN 2.12.
            if not _source_exists(site.paths, name):
                raise
    cli(site, "harvester", "run-test", name, what=f"ckan harvester run-test {name} (central)")
    return _last_job(site, name)


_NAME = re.compile(r"^[a-z0-9_-]{2,100}$")


def _source_exists(paths: HubPaths, name: str) -> bool:
    sql = f"SELECT count(*) FROM package WHERE name = '{name}' AND type = 'harvest' AND state = 'active'"
    return postgres.psql(paths, sql, db=DB).strip() != "0"


def _last_job(site: Central, name: str) -> dict[str, Any]:
    rows = postgres.psql(site.paths, f"""
SELECT j.status, coalesce(o.report_status, ''), count(o.id),
       (SELECT count(*) FROM harvest_gather_error g WHERE g.harvest_job_id = j.id)
FROM harvest_job j JOIN package p ON p.id = j.source_id
LEFT JOIN harvest_object o ON o.harvest_job_id = j.id AND o.report_status IS NOT NULL
WHERE p.name = '{name}'
  AND j.created = (SELECT max(created) FROM harvest_job WHERE source_id = p.id)
GROUP BY j.id, j.status, o.report_status""", db=DB)
    status, stats, gather_errors = "", {}, 0
    for row in rows.splitlines():
        status, report, count, gather = row.split("|")
        gather_errors = int(gather)
        if report:
            stats[report.replace(" ", "_")] = int(count)
    log = site.paths.log("central-setup")
    if status != "Finished":
        raise HubError(f"harvest {name}: the job did not finish ({status or 'no job'!r}); see {log}")
    if gather_errors or stats.get("errored"):
        raise HubError(f"harvest {name}: {gather_errors} gather and {stats.get('errored', 0)} import "
                       f"errors (stats {stats}); see {log}")
    return {"status": status, "stats": stats}


def stop(paths: HubPaths) -> str:
    """Stop the central site's CKAN (its data stays for the next ``up``)."""
    return stop_service(running_pid(paths), paths.pidfile(f"{NAME}-ckan"), what="central ckan")


def down(site: Central) -> str:
    return stop(site.paths)
