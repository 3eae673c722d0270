"""What a publication plan is made of: per dataset its metadata changes, resource steps and
DataStore step (``DatasetPlan``), and the resource extras that identify our resources on a portal.

``publish.planner`` builds a plan from read calls, ``publish.apply`` executes it, ``publish.render``
prints it. Identity: the dataset by its deterministic name, each resource by its ``dgti_key`` extra
(the data CSV, ``datapackage.json``, each report). Resources without a ``dgti_key`` are someone
else's and are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from dgti_data.publish.bundle import PublicationBundle
from dgti_data.publish.loadpath import LoadPath
from dgti_data.publish.portal_schema import SchemaProblem
from dgti_data.publish.tags import refused_warnings

DatasetAction = Literal["create", "update", "unchanged", "refused"]
ResourceAction = Literal["create", "update", "unchanged", "delete"]
DatastoreAction = Literal["create", "recreate", "sync", "dictionary", "unchanged"]

KEY = "dgti_key"  # resource extra: which of our files a resource holds
MARK_DATA = "dgti_datastore"  # resource extra: digest of the data fully loaded into the DataStore
MARK_PK = "dgti_primary_key"  # resource extra: the DataStore table's primary key, comma-joined
CONTENT = "dgti_content_sha256"  # resource extra: the file's digest without generation times
DATA_KEY, DATAPACKAGE_KEY = "data", "datapackage"


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any



@dataclass
class ResourceStep:
    key: str
    action: ResourceAction
    name: str
    file_name: str = ""
    source: Path | bytes | None = None
    sha256: str = ""
    content: str = ""  # digest deciding "unchanged" (see digest.py); sha256 for data files
    size: int = 0
    format: str = ""
    description: str = ""
    resource_id: str | None = None
    upload: bool = False  # the file's bytes are new or changed
    changes: list[FieldChange] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        """Resource fields we own (sent on create and patch; the portal keeps the others)."""
        return {
            "name": self.name,
            "description": self.description,
            "format": self.format,
            "hash": self.sha256,
            KEY: self.key,
            CONTENT: self.content or self.sha256,
        }



@dataclass
class RowChanges:
    before: int
    after: int
    added: int = 0
    changed: int = 0
    removed: int = 0
    upserts: list[dict[str, Any]] = field(default_factory=list, repr=False)
    deletes: list[tuple[Any, ...]] = field(default_factory=list, repr=False)

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed

    @property
    def seen(self) -> int:
        """Rows in either version: the rows published before and the rows added."""
        return self.before + self.added

    @property
    def share(self) -> float | None:
        """Rows added, changed or removed as a share of the rows in either version, so at most 1
        (19 added, 961 changed and 19 removed of 980 are 999 of 999 rows, not "101.9%"). None for
        a new table: nobody sees its rows yet. ``ApprovalPolicy`` holds the threshold."""
        return self.total / self.seen if self.before else None


@dataclass
class DatastoreStep:
    action: DatastoreAction
    fields: list[dict[str, Any]]
    primary_key: list[str]
    marker: str
    rows: RowChanges
    dictionary: list[FieldChange] = field(default_factory=list)
    reason: str = ""
    # The preview (datatables view) is only made for resources already in the DataStore, so a
    # resource loaded after its creation needs its default views made once the table exists.
    create_views: bool = False
    # How the rows go to the portal and why (``publish.loadpath.choose``): None, no row is written.
    load: LoadPath | None = None
    load_reason: str = ""



@dataclass
class DatasetPlan:
    bundle: PublicationBundle
    name: str
    organization: str
    package: dict[str, Any]
    action: DatasetAction
    existing: dict[str, Any] | None = None
    metadata: list[FieldChange] = field(default_factory=list)
    resources: list[ResourceStep] = field(default_factory=list)
    datastore: DatastoreStep | None = None
    make_public: bool = False
    problems: list[SchemaProblem] = field(default_factory=list)
    refused_tags: list[str] = field(default_factory=list)  # the portal's tag rule refuses them

    @property
    def package_id(self) -> str | None:
        return self.existing["id"] if self.existing else None

    @property
    def is_new(self) -> bool:
        """Not yet public: created now, or a create a crash interrupted. No citizen sees its rows."""
        return self.existing is None or bool(self.existing.get("private") and self.make_public)

    @property
    def changed_rows_share(self) -> float | None:
        if self.datastore is not None and self.datastore.rows.share is not None:
            return self.datastore.rows.share
        return self.bundle.changed_rows_share

    @property
    def warnings(self) -> list[str]:
        return list(self.bundle.warnings) + refused_warnings(self.refused_tags)

