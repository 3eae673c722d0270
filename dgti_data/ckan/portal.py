"""What a CKAN portal offers, asked of the portal itself before anything is written.

``probe`` makes a handful of read calls (``status_show``, ``help_show`` for the actions a plugin
adds, ``scheming_dataset_schema_show``, ``organization_list_for_user``) and answers a frozen
``PortalOffer``: CKAN's version, the DataStore, XLoader, ckanext-dgti's bulk action, DCAT, whether
the scheming schema has the fields the publisher sends, and whether the token may create datasets
in the organisation. ``PortalOffer.problems`` lists what makes publishing impossible; the publish
layer refuses with them before any write, and ``dgti-data publish --dry-run`` prints the offer.

Behaviour that differs between CKAN releases is decided from what the portal answers (an action
exists, a plugin is listed, a page of results says what comes next), never from the version string
alone; the version is used only to refuse portals older than any this publisher was tried on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dgti_data.ckan.client import CkanClient
from dgti_data.ckan.errors import NotACkanPortal, NotAuthorized, NotFound

# CKAN releases older than this lack what publishing relies on (API tokens in the Authorization
# header with organisation editors' rights, resource views made on demand, the DataStore's data
# dictionary ``info``); the publisher is tested on 2.11 and 2.12.
MIN_CKAN = (2, 10)
TESTED = "2.11, 2.12"
# Actions publishing needs from plugins (stock CKAN has the rest): the datastore plugin adds
# datastore_create/upsert/delete/search together, so one stands for all.
DATASTORE_ACTION = "datastore_create"
SCHEMING_ACTION = "scheming_dataset_schema_show"
BULK_ACTION = "dgti_datastore_load"  # ckanext-dgti's dgti_bulk
XLOADER_ACTION = "xloader_submit"
DCAT_PLUGINS = ("dcat", "dcat_json_interface", "structured_data")
# The loaders that fill a whole DataStore table from the uploaded CSV: the plugin ``status_show``
# lists, and the action it adds (a listed plugin whose action is missing is not offered).
LOADERS = {"bulk": ("dgti_bulk", BULK_ACTION), "xloader": ("xloader", XLOADER_ACTION)}


@dataclass(frozen=True)
class PortalOffer:
    """What one portal offers the publisher, and what (if anything) stops publishing there."""

    url: str
    ckan_version: str
    extensions: frozenset[str]
    datastore: bool
    xloader: bool
    bulk: bool  # ckanext-dgti's one-call bulk load (dgti_datastore_load)
    dcat: bool
    scheming: bool
    organization: str
    # Fields the publisher sends that the portal's dataset schema lacks (CKAN would drop them).
    missing_fields: tuple[str, ...] = ()
    # Whether the token's user may create datasets in ``organization`` (None: not asked).
    may_create: bool | None = None
    problems: tuple[str, ...] = ()
    # The portal's dataset schema (scheming_dataset_schema_show), kept for the per-dataset checks.
    schema: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def usable(self) -> bool:
        return not self.problems

    @property
    def loaders(self) -> frozenset[str]:
        """The whole-table loaders offered (``LOADERS``' names): what planning chooses from."""
        return frozenset(name for name, on in (("bulk", self.bulk), ("xloader", self.xloader)) if on)

    @property
    def load_path(self) -> str:
        """How a new table will be filled: ckanext-dgti's ``bulk`` action, else the portal's
        ``xloader``, else ``upsert`` batches (``publish.loadpath`` decides per table, and may still
        fall back to upserts for a file XLoader would store differently)."""
        return "bulk" if self.bulk else "xloader" if self.xloader else "upsert"


def version_tuple(version: str) -> tuple[int, ...]:
    """``"2.11.6"`` → ``(2, 11, 6)``; ``"2.12.0a"`` → ``(2, 12, 0)``; unreadable → ``()``."""
    return tuple(int(p) for p in re.findall(r"\d+", version)[:3])


def has_action(client: CkanClient, action: str) -> bool:
    """Whether the portal knows ``action`` (``help_show``: a read any visitor may make)."""
    try:
        client.call("help_show", name=action)
    except NotFound:
        return False
    return True


def whole_table_loaders(client: CkanClient, extensions: frozenset[str]) -> frozenset[str]:
    """The ``LOADERS`` the portal runs: the one place that decides it, for the probe and for a
    publication planned without one."""
    return frozenset(name for name, (plugin, action) in LOADERS.items()
                     if plugin in extensions and has_action(client, action))


def probe(client: CkanClient, organization: str, fields: Iterable[str] = (),
          dataset_type: str = "dataset") -> PortalOffer:
    """Ask the portal what it offers. ``fields``: the dataset fields the publisher will send.

    Raises ``NotACkanPortal`` when the address does not answer as CKAN, and transient errors when
    the portal is unreachable; every other finding is in the offer (``problems``).
    """
    status = client.status()
    if not isinstance(status, dict) or "ckan_version" not in status:
        raise NotACkanPortal("status_show", f"{client.url} answered, but not as CKAN's API "
                                            "(no ckan_version): check DGTI_CKAN_URL")
    version = str(status.get("ckan_version") or "")
    extensions = client.extensions()
    problems: list[str] = []
    if version_tuple(version) < MIN_CKAN:
        problems.append(f"CKAN {version or '(version not given)'} is older than "
                        f"{'.'.join(map(str, MIN_CKAN))}, the oldest this publisher supports "
                        f"(tested on {TESTED}): ask the portal's administrator to upgrade")

    datastore = "datastore" in extensions and has_action(client, DATASTORE_ACTION)
    if not datastore:
        problems.append("the portal has no DataStore (datastore plugin and its actions): "
                        "the typed table citizens query cannot be made")
    loaders = whole_table_loaders(client, extensions)
    bulk, xloader = "bulk" in loaders, "xloader" in loaders
    dcat = any(p in extensions for p in DCAT_PLUGINS)

    schema: dict[str, Any] = {}
    scheming = has_action(client, SCHEMING_ACTION)
    if scheming:
        schema = client.call(SCHEMING_ACTION, type=dataset_type)
    else:
        problems.append("the portal has no ckanext-scheming (scheming_dataset_schema_show): "
                        "it cannot hold the GD Catalog metadata")
    declared = {f.get("field_name") for f in schema.get("dataset_fields", [])}
    missing = tuple(sorted(set(fields) - declared)) if scheming else ()
    if missing:
        problems.append(f"the portal's dataset schema lacks GD Catalog fields this publisher "
                        f"sends (CKAN would drop them): {', '.join(missing)}")

    may_create = _may_create(client, organization)
    if may_create is False:
        problems.append(f"the token's user may not create datasets in the organisation "
                        f"{organization!r}: use a token of one of its editors")
    return PortalOffer(
        url=client.url, ckan_version=version, extensions=extensions, datastore=datastore,
        xloader=xloader, bulk=bulk, dcat=dcat, scheming=scheming, organization=organization,
        missing_fields=missing, may_create=may_create, problems=tuple(problems), schema=schema,
    )


def _may_create(client: CkanClient, organization: str) -> bool | None:
    """Whether the token's user may create datasets in ``organization`` (asked, not tried)."""
    try:
        mine = client.call("organization_list_for_user", permission="create_dataset")
    except NotAuthorized:
        return False
    except NotFound:
        return None
    return any(organization in (o.get("name"), o.get("id")) for o in mine or [])
