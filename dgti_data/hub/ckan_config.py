"""CKAN's configuration on the hub: ``ckan.ini`` (generated once, then edited with
``ckan config-tool``), the GD Catalog dataset schema, the WSGI entry point, the database.

They live in the state folder (``hub down --purge`` deletes them).
"""

from __future__ import annotations

import configparser
import hashlib
import json
import os

from dgti_data.hub import ckan_install, dcat, postgres, solr_server
from dgti_data.hub.ckan_server import url
from dgti_data.hub.layout import (
    CKAN_DB,
    CKAN_ROLE,
    DATASTORE_DB,
    DATASTORE_RO_ROLE,
    HubPaths,
)
from dgti_data.hub.processes import run

# ckanext-dgti (the portal folder): dgti_bulk (dgti_datastore_load, a COPY-speed DataStore load),
# dgti_thai (Thai keywords, Thai pages).
# dgti_thai before scheming_datasets: its templates take precedence over scheming's.
PLUGINS = "activity datastore datatables_view dgti_thai scheming_datasets"
BULK_PLUGIN = "dgti_bulk"  # off with Settings.hub_bulk = False
XLOADER_PLUGIN = "xloader"
# The GD Catalog dataset schema ships inside ckanext-dgti (as on any portal that installs it).
DATASET_SCHEMA = "ckanext.dgti:schemas/gd_catalog_dataset.yaml"

# The portal introduces itself in Thai and English (one line each: ckan.ini values).
SITE_TITLE = "ข้อมูลเปิดท้องถิ่นดิจิทัล · Local Digital Open Data"
SITE_DESCRIPTION = ("ข้อมูลเปิดจากองค์กรปกครองส่วนท้องถิ่น โดยสำนักงานพัฒนารัฐบาลดิจิทัล (สพร.) · "
                    "Open data from Thai local administrative organisations, published by DGA")
SITE_INTRO = (
    "**ข้อมูลเปิดภาครัฐจากท้องถิ่น** ชุดข้อมูลที่องค์กรปกครองส่วนท้องถิ่น (อปท.) ส่งผ่านศูนย์ DGTi "
    "ของสำนักงานพัฒนารัฐบาลดิจิทัล (องค์การมหาชน) ผ่านการตรวจสอบคุณภาพและปกปิดข้อมูลส่วนบุคคลตาม "
    "พ.ร.บ. คุ้มครองข้อมูลส่วนบุคคล ค้นหาด้วยคำภาษาไทยได้ ดาวน์โหลดเป็น CSV ที่เปิดด้วย Excel ได้ทันที "
    "&nbsp; **Open government data from Thai localities**: datasets that local administrative "
    "organisations send through DGA's DGTi centre, checked for quality and anonymised under the PDPA. "
    "Search in Thai or English; every CSV opens in Excel with its Thai intact."
)
SITE_ABOUT = (
    "พอร์ทัลนี้เผยแพร่ชุดข้อมูลของโครงการท้องถิ่นดิจิทัล (Local Digital) สำนักงานพัฒนารัฐบาลดิจิทัล "
    "(องค์การมหาชน) ข้อมูลทุกชุดผ่านการตรวจสอบตามโครงสร้างตาราง (Table Schema) และปกปิดข้อมูลส่วนบุคคล "
    "ก่อนเผยแพร่ พร้อมรายงานผลการตรวจสอบ "
    "&nbsp; This portal publishes the datasets of DGA's Local Digital programme. Every dataset is "
    "validated against its Table Schema and anonymised before publication, with its validation report."
)

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
        "solr_url": solr_server.url(paths),
        "ckan.redis.url": f"redis://127.0.0.1:{s.hub_redis_port}/0",
        "ckan.site_url": url(paths),
        "ckan.site_id": "dgti-hub",
        "ckan.site_title": SITE_TITLE,
        "ckan.site_description": SITE_DESCRIPTION,
        "ckan.site_intro_text": SITE_INTRO,
        "ckan.site_about": SITE_ABOUT,
        "ckan.plugins": " ".join(
            [PLUGINS] + [BULK_PLUGIN] * s.hub_bulk + [dcat.PLUGINS] + [XLOADER_PLUGIN] * s.hub_xloader
        ),
        "scheming.dataset_schemas": DATASET_SCHEMA,
        "scheming.presets": "ckanext.scheming:presets.json",
        "scheming.dataset_fallback": "false",
        "ckan.storage_path": str(paths.ckan_dir / "storage"),
        # Thai by default; English one click away (the language menu in the footer, /en/ URLs).
        "ckan.locale_default": "th",
        "ckan.locales_offered": "th en",
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
    } | dcat.options() | (_xloader_options(paths, secrets) if s.hub_xloader else {})


def _xloader_options(paths: HubPaths, secrets: dict[str, str]) -> dict[str, str]:
    """XLoader's settings. Beside our bulk plugin it loads only what ``xloader_submit`` asks for: an
    automatic job would race the pipeline's own loads. Without it the hub is a portal as agencies
    run it: XLoader loads every CSV upload by itself (its default), and publishing waits for that job."""
    options = {
        "ckanext.xloader.jobs_db.uri": postgres.dsn(
            paths, CKAN_ROLE, secrets["ckan_db_password"], CKAN_DB
        ),
        # "dgti-xloader-only": no format of ours, no automatic loads
        "ckanext.xloader.formats": "dgti-xloader-only" if paths.settings.hub_bulk else "csv",
        "ckanext.xloader.max_content_length": str(2 * 10**9),
        "ckanext.xloader.job_timeout": "3600",
    }
    if secrets.get("xloader_token"):
        options["ckanext.xloader.api_token"] = secrets["xloader_token"]
    return options


def configure(paths: HubPaths, secrets: dict[str, str]) -> str:
    """Write ``ckan.ini`` (generated once, then edited) and the WSGI entry point."""
    paths.ckan_dir.mkdir(parents=True, exist_ok=True)
    (paths.ckan_dir / "storage").mkdir(exist_ok=True)
    (paths.ckan_dir / "wsgi.py").write_text(WSGI, encoding="utf-8")
    done = []
    if not paths.ckan_ini.exists():
        run(
            [paths.ckan_venv / "bin" / "ckan", "generate", "config", paths.ckan_ini],
            what="ckan generate config",
            env=ckan_install.env(paths),
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
                env=ckan_install.env(paths),
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
        ckan_install.cli(paths, "db", "init", what="ckan db init")
        done.append("db init")
    if not marker.exists():
        sql = ckan_install.cli(paths, "datastore", "set-permissions", what="ckan datastore set-permissions")
        postgres.psql(paths, sql, db=DATASTORE_DB)
        marker.write_text("done\n")
        done.append("datastore permissions")
    return ", ".join(done) if done else "present"
