"""What the upstream stages hand to publishing: one dataset's anonymised, validated files.

A ``PublicationBundle`` is files on disk plus the Table Schema they follow. It can be saved as a
``publication.json`` manifest in a folder, so a bundle written by one process (the drop-folder
flow) is published by another (a nightly deployment) without re-running anything.

Safety: a bundle refuses a CSV whose header differs from its schema, and a schema that still
carries a field the project's schemas mark ``treatment: drop`` (personal data never published).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dgti_data.anonymise import published_schema
from dgti_data.datasets import Catalog, Dataset
from dgti_data.errors import ConfigurationError, TerminalError
from dgti_data.publish.csvscan import count_rows, read_header
from dgti_data.publish.excel import excel_csv

MANIFEST = "publication.json"


class BundleError(TerminalError):
    """A bundle that must not be published as it is (wrong header, personal fields, missing file)."""


@dataclass
class PublicationBundle:
    """One dataset ready to publish. ``table_schema`` is the *published* schema (after anonymisation)."""

    dataset: Dataset
    data_csv: Path
    table_schema: dict[str, Any]
    reports: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: int | None = None
    changed_rows_share: float | None = None

    def __post_init__(self) -> None:
        self.data_csv = Path(self.data_csv)
        self.reports = [Path(p) for p in self.reports]

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.table_schema.get("fields", [])]

    @property
    def primary_key(self) -> list[str]:
        pk = self.table_schema.get("primaryKey", [])
        return [pk] if isinstance(pk, str) else list(pk)

    def check(self) -> None:
        """Raise ``BundleError`` unless the files exist, match the schema and hold no dropped field."""
        for path in (self.data_csv, *self.reports):
            if not path.is_file():
                raise BundleError(f"{self.dataset.name}: missing file {path}")
        dropped = {f.name for f in self.dataset.fields if f.treatment == "drop"}
        leaking = sorted(dropped & set(self.field_names))
        if leaking:
            raise BundleError(
                f"{self.dataset.name}: the published schema still has personal fields that are never "
                f"published ({', '.join(leaking)}): anonymise before publishing"
            )
        header = read_header(self.data_csv)
        if header != self.field_names:
            raise BundleError(
                f"{self.data_csv}: header {header} differs from the published schema's fields "
                f"{self.field_names}"
            )
        dupes = sorted({p.name for p in self.reports if [q.name for q in self.reports].count(p.name) > 1})
        if dupes:
            raise BundleError(f"{self.dataset.name}: two reports with the same file name: {dupes}")
        names = {f["name"] for f in self.table_schema.get("fields", [])}
        if not set(self.primary_key) <= names:
            raise BundleError(f"{self.dataset.name}: primary key {self.primary_key} not among the fields")

    def save(self, folder: Path) -> Path:
        """Write ``publication.json`` (paths relative to ``folder`` when inside it)."""
        folder.mkdir(parents=True, exist_ok=True)

        def rel(p: Path) -> str:
            try:
                return str(p.resolve().relative_to(folder.resolve()))
            except ValueError:
                return str(p.resolve())

        doc = {
            "dataset": self.dataset.name,
            "data": rel(self.data_csv),
            "tableSchema": self.table_schema,
            "reports": [rel(p) for p in self.reports],
            "warnings": self.warnings,
            "rows": self.rows,
            "changedRowsShare": self.changed_rows_share,
        }
        path = folder / MANIFEST
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def bundle_from_files(
    dataset: Dataset,
    data_csv: Path,
    reports: Iterable[Path] = (),
    *,
    table_schema: dict[str, Any] | None = None,
    warnings: Iterable[str] = (),
    changed_rows_share: float | None = None,
) -> PublicationBundle:
    """A checked bundle; ``table_schema`` defaults to ``published_schema(dataset)``."""
    bundle = PublicationBundle(
        dataset=dataset,
        data_csv=Path(data_csv),
        table_schema=table_schema if table_schema is not None else published_schema(dataset),
        reports=list(reports),
        warnings=list(warnings),
        changed_rows_share=changed_rows_share,
    )
    bundle.check()
    bundle.rows = count_rows(bundle.data_csv)
    return bundle


def load_bundle(folder: Path, catalog: Catalog) -> PublicationBundle:
    """A bundle from ``folder/publication.json``."""
    path = folder / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BundleError(f"{path}: cannot read the publication manifest: {exc}") from exc
    dataset = catalog.get(doc["dataset"])
    if dataset.kind != "dataset":
        raise ConfigurationError(f"{dataset.name} is a reference table, not a dataset to publish")
    bundle = bundle_from_files(
        dataset,
        _inside(folder, doc["data"]),
        [_inside(folder, p) for p in doc.get("reports", [])],
        table_schema=doc.get("tableSchema"),
        warnings=doc.get("warnings", []),
        changed_rows_share=doc.get("changedRowsShare"),
    )
    return bundle


def _inside(folder: Path, name: str) -> Path:
    """A file the manifest names, which must be inside the bundle's folder (symlinks resolved): a
    manifest edited to name ``../../etc/passwd`` or an absolute path must not get it published."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise BundleError(f"{folder / MANIFEST}: {name!r} is outside the bundle folder: refused")
    return path


