"""Publish stage: anonymised, validated bundles → datasets on a CKAN portal with GD Catalog metadata,
a typed DataStore and a data dictionary, planned from read calls and applied with patch semantics."""

from dgti_data.publish.apply import Applied, PlanRefused, apply_plan
from dgti_data.publish.bundle import (
    BundleError,
    PublicationBundle,
    bundle_from_files,
    find_bundles,
    load_bundle,
    published_schema,
)
from dgti_data.publish.planner import plan_dataset
from dgti_data.publish.portal import Portal
from dgti_data.publish.service import ApprovalPolicy, Outcome, publish_bundle
from dgti_data.publish.steps import DatasetPlan
from dgti_data.publish.target import Target

__all__ = [
    "Applied",
    "ApprovalPolicy",
    "BundleError",
    "DatasetPlan",
    "Outcome",
    "PlanRefused",
    "Portal",
    "PublicationBundle",
    "Target",
    "apply_plan",
    "bundle_from_files",
    "find_bundles",
    "load_bundle",
    "plan_dataset",
    "publish_bundle",
    "published_schema",
]
