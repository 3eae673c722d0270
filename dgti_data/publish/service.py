"""Publish one dataset: plan, ask for approval when the plan needs it, apply, plan again if the
portal changed. ``dgti_data.app.publishing.publish_all`` runs it for every bundle, for the CLI and
the Prefect flows alike, so there is one publisher.

Failures of the portal (``TransientError``: unreachable, timeout, HTTP 5xx) during a dataset's
plan or apply are retried here by planning again after a backoff, never by resending a write: a
write whose answer was lost may have been applied, and only a fresh plan knows. The retry budget
counts failures without progress: a round in which some writes went through starts it afresh.
Each dataset is planned and applied under its own lock, so two runs never interleave its writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from dgti_data.ckan import PortalOffer, RetryPolicy, probe
from dgti_data.errors import ConfigurationError, DgtiError, TerminalError, TransientError
from dgti_data.publish import portal_schema
from dgti_data.publish.apply import Applied, StalePlan, apply_plan
from dgti_data.publish.bundle import PublicationBundle
from dgti_data.publish.lock import dataset_lock
from dgti_data.publish.metadata import package_name, sent_fields
from dgti_data.publish.planner import plan_dataset
from dgti_data.publish.steps import DatasetPlan
from dgti_data.publish.target import Target

log = logging.getLogger(__name__)

Status = Literal["published", "unchanged", "planned", "refused", "rejected", "failed"]
Approve = Callable[[DatasetPlan, list[str]], bool]
MAX_PLANS = 3  # plan → apply rounds when the portal changes under a plan
MAX_ROUNDS_PER_RETRY = 4  # bounds the rounds of a portal that fails often but lets some writes through


@dataclass
class Outcome:
    """What became of one dataset. ``rejected``: it needed approval (``reasons``) and did not get
    it; ``failed``: ``error`` stopped it (the portal kept failing, or refused a write)."""

    dataset: str
    status: Status
    plan: DatasetPlan | None = None
    applied: Applied | None = None
    reasons: list[str] = field(default_factory=list)
    error: DgtiError | None = None
    # What the run spent on it (``app.publish_all`` measures): write calls sent, seconds taken.
    writes: int = 0
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Rows citizens see once this outcome stands: the bundle's, if published or unchanged."""
        if self.plan is None or self.status not in ("published", "unchanged"):
            return 0
        return self.plan.bundle.rows or 0

    @property
    def url(self) -> str | None:
        return self.applied.url if self.applied else None

    @property
    def name(self) -> str:
        return self.plan.name if self.plan else ""

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "name": self.name, "status": self.status, "url": self.url or "",
                "reasons": self.reasons, "error": str(self.error) if self.error else "",
                "rows": self.rows, "writes": self.writes, "seconds": round(self.seconds, 1)}


@dataclass(frozen=True)
class ApprovalPolicy:
    """When a steward must approve a plan before it is applied.

    A clean run needs no one: only plans with warnings, or that change more than
    ``max_changed_share`` of the rows citizens already see, wait (new datasets, which nobody
    sees yet, only if ``new_datasets``).
    """

    max_changed_share: float = 0.2
    new_datasets: bool = False

    def reasons(self, plan: DatasetPlan) -> list[str]:
        if plan.action in ("unchanged", "refused"):
            return []
        out = [f"warning: {w}" for w in plan.warnings]
        share = plan.changed_rows_share
        if share is not None and share > self.max_changed_share and not plan.is_new:
            out.append(f"{share:.1%} of the rows change (limit {self.max_changed_share:.0%})")
        if plan.is_new and self.new_datasets:
            out.append("new dataset")
        return out


def portal_schema_of(target: Target) -> dict[str, Any]:
    """The portal's dataset schema (``scheming_dataset_schema_show``): fetched once per run."""
    return portal_schema.fetch(target.portal)


