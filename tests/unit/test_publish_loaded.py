"""The files the publisher's tables were loaded from: found by the marker the portal reports, one per
resource, and never a partial or another resource's file."""

from __future__ import annotations

from pathlib import Path

from dgti_data.publish import loaded


def test_a_kept_file_is_found_by_its_marker_and_replaces_the_resources_older_one(tmp_path: Path) -> None:
    folder = tmp_path / "loaded"
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("id,x\n1,a\n", encoding="utf-8")
    second.write_text("id,x\n1,b\n", encoding="utf-8")
    loaded.keep(folder, "res-1", "m1", first)
    loaded.keep(folder, "res-2", "m1", second)
    assert loaded.find(folder, "res-1", "m1").read_text(encoding="utf-8") == "id,x\n1,a\n"  # type: ignore[union-attr]
    loaded.keep(folder, "res-1", "m2", second)
    assert loaded.find(folder, "res-1", "m1") is None  # the table no longer holds that file
    assert loaded.find(folder, "res-1", "m2").read_text(encoding="utf-8") == "id,x\n1,b\n"  # type: ignore[union-attr]
    assert loaded.find(folder, "res-2", "m1") is not None  # another resource's file is kept
    first.write_text("rewritten in place\n", encoding="utf-8")  # a results file rewritten later
    assert loaded.find(folder, "res-2", "m1").read_text(encoding="utf-8") == "id,x\n1,b\n"  # type: ignore[union-attr]
    assert not list(folder.glob("*.partial"))


def test_no_folder_no_marker_or_an_unusable_folder_means_read_the_table(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    csv.write_text("id\n1\n", encoding="utf-8")
    assert loaded.find(None, "res", "m") is None and loaded.find(tmp_path, "res", None) is None
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    loaded.keep(blocker, "res", "m", csv)  # cannot be made: no error, nothing kept
    assert loaded.find(blocker, "res", "m") is None
    assert loaded.find(tmp_path, "../res", "m") is None
