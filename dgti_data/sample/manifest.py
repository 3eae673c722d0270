"""The manifest written next to each sample: what was planted, for the tests of other stages.

Written as JSON with one entry per line inside its two lists, so that a manifest of a
ten-million-row sample can be read entry by entry (``iter_entries``) as well as with ``json.load``.
Personal values go to a side file while rows are written and are copied in at the end, so memory
does not grow with the rows.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class PlantedError:
    row: int  # as frictionless counts: header is row 1, first data row is 2
    field: str
    type: str  # frictionless error type: foreign-key, primary-key, constraint-error
    constraint: str | None  # for constraint-error: minimum, maximum, enum, required


@dataclass(frozen=True, slots=True)
class PersonalValue:
    row: int
    field: str
    value: str  # exactly as written (the cell may add stray spaces around it)
    kind: str  # name, national_id, phone, email, line_id


ROW_MARK = "\x00"  # stands for the row number in pre-rendered entries


def personal_entries(personal: list[tuple[str, str, str]], row: str = ROW_MARK) -> str:
    """Manifest lines for personal values, each starting with ``,\\n``."""
    return "".join(
        f',\n    {{"row": {row}, "field": {encode_basestring(field)}, '
        f'"value": {encode_basestring(value)}, "kind": "{kind}"}}'
        for field, value, kind in personal
    )


def manifest_path_for(path: Path) -> Path:
    return path.with_name(path.name + ".manifest.json")


@dataclass
class SampleManifest:
    """What one generated file holds. ``personal_values`` is read from the manifest file on
    demand (it can be large); ``iter_personal_values`` streams it."""

    dataset: str
    path: Path
    format: str
    rows: int
    seed: int
    error_rate: float
    messy: bool
    headers: list[str]
    planted_errors: list[PlantedError]
    personal_value_count: int
    _personal: list[PersonalValue] | None = field(default=None, repr=False, compare=False)

    @property
    def manifest_path(self) -> Path:
        return manifest_path_for(self.path)

    def iter_personal_values(self) -> Iterator[PersonalValue]:
        for entry in iter_entries(self.manifest_path, "personal_values"):
            yield PersonalValue(**entry)

    @property
    def personal_values(self) -> list[PersonalValue]:
        if self._personal is None:
            self._personal = list(self.iter_personal_values())
        return self._personal

    @classmethod
    def load(cls, manifest_path: Path) -> SampleManifest:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        return cls(
            dataset=data["dataset"],
            path=manifest_path.with_name(data["path"]),
            format=data["format"],
            rows=data["rows"],
            seed=data["seed"],
            error_rate=data["error_rate"],
            messy=data["messy"],
            headers=data["headers"],
            planted_errors=[PlantedError(**e) for e in data["planted_errors"]],
            personal_value_count=data["personal_value_count"],
        )


def iter_entries(manifest_path: Path, key: str) -> Iterator[dict[str, Any]]:
    """Stream one list of a manifest (``planted_errors`` or ``personal_values``)."""
    opening = f'"{key}": ['
    with manifest_path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() == opening:
                break
        for line in fh:
            text = line.strip().rstrip(",")
            if text.startswith("]"):
                return
            yield json.loads(text)


class ManifestWriter:
    """Collects planted errors in memory (a controlled share of rows) and streams personal values
    to a side file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.target = manifest_path_for(path)
        self._side_path = self.target.with_name(self.target.name + ".personal.partial")
        self._side = self._side_path.open("wb")
        self.errors: list[PlantedError] = []
        self.personal_count = 0

    def error(self, row: int, field: str, type_: str, constraint: str | None) -> None:
        self.errors.append(PlantedError(row, field, type_, constraint))

    def personal(self, row: int, entries: list[tuple[str, str, str]]) -> None:
        if entries:
            self.raw(personal_entries(entries, str(row)), len(entries))

    def raw(self, text: str, count: int) -> None:
        """Pre-rendered entries (from ``personal_entries``), ``count`` of them."""
        self._side.write(text.encode("utf-8"))
        self.personal_count += count

    def finish(self, meta: dict[str, Any]) -> None:
        """Write the manifest: metadata, then both lists one entry per line."""
        self._side.close()
        partial = self.target.with_name(self.target.name + ".partial")
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            out.write("{\n")
            for k, v in meta.items():
                out.write(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n")
            out.write(f'  "planted_error_count": {len(self.errors)},\n')
            out.write(f'  "personal_value_count": {self.personal_count},\n')
            out.write('  "planted_errors": [')
            for i, e in enumerate(self.errors):
                entry = {"row": e.row, "field": e.field, "type": e.type, "constraint": e.constraint}
                out.write(("," if i else "") + "\n    " + json.dumps(entry, ensure_ascii=False))
            out.write("\n  ],\n")
            out.write('  "personal_values": [')
            out.flush()
            with self._side_path.open("rb") as side:
                side.read(1)  # every entry starts with a comma; the first must not
                shutil.copyfileobj(side, out.buffer, 1 << 20)
            out.write("\n  ]\n}\n")
        os.replace(partial, self.target)
        self._side_path.unlink()

    def abort(self) -> None:
        self._side.close()
        self._side_path.unlink(missing_ok=True)