def find_bundles(results_dir: Path, catalog: Catalog) -> list[PublicationBundle]:
    """Every ``publication.json`` directly in ``results_dir`` or one level below.

    A dataset made of many files has one bundle, its union's (``<dataset>.dataset/``, written by the
    drop-folder run: ``app.combining``). Two bundles for the same dataset (files validated one by
    one into one folder) are still refused: which one is "the" dataset would depend on the order
    folders are listed in, and a nightly run would flip between them.
    """
    folders = [results_dir] if (results_dir / MANIFEST).is_file() else []
    folders += sorted(p.parent for p in results_dir.glob(f"*/{MANIFEST}"))
    bundles = [load_bundle(f, catalog) for f in folders]
    by_dataset: dict[str, list[Path]] = {}
    for folder, b in zip(folders, bundles, strict=True):
        by_dataset.setdefault(b.dataset.name, []).append(folder)
    clashes = {k: v for k, v in by_dataset.items() if len(v) > 1}
    if clashes:
        detail = "; ".join(f"{k}: {', '.join(map(str, v))}" for k, v in clashes.items())
        raise BundleError(f"more than one bundle for the same dataset ({detail}): validate the files as one "
                          "drop folder (python -m flows.local_digital DROP_DIR RESULTS_DIR), which "
                          "publishes their union, or publish one of each")
    return bundles


def datapackage_bytes(bundle: PublicationBundle, package_name: str, data_sha256: str) -> bytes:
    """The published ``datapackage.json``: deterministic bytes (no timestamps), so its hash only
    changes when the data, the schema or the descriptor does."""
    ds = bundle.dataset
    gd = ds.resource.get("gdCatalog", {})
    descriptor: dict[str, Any] = {
        "name": package_name,
        "title": ds.title,
        "titleTh": ds.title_th,
        "licenses": [{"name": gd.get("license", "Open Data Common"), "title": gd.get("license", "")}],
        "resources": [
            {
                "name": ds.name,
                "path": data_file_name(bundle),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "hash": f"sha256:{data_sha256}",
                "bytes": excel_csv(bundle.data_csv).stat().st_size,  # as published, BOM included
                "title": ds.title,
                "titleTh": ds.title_th,
                "schema": _standalone(bundle.table_schema),
            }
        ],
    }
    return (json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _standalone(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without foreign keys to resources the published package does not contain
    (the reference tables): with them, validating the downloaded package would fail."""
    fks = [fk for fk in schema.get("foreignKeys", []) if not fk.get("reference", {}).get("resource")]
    out = {k: v for k, v in schema.items() if k != "foreignKeys"}
    return out | ({"foreignKeys": fks} if fks else {})


def data_file_name(bundle: PublicationBundle) -> str:
    return f"{bundle.dataset.name}.csv"