class PortalUnsuitable(TerminalError):
    """The portal lacks what publishing needs (``PortalOffer.problems``): nothing was written."""

    def __init__(self, offer: PortalOffer) -> None:
        super().__init__(f"{offer.url}: nothing written: " + "; ".join(offer.problems))
        self.offer = offer


def portal_offer(target: Target, bundles: list[PublicationBundle]) -> PortalOffer:
    """What the target portal offers these bundles (read calls only): asked once per run."""
    fields = set().union(*(sent_fields(b.dataset) for b in bundles)) - portal_schema.CORE_KEYS
    offer = probe(target.portal.client, target.organization, sorted(fields))
    target.portal.adopt(offer)  # planning chooses the load path from this same answer
    return offer


def require_usable(offer: PortalOffer) -> dict[str, Any]:
    """The portal's dataset schema, or ``PortalUnsuitable`` naming every problem in one line."""
    if offer.problems:
        raise PortalUnsuitable(offer)
    return offer.schema


def plan(bundle: PublicationBundle, target: Target, schema: dict[str, Any]) -> DatasetPlan:
    return plan_dataset(bundle, target.portal, target.organization, schema, namespace=target.namespace,
                        loaded_dir=target.loaded_dir)


def publish_bundle(
    bundle: PublicationBundle,
    target: Target,
    schema: dict[str, Any],
    *,
    dry_run: bool = False,
    approve: Approve | None = None,
    policy: ApprovalPolicy | None = None,
) -> Outcome:
    """Plan one dataset and (unless ``dry_run``) apply the plan, re-planning if it went stale.

    ``approve(plan, reasons)`` is asked only when ``policy`` gives reasons; no ``approve`` means
    such plans are not applied (status ``rejected``).
    """
    target.check_organization()
    name = package_name(bundle.dataset.name, target.organization, target.namespace)
    if target.lock_dir is None:
        raise ConfigurationError("the publication target names no lock folder (settings: DGTI_LOCK_DIR)")
    with dataset_lock(target.lock_dir, target.url, name):
        return _publish_locked(bundle, target, schema, dry_run, approve, policy or ApprovalPolicy())


def _publish_locked(
    bundle: PublicationBundle,
    target: Target,
    schema: dict[str, Any],
    dry_run: bool,
    approve: Approve | None,
    policy: ApprovalPolicy,
) -> Outcome:
    retry: RetryPolicy = target.retry or target.portal.client.retry
    asked = False
    stale = failures = rounds = 0
    while True:
        rounds += 1
        writes_before = target.portal.counter.writes
        try:
            p = plan(bundle, target, schema)
            name = bundle.dataset.name
            reasons = policy.reasons(p)
            if p.action == "refused":
                return Outcome(name, "refused", p)
            if dry_run:
                status = "planned" if p.action != "unchanged" else "unchanged"
                return Outcome(name, status, p, reasons=reasons)
            if reasons and not asked:
                asked = True
                if approve is None or not approve(p, reasons):
                    return Outcome(name, "rejected", p, reasons=reasons)
            applied = apply_plan(p, target.portal, loaded_dir=target.loaded_dir)
        except StalePlan:
            stale += 1
            if stale >= MAX_PLANS:
                raise RuntimeError(
                    f"{bundle.dataset.name}: the portal kept changing during {MAX_PLANS} plans"
                ) from None
            log.info("%s appeared while publishing: planning again", bundle.dataset.name)
            continue
        except TransientError as exc:
            if target.portal.counter.writes - writes_before > 1:
                failures = 0  # writes went through before this one failed: progress, a fresh budget
            if failures >= retry.retries or rounds > MAX_ROUNDS_PER_RETRY * (retry.retries + 1):
                raise
            delay = retry.delay(failures)
            failures += 1
            log.info("%s: %s; planning again in %.1f s (retry %d of %d)",
                        bundle.dataset.name, exc, delay, failures, retry.retries)
            time.sleep(delay)
            continue
        status = "unchanged" if p.action == "unchanged" else "published"
        return Outcome(name, status, p, applied, reasons)
