"""Publish bundles: fetch the portal's schema once, plan each dataset, ask for approval when a
plan needs it, apply. The CLI and the Prefect flow both call this, so there is one publisher.

Failures of the portal (``TransientError``: unreachable, timeout, HTTP 5xx) during a dataset's
plan or apply are retried here by planning again after a backoff, never by resending a write: a
write whose answer was lost may have been applied, and only a fresh plan knows. The retry budget
counts failures without progress: a round in which some writes went through starts it afresh.
Each dataset is planned and applied under its own lock, so two runs never interleave its writes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from dgti_data.ckan import RetryPolicy
from dgti_data.errors import TransientError
from dgti_data.publish import portal_schema
from dgti_data.publish.apply import Applied, StalePlan, apply_plan
from dgti_data.publish.bundle import PublicationBundle
from dgti_data.publish.lock import dataset_lock
from dgti_data.publish.metadata import package_name
from dgti_data.publish.plan import DatasetPlan, plan_dataset
from dgti_data.publish.target import Target
from dgti_data.settings import get_settings

log = logging.getLogger(__name__)

Status = Literal["published", "unchanged", "planned", "refused", "rejected"]
MAX_PLANS = 3  # plan → apply rounds when the portal changes under a plan
MAX_ROUNDS_PER_RETRY = 4  # bounds the rounds of a portal that fails often but lets some writes through


@dataclass
class Outcome:
    plan: DatasetPlan
    status: Status
    applied: Applied | None = None

    @property
    def url(self) -> str | None:
        return self.applied.url if self.applied else None


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
    return portal_schema.fetch(target.portal)


def plan(bundle: PublicationBundle, target: Target, schema: dict[str, Any]) -> DatasetPlan:
    return plan_dataset(bundle, target.portal, target.organization, schema, namespace=target.namespace)


def publish_bundle(
    bundle: PublicationBundle,
    target: Target,
    schema: dict[str, Any],
    *,
    dry_run: bool = False,
    approve: Callable[[DatasetPlan, list[str]], bool] | None = None,
    policy: ApprovalPolicy | None = None,
) -> Outcome:
    """Plan one dataset and (unless ``dry_run``) apply the plan, re-planning if it went stale.

    ``approve(plan, reasons)`` is asked only when ``policy`` gives reasons; no ``approve`` means
    such plans are not applied (status ``rejected``).
    """
    target.check_organization()
    name = package_name(bundle.dataset.name, target.organization, target.namespace)
    lock_dir = target.lock_dir or get_settings().lock_dir
    with dataset_lock(lock_dir, target.url, name):
        return _publish_locked(bundle, target, schema, dry_run, approve, policy or ApprovalPolicy())


def _publish_locked(
    bundle: PublicationBundle,
    target: Target,
    schema: dict[str, Any],
    dry_run: bool,
    approve: Callable[[DatasetPlan, list[str]], bool] | None,
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
            if p.action == "refused":
                return Outcome(p, "refused")
            if dry_run:
                return Outcome(p, "planned" if p.action != "unchanged" else "unchanged")
            reasons = policy.reasons(p)
            if reasons and not asked:
                asked = True
                if approve is None or not approve(p, reasons):
                    return Outcome(p, "rejected")
            applied = apply_plan(p, target.portal)
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
        return Outcome(p, "unchanged" if p.action == "unchanged" else "published", applied)


def publish(
    bundles: Iterable[PublicationBundle],
    target: Target,
    *,
    dry_run: bool = False,
    approve: Callable[[DatasetPlan, list[str]], bool] | None = None,
    policy: ApprovalPolicy | None = None,
) -> list[Outcome]:
    """Publish every bundle: one ``scheming_dataset_schema_show``, then per dataset plan → apply."""
    schema = portal_schema_of(target)
    return [
        publish_bundle(b, target, schema, dry_run=dry_run, approve=approve, policy=policy)
        for b in bundles
    ]
