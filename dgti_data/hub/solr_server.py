"""Apache Solr 9 for CKAN's search index: a core named ``ckan`` with the portal's schema (CKAN's
own, with Thai analysis: ``ckanext-dgti/solr/``).

No Solr package is needed: Maven resolves solr-core and solr-test-framework (a small pom in
this package) into a Maven repository under ``cache_dir``, ``javac`` compiles the small
``SolrLauncher.java`` kept next to it, and the launcher runs ``JettySolrRunner``, a real Solr
HTTP server, on 127.0.0.1. Second runs use the cached classpath and classes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from dgti_data.ckan.client import ping
from dgti_data.hub.layout import SOLR_FILES, HubPaths, portal_solr_schema
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

CORE = "ckan"
MARKER = "SolrLauncher"
CONF_FILES = ("solrconfig.xml", "stopwords.txt")  # the launcher's; the schema's are the portal's
SCHEMA_FILES = ("schema.xml", "synonyms.txt", "protwords.txt")


def url(paths: HubPaths) -> str:
    return f"http://127.0.0.1:{paths.settings.hub_solr_port}/solr/{CORE}"


def ping_url(paths: HubPaths) -> str:
    return f"{url(paths)}/admin/ping?wt=json"


def _require(tool: str, package: str) -> str:
    found = shutil.which(tool)
    if not found:
        raise HubError(f"'{tool}' not found: install the Debian package {package}")
    return found


def classpath(paths: HubPaths) -> str:
    """Solr's jars, resolved by Maven once and then read from the cache."""
    cache = paths.solr_cache
    cp_file = cache / "classpath.txt"
    pom_digest = hashlib.sha256((SOLR_FILES / "pom.xml").read_bytes()).hexdigest()
    stamp = cache / "pom.sha256"
    if cp_file.exists() and stamp.exists() and stamp.read_text(encoding="utf-8") == pom_digest:
        cp = cp_file.read_text(encoding="utf-8").strip()
        if cp and all(Path(j).exists() for j in cp.split(os.pathsep)):
            return cp
    mvn = _require("mvn", "maven")
    cache.mkdir(parents=True, exist_ok=True)
    pom = cache / "pom.xml"
    shutil.copyfile(SOLR_FILES / "pom.xml", pom)
    say(f"solr: resolving Solr {paths.settings.hub_solr_version} jars with Maven "
        f"(first run only) into {paths.maven_repo}")
    run(
        [
            mvn, "-q", "-B", "-f", pom, "dependency:build-classpath",
            f"-Dmdep.outputFile={cp_file}",
            f"-Dsolr.version={paths.settings.hub_solr_version}",
            f"-Dmaven.repo.local={paths.maven_repo}",
        ],
        what="Maven resolution of Solr",
        cwd=cache,
    )
    cp = cp_file.read_text(encoding="utf-8").strip()
    if not cp:
        raise HubError("Maven resolved an empty classpath for Solr")
    stamp.write_text(pom_digest, encoding="utf-8")
    return cp


def launcher_classes(paths: HubPaths, cp: str) -> Path:
    """The compiled launcher, recompiled when its source changes."""
    source = SOLR_FILES / "SolrLauncher.java"
    digest = hashlib.sha256(source.read_bytes() + cp.encode()).hexdigest()[:16]
    classes = paths.solr_cache / "classes" / digest
    if (classes / "SolrLauncher.class").exists():
        return classes
    javac = _require("javac", "openjdk-17-jdk-headless")
    classes.mkdir(parents=True, exist_ok=True)
    run([javac, "-nowarn", "-d", classes, "-cp", cp, source], what="javac SolrLauncher")
    return classes


def prepare_home(paths: HubPaths, schema: Path | None = None) -> None:
    """Solr home with the ``ckan`` core; config files refreshed on every start. ``schema``: the
    portal's (default) or another CKAN schema.xml beside its companion files."""
    schema = schema or portal_solr_schema()
    home = paths.solr_home
    conf = home / CORE / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOLR_FILES / "solr.xml", home / "solr.xml")
    for name in CONF_FILES:
        shutil.copyfile(SOLR_FILES / name, conf / name)
    for name in SCHEMA_FILES:
        shutil.copyfile(schema.with_name(name), conf / name)
    props = home / CORE / "core.properties"
    if not props.exists():
        props.write_text(f"name={CORE}\n", encoding="utf-8")


def running_pid(paths: HubPaths) -> int | None:
    return owned_pid(paths.pidfile("solr"), MARKER)


def is_up(paths: HubPaths) -> bool:
    return running_pid(paths) is not None and ping(ping_url(paths))


def start(paths: HubPaths, *, wait: bool = True) -> str:
    """Start Solr in the background; with ``wait``, until its ``ckan`` core answers ping."""
    port = paths.settings.hub_solr_port
    pid = running_pid(paths)
    if pid is not None:
        if wait:
            wait_ready(paths)
        return f"already running (pid {pid})"
    if port_open(port):
        raise HubError(f"port {port} is taken by another process: cannot start Solr")
    java = _require("java", "openjdk-17-jre-headless")
    cp = classpath(paths)
    classes = launcher_classes(paths, cp)
    prepare_home(paths)
    log = paths.log("solr")
    log.write_text("", encoding="utf-8")  # a fresh log per start: its tail is this start's
    pid = spawn(
        [
            java, "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
            f"-Dlog4j.configurationFile={SOLR_FILES / 'log4j2.xml'}",
            f"-Dsolr.log.dir={paths.logs}",
            f"-Dsolr.install.dir={paths.solr_home}",
            "-Dsolr.disableConfigSetsCreateAuthChecks=true",
            "-cp", f"{classes}{os.pathsep}{cp}", "SolrLauncher", paths.solr_home, str(port),
        ],
        log=log,
        pidfile=paths.pidfile("solr"),
        cwd=paths.solr_home,
    )
    if wait:
        wait_ready(paths)
    return f"started (pid {pid})"


def wait_ready(paths: HubPaths, deadline_s: float = 120) -> None:
    wait_until(
        "solr",
        lambda: ping(ping_url(paths)),
        deadline_s=deadline_s,
        alive=lambda: running_pid(paths) is not None,
        log=paths.log("solr"),
        interval=0.5,
    )


def stop(paths: HubPaths) -> str:
    return stop_service(running_pid(paths), paths.pidfile("solr"), what="solr", grace_s=30)


def schema_digest(paths: HubPaths) -> str:
    return hashlib.sha256((paths.solr_home / CORE / "conf" / "schema.xml").read_bytes()).hexdigest()


def index_is_stale(paths: HubPaths) -> bool:
    """Whether the core's schema changed since CKAN last rebuilt its index (``mark_indexed``)."""
    stamp = paths.solr_home / CORE / "indexed-schema.sha256"
    return not stamp.exists() or stamp.read_text(encoding="utf-8") != schema_digest(paths)


def mark_indexed(paths: HubPaths) -> None:
    (paths.solr_home / CORE / "indexed-schema.sha256").write_text(schema_digest(paths),
                                                                 encoding="utf-8")
