"""Where to publish: the portal, the organisation, and the organisations this run may write to.

Built at the edge from settings and Prefect blocks (``dgti_data.app.config.connect``). Publishing
writes only into the organisations the configuration names: a token that can edit several
organisations, or a mistyped ``--organization``, cannot publish elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dgti_data.ckan import RetryPolicy
from dgti_data.errors import ConfigurationError
from dgti_data.publish.portal import Portal


@dataclass
class Target:
    portal: Portal
    organization: str
    namespace: str | None = None  # appended to dataset names: keeps test runs apart
    # Where per-dataset publication locks live (settings: ``DGTI_LOCK_DIR``).
    lock_dir: Path | None = None
    # Organisations this target may write to (empty: only ``organization``).
    allowed: frozenset[str] = field(default_factory=frozenset)
    # Waits between re-plans after a transient failure of a write (None: the client's policy).
    retry: RetryPolicy | None = None

    @property
    def url(self) -> str:
        return self.portal.url

    @property
    def loaded_dir(self) -> Path | None:
        """Where the files the target's tables were loaded from are kept (``publish.loaded``)."""
        return self.lock_dir / "loaded" if self.lock_dir is not None else None

    def check_organization(self) -> None:
        """Raise ``ConfigurationError`` unless ``organization`` is one the configuration names."""
        allowed = self.allowed or {self.organization}
        if self.organization not in allowed:
            raise ConfigurationError(
                f"organisation {self.organization!r} is not one this configuration publishes to "
                f"({', '.join(sorted(allowed))}): set DGTI_CKAN_ALLOWED_ORGANIZATIONS to allow it"
            )
