"""The README's settings table names every setting, so a new one cannot stay undocumented."""

from __future__ import annotations

from pathlib import Path

from dgti_data.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_every_setting_is_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    names = [f"DGTI_{name.upper()}" for name in Settings.model_fields]
    missing = [name for name in names if f"`{name}`" not in text]
    assert missing == []
