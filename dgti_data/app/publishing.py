"""Publish every bundle: one loop for the CLI and the Prefect flows, failures isolated per dataset.

The portal's schema is fetched once; each dataset is then planned and applied under its own lock
(``publish.service.publish_bundle``). A dataset the portal keeps failing on, or refuses, becomes a
``failed`` outcome and the others are still published. Plans that need a steward's approval
(``ApprovalPolicy``: the one threshold) are collected first and put to ``approve`` together, with
no lock held while a steward thinks; approved datasets are then planned again and applied.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from dgti_data.ckan import PortalOffer
from dgti_data.datasets import Catalog
from dgti_data.errors import DgtiError
from dgti_data.publish.bundle import PublicationBundle, find_bundles, load_bundle
from dgti_data.publish.service import (
    ApprovalPolicy,
    Outcome,
    portal_offer,
    publish_bundle,
    require_usable,
)
from dgti_data.publish.target import Target

log = logging.getLogger(__name__)

# Asked once with every outcome waiting for approval; answers the datasets (names) approved.
ApproveAll = Callable[[list[Outcome]], Collection[str]]


def gather_bundles(catalog: Catalog, bundle_dirs: Iterable[Path] = (),
                   results_dir: Path | None = None) -> list[PublicationBundle]:
    """The bundles named one by one, then every one under ``results_dir``."""
    bundles = [load_bundle(Path(d), catalog) for d in bundle_dirs]
    if results_dir is not None:
        bundles += find_bundles(Path(results_dir), catalog)
    return bundles


def publish_all(
    bundles: Iterable[PublicationBundle],
    target: Target,
    approve: ApproveAll | None = None,
    *,
    policy: ApprovalPolicy | None = None,
    dry_run: bool = False,
    offer: PortalOffer | None = None,
) -> list[Outcome]:
    """One outcome per bundle, in order. Bugs raise; our own errors (``DgtiError``) are outcomes.

    The portal is asked first what it offers (``offer``, if the caller has not asked already): a
    portal that lacks what publishing needs fails every dataset with one line, before any write.
    """
    bundles = list(bundles)
    policy = policy or ApprovalPolicy()
    try:
        schema = require_usable(offer or portal_offer(target, bundles))
    except DgtiError as exc:  # nothing was written: every dataset fails with the same one line
        return [Outcome(b.dataset.name, "failed", error=exc) for b in bundles]

    def one(bundle: PublicationBundle, approved: bool, before: Outcome | None = None) -> Outcome:
        """Publish one bundle, counting its write calls and time (added to ``before``'s, the
        same dataset's first round when it waited for approval)."""
        writes, started = target.portal.counter.writes, time.monotonic()
        try:
            outcome = publish_bundle(bundle, target, schema, dry_run=dry_run, policy=policy,
                                     approve=(lambda _plan, _reasons: True) if approved else None)
        except DgtiError as exc:
            # info, not error: the entry point says it once, in its own words (a CLI line, a flow log)
            log.info("%s: not published: %s", bundle.dataset.name, exc)
            outcome = Outcome(bundle.dataset.name, "failed", error=exc)
        outcome.writes = target.portal.counter.writes - writes + (before.writes if before else 0)
        outcome.seconds = time.monotonic() - started + (before.seconds if before else 0.0)
        return outcome

    outcomes = [one(b, approved=False) for b in bundles]
    waiting = [o for o in outcomes if o.status == "rejected"]
    if not waiting or approve is None:
        return outcomes
    granted = set(approve(waiting))
    return [one(b, approved=True, before=o) if o.status == "rejected" and o.dataset in granted else o
            for b, o in zip(bundles, outcomes, strict=True)]
