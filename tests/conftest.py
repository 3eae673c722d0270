"""Shared fixtures: the real schemas and a sample generator into tmp dirs."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import SecretStr

from dgti_data.datasets import Catalog, load_catalog
from dgti_data.settings import PROJECT_ROOT

# Pseudonyms need a key; tests use their own, never a real one. Set before settings are first read.
os.environ.setdefault("DGTI_PSEUDONYMISATION_KEY", "dgti-test-key-not-a-secret-0123456789")
TEST_KEY = SecretStr(os.environ["DGTI_PSEUDONYMISATION_KEY"])

SCHEMAS = PROJECT_ROOT / "schemas"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(SCHEMAS)


SampleMaker = Callable[..., Path]


@pytest.fixture(scope="session")
def make_sample(catalog: Catalog, tmp_path_factory: pytest.TempPathFactory) -> SampleMaker:
    """Generate (once per argument set) a raw export; returns its path, manifest beside it."""
    from dgti_data.sample.generator import generate

    made: dict[tuple, Path] = {}
    root = tmp_path_factory.mktemp("samples")

    def make(dataset: str, fmt: str = "csv-utf8-bom", rows: int = 1000, seed: int = 42,
             error_rate: float = 0.02, messy: bool = True, office: bool = False) -> Path:
        key = (dataset, fmt, rows, seed, error_rate, messy, office)
        if key not in made:
            ext = "xlsx" if fmt == "xlsx" else "csv"
            layout = "-office" if office else ""
            path = root / f"{dataset}-{fmt}-{rows}-{seed}-{error_rate}-{int(messy)}{layout}.{ext}"
            generate(catalog.get(dataset), path, rows, seed, fmt, SCHEMAS / "reference",
                     error_rate=error_rate, messy=messy, office=office)
            made[key] = path
        return made[key]

    return make


def planted(path: Path) -> set[tuple[int, str, str]]:
    manifest = json.loads(Path(f"{path}.manifest.json").read_text(encoding="utf-8"))
    return {(e["row"], e["field"], e["type"]) for e in manifest["planted_errors"]}
