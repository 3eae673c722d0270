"""Where the hub keeps things: state under ``Settings.hub_dir``, downloads under ``cache_dir``.

State (wiped by ``hub down --purge``): the PostgreSQL cluster, Redis and Solr data, CKAN's
config and storage, pid files, logs, generated passwords and ``hub.json``.
Caches (kept): the CKAN virtualenv and the Solr jars (Maven repository), so a purged hub
comes back without downloading anything.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dgti_data.hub.processes import HubError
from dgti_data.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
# The Solr launcher's runtime files (pom, solrconfig, launcher source); the schema is the portal's.
SOLR_FILES = PACKAGE_DIR / "solr"
# The portal side, a deliverable of its own at the top of the repository: the CKAN extension
# ckanext-dgti (a distribution installed into CKAN's virtualenv), its GD Catalog dataset schema and
# the Solr schema with Thai analysis. The hub installs it exactly as a portal's administrator would.
PORTAL_DIRNAME = "ckanext-dgti"

SCHEMING_VERSION = "3.1.0"
GUNICORN_VERSION = "27.0.1"
# ckanext-dgti's dependency (Thai words in the DataStore); the hub installs the plugin --no-deps.
PYICU_VERSION = "2.17"
# Opt-in (Settings.hub_xloader). 2.6.0 clashes with CKAN 2.11's pins; 2.5.2's wheel omits these
# run-time dependencies, so they are installed beside it.
XLOADER_VERSION = "2.5.2"
XLOADER_MISSING_DEPS = ("chardet", "tabulator==1.53.5", "Unidecode", "ckantoolkit")

# The test suite's second hub (another CKAN release): its ports are the first hub's plus this.
SECOND_HUB_PORT_OFFSET = 50

# Accounts and organisations the hub creates.
SYSADMIN = "dgti-admin"
EDITOR = "dgti-editor"
ORGANIZATION = "dga"
ORGANIZATION_TITLE = "สำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน) / Digital Government Development Agency"
OTHER_ORGANIZATION = "other-agency"
OTHER_ORGANIZATION_TITLE = "หน่วยงานอื่น (ทดสอบสิทธิ์) / Other agency (permission tests)"

# PostgreSQL roles and databases (CKAN's conventional names).
CKAN_DB = "ckan_default"
CKAN_ROLE = "ckan_default"
DATASTORE_DB = "datastore_default"
DATASTORE_RO_ROLE = "datastore_default"


def portal_dir() -> Path:
    """The top-level ``ckanext-dgti`` folder of the checkout the hub runs from (``./dev`` installs
    dgti-data in editable mode; the local hub is a developer's tool, not shipped in the wheel)."""
    found = PACKAGE_DIR.parent.parent / PORTAL_DIRNAME
    if not (found / "pyproject.toml").is_file():
        raise HubError(
            f"{found} not found: the local hub runs from a source checkout of dgti-data")
    return found


def portal_solr_schema() -> Path:
    """CKAN's schema with Thai analysis, from the portal folder."""
    return portal_dir() / "solr" / "schema.xml"


def second_hub(settings: Settings) -> Settings:
    """Settings of a second hub running ``hub_second_ckan_version`` beside the first: its own state
    folder and ports (the first's plus ``SECOND_HUB_PORT_OFFSET``), the same caches (CKAN's
    virtualenv is kept per version there). Publishing tests run on both releases."""
    version = settings.hub_second_ckan_version
    off = SECOND_HUB_PORT_OFFSET
    return settings.model_copy(update={
        "hub_ckan_version": version,
        "hub_dir": settings.hub_dir.with_name(f"{settings.hub_dir.name}-ckan-{version}"),
        "hub_postgres_port": settings.hub_postgres_port + off,
        "hub_redis_port": settings.hub_redis_port + off,
        "hub_solr_port": settings.hub_solr_port + off,
        "hub_ckan_port": settings.hub_ckan_port + off,
        "hub_xloader": False,
    })


@dataclass(frozen=True)
class HubPaths:
    settings: Settings

    @property
    def root(self) -> Path:
        return self.settings.hub_dir

    @property
    def cache(self) -> Path:
        return self.settings.cache_dir

    # state
    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.json"

    @property
    def pg_root(self) -> Path:
        return self.root / "postgres"

    @property
    def pg_data(self) -> Path:
        return self.pg_root / "data"

    @property
    def pg_socket(self) -> Path:
        return self.pg_root / "socket"

    @property
    def redis_dir(self) -> Path:
        return self.root / "redis"

    @property
    def solr_home(self) -> Path:
        return self.root / "solr"

    @property
    def ckan_dir(self) -> Path:
        return self.root / "ckan"

    @property
    def ckan_ini(self) -> Path:
        return self.ckan_dir / "ckan.ini"

    # caches
    @property
    def ckan_venv(self) -> Path:
        return self.cache / f"ckan-{self.settings.hub_ckan_version}" / "venv"

    @property
    def solr_cache(self) -> Path:
        return self.cache / f"solr-{self.settings.hub_solr_version}"

    @property
    def maven_repo(self) -> Path:
        return self.cache / "m2"

    def log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    def pidfile(self, name: str) -> Path:
        return self.run / f"{name}.pid"

    def make_state_dirs(self) -> None:
        # The postgres user must be able to enter the state folder (initdb refuses root).
        for d in (self.root, self.run, self.logs, self.pg_root, self.redis_dir, self.solr_home,
                  self.ckan_dir):
            d.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        os.chmod(self.pg_root, 0o755)


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (0600), atomically."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def load_secrets(paths: HubPaths) -> dict[str, Any]:
    """Generated passwords of the hub, made once and kept in ``secrets.json`` (0600)."""
    data: dict[str, Any] = {}
    if paths.secrets_file.exists():
        data = json.loads(paths.secrets_file.read_text(encoding="utf-8"))
    changed = False
    for key in ("ckan_db_password", "datastore_db_password", "sysadmin_password",
                "editor_password"):
        if not data.get(key):
            data[key] = secrets.token_urlsafe(24)
            changed = True
    if changed:
        write_private(paths.secrets_file, json.dumps(data, indent=2) + "\n")
    return data
