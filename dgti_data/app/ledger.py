"""The nightly run's memory: each raw file's digest, so a file that has not changed is not read again.

``<results>/ledger.json`` maps a drop folder's file names to the sha256 of their bytes and what the
run made of them. A file whose digest, and whose run settings (pipeline version, schemas, k, the
pseudonymisation key's fingerprint), are those recorded, and whose outputs are still there, gets
its ``FileReport`` back from its ``report.json`` without being read. The ledger is safe to lose:
missing, unreadable or written under other settings, it is ignored and every file is processed.
It holds file names, digests and counts only, never a cell.

Per dataset it also records the digest of the union's inputs (every member file's digest and
status): when none changed, the union is not made again either.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from dgti_data import __version__
from dgti_data.anonymise.pseudonym import Pseudonymiser
from dgti_data.combine.dataset import dataset_dir, valid_rows_path
from dgti_data.datasets import Catalog
from dgti_data.report import Summary

if TYPE_CHECKING:
    from dgti_data.app.folder import FileReport

LEDGER = "ledger.json"
FORMAT = 1
# The reason given for a file whose size or time changed while it was read: never remembered.
STILL_WRITTEN = "still being written (its size or time changed while it was read): left for the next run"


def file_digest(path: Path) -> str | None:
    """sha256 of a regular file's bytes; None for anything else (a FIFO would block, a symlink or a
    directory is refused by the read stage each time)."""
    if path.is_symlink() or not path.is_file():
        return None
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def run_fingerprint(catalog: Catalog, key: SecretStr | None, k: int) -> str:
    """What else decides a file's outputs: a change to any of it reprocesses every file."""
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|k={k}|".encode())
    digest.update((Pseudonymiser(key).key_id if key is not None else "no key").encode())
    for path in sorted(p for p in catalog.root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(catalog.root)).encode("utf-8", "surrogateescape"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass
class Ledger:
    path: Path
    fingerprint: str
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    datasets: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str | None] = field(default_factory=dict)  # this run's, by file name

    @classmethod
    def open(cls, out_root: Path, fingerprint: str) -> Ledger:
        path = Path(out_root) / LEDGER
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("fingerprint") != fingerprint or doc.get("format") != FORMAT:
                raise ValueError("other settings")
            return cls(path, fingerprint, dict(doc["files"]), dict(doc.get("datasets", {})))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls(path, fingerprint)

    def digest(self, path: Path) -> str | None:
        if path.name not in self.digests:
            self.digests[path.name] = file_digest(path)
        return self.digests[path.name]

    def reuse(self, path: Path) -> FileReport | None:
        """The file's report from its last run, when nothing that decides it has changed."""
        from dgti_data.app.folder import FileReport  # folder.py imports this module

        entry = self.files.get(path.name)
        digest = self.digest(path)
        if entry is None or digest is None or entry.get("sha256") != digest:
            return None
        if entry["status"] == "unusable":
            return FileReport(path, "unusable", entry["reason"])
        out_dir = Path(entry["out_dir"])
        try:
            doc = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))["dgti"]
            doc.pop("error_count", None)
            summary = Summary(**doc, policy_publishable=entry["policy_publishable"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if entry.get("joins") and not valid_rows_path(out_dir, summary.dataset["name"]).is_file():
            return None
        bundle = out_dir / "publication.json"
        return FileReport(path, entry["status"], summary=summary, out_dir=out_dir,
                          html_report=out_dir / "report.html", bundle=bundle if bundle.is_file() else None)

    def record(self, reports: list[FileReport]) -> None:
        """This run's files: the ledger forgets files no longer in the drop folder."""
        self.files = {}
        for r in reports:
            digest = self.digest(r.source)
            if digest is None or r.status == "failed" or r.reason == STILL_WRITTEN:
                continue  # read again next time
            entry: dict[str, Any] = {"sha256": digest, "status": r.status, "reason": r.reason}
            if r.summary is not None and r.out_dir is not None:
                entry |= {"out_dir": str(r.out_dir), "policy_publishable": r.summary.policy_publishable,
                          "joins": valid_rows_path(r.out_dir, r.summary.dataset["name"]).is_file()}
            self.files[r.source.name] = entry

    def union_inputs(self, dataset: str, members: list[FileReport]) -> str:
        """The digest of what the dataset's union is made from."""
        digest = hashlib.sha256(dataset.encode())
        for r in sorted(members, key=lambda r: r.source.name):
            mtime = r.source.stat().st_mtime if r.source.exists() else 0.0
            digest.update(f"|{r.source.name}|{self.digest(r.source)}|{mtime}|{r.status}".encode())
        return digest.hexdigest()

    def union_unchanged(self, dataset: str, inputs: str, out_root: Path) -> bool:
        report = dataset_dir(out_root, dataset) / "report.json"
        return self.datasets.get(dataset) == inputs and report.is_file()

    def save(self) -> None:
        """Written whole, then renamed: a run killed mid-write leaves the previous ledger."""
        doc = {"format": FORMAT, "fingerprint": self.fingerprint, "files": self.files,
               "datasets": self.datasets}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        os.replace(partial, self.path)
