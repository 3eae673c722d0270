"""ckanext-dcat on the hub, as data.go.th's agency portals run it: DCAT endpoints (``dcat``,
``dcat_json_interface``), schema.org JSON-LD on dataset pages (``structured_data``), with
ckanext-dgti's GD Catalog profiles and its consent filter (``dgti_dcat``: the catalogue lists
only datasets with ``allow_harvest = True``).

ckanext-harvest goes into the same virtualenv: the central catalogue (``hub/central.py``) runs
it with ckanext-dcat's DCAT harvester.
"""

from __future__ import annotations

from dgti_data.hub import ckan_install
from dgti_data.hub.layout import HubPaths
from dgti_data.hub.processes import run, say

# 2.4.4 declares CKAN 2.10/2.11 and is tested on 2.12; 1.6.3 is ckanext-harvest's release for 2.10+.
DCAT_VERSION = "2.4.4"
HARVEST_VERSION = "1.6.3"
# `ckan harvester run-test` (a synchronous harvest, no queue workers) imports ckanext-harvest's test
# factories, which need factory-boy and, through CKAN's test helpers, pytest (neither installed by
# its wheel).
REQUIREMENTS = (f"ckanext-dcat=={DCAT_VERSION}", f"ckanext-harvest=={HARVEST_VERSION}",
                "factory-boy==3.3.3", "pytest==9.2.0")

# After the portal's own plugins: dgti_dcat chains dcat's catalogue actions.
PLUGINS = "dcat dcat_json_interface structured_data dgti_dcat"
PROFILES = "euro_dcat_ap_3 dgti_gd_catalog"
STRUCTURED_DATA_PROFILES = "dgti_schemaorg"


def options() -> dict[str, str]:
    """The ``ckan.ini`` options of ckanext-dcat on a portal that publishes GD Catalog datasets."""
    return {
        "ckanext.dcat.rdf.profiles": PROFILES,
        "ckanext.dcat.structured_data.profiles": STRUCTURED_DATA_PROFILES,
        # Thai keywords as written (dcat's default; munging would strip their vowel marks).
        "ckanext.dcat.clean_tags": "false",
    }


def install(paths: HubPaths) -> bool:
    """ckanext-dcat and ckanext-harvest with CKAN's installed versions as constraints (their
    dependencies must not move CKAN's pins); once per version set. True if it installed now."""
    marker = paths.ckan_venv / ".dgti-dcat"
    wanted = "\n".join(REQUIREMENTS)
    if marker.exists() and marker.read_text(encoding="utf-8") == wanted:
        return False
    say(f"ckan: installing {', '.join(REQUIREMENTS)} (DCAT endpoints, harvesting)")
    python = ckan_install.venv_python(paths)
    frozen = run([python, "-m", "pip", "freeze"], what="pip freeze (CKAN virtualenv)")
    constraints = paths.cache / "ckan-constraints-dcat.txt"
    constraints.write_text(
        "\n".join(ln for ln in frozen.splitlines() if "==" in ln and " @ " not in ln
                  and not ln.lower().startswith(("ckanext-dcat", "ckanext-harvest"))) + "\n",
        encoding="utf-8",
    )
    run([python, "-m", "pip", "install", "--quiet", "-c", constraints, *REQUIREMENTS],
        what="pip install ckanext-dcat ckanext-harvest", log=paths.log("ckan-install"))
    marker.write_text(wanted, encoding="utf-8")
    return True
