"""Publish bundles: fetch the portal's schema once, plan each dataset, ask for approval when a
plan needs it, apply. The CLI and the Prefect flow both call this, so there is one publisher."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from dgti_data.publish import portal_schema
from dgti_data.publish.apply import Applied, StalePlan, apply_plan
from dgti_data.publish.bundle import PublicationBundle
from dgti_data.publish.plan import DatasetPlan, plan_dataset
from dgti_data.publish.target import Target

log = logging.getLogger(__name__)

Status = Literal["published", "unchanged", "planned", "refused", "rejected"]
MAX_PLANS = 3  # plan → apply rounds when the portal changes under a plan


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
    policy = policy or ApprovalPolicy()
    asked = False
    for _ in range(MAX_PLANS):
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
        try:
            applied = apply_plan(p, target.portal)
        except StalePlan:
            log.info("%s appeared while publishing: planning again", p.name)
            continue
        return Outcome(p, "unchanged" if p.action == "unchanged" else "published", applied)
    raise RuntimeError(f"{bundle.dataset.name}: the portal kept changing during {MAX_PLANS} plans")


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
