"""What counts as "the same file" for reports that carry the time they were made.

The steward's reports say when they were generated (``generated_at``, frictionless's ``time``
and ``seconds``), so two runs over the same input produce different bytes. Re-uploading them
every night would make an unchanged run write. A report's *content digest* leaves those out;
data files and ``datapackage.json`` are deterministic and their digest is their sha256.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

VOLATILE_KEYS = frozenset({"generated_at", "time", "seconds"})
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in VOLATILE_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def content_digest(path: Path) -> str:
    """sha256 of the file, minus generation times in JSON and HTML/text reports."""
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            doc = json.loads(raw)
        except ValueError:
            return hashlib.sha256(raw).hexdigest()
        raw = json.dumps(_strip(doc), sort_keys=True, ensure_ascii=False).encode("utf-8")
    elif suffix in (".html", ".htm", ".txt", ".md"):
        raw = _TIMESTAMP.sub("", raw.decode("utf-8", errors="replace")).encode("utf-8")
    return hashlib.sha256(raw).hexdigest()
