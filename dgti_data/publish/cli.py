"""``dgti-data publish``: plan and apply publication of bundles to CKAN.

Exit codes: 0 every dataset published or unchanged (or, with ``--dry-run``, planned); 1 a dataset
was refused (metadata the portal's schema rejects) or not approved; 2 unusable input or settings;
3 the portal kept failing (unreachable, timing out, HTTP 5xx) after every retry: run again later,
a re-run completes what this one started.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from dgti_data.datasets import load_catalog
from dgti_data.errors import ConfigurationError, TransientError
from dgti_data.publish.bundle import PublicationBundle, find_bundles, load_bundle
from dgti_data.publish.plan import DatasetPlan
from dgti_data.publish.service import ApprovalPolicy, publish
from dgti_data.publish.target import connect
from dgti_data.settings import get_settings


class PortalUnavailable(TransientError):
    """The portal kept failing: the CLI prints this one line and exits 3."""


def _ask(yes: bool) -> Callable[[DatasetPlan, list[str]], bool]:
    def approve(plan: DatasetPlan, reasons: list[str]) -> bool:
        click.echo(f"{plan.name} needs a steward's approval: " + "; ".join(reasons))
        if yes:
            click.echo("  approved (--yes)")
            return True
        if not sys.stdin.isatty():
            click.echo("  not applied: rerun with --yes, or approve it in the Prefect flow")
            return False
        return click.confirm("  apply this plan?", default=False)

    return approve


@click.command("publish")
@click.argument("bundle_dirs", nargs=-1, type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--from-results", "results_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Publish every bundle (publication.json) in DIR and its sub-folders.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--organization", help="CKAN organisation (default: DGTI_CKAN_ORGANIZATION or the hub's).")
@click.option("--namespace", help="Suffix for dataset names, to keep trial publications apart.")
@click.option("--max-changed-share", type=float, default=0.2, show_default=True,
              help="Plans changing more than this share of published rows need approval.")
@click.option("--yes", is_flag=True, help="Approve plans that need a steward's approval.")
def publish_cmd(
    bundle_dirs: tuple[Path, ...],
    results_dir: Path | None,
    dry_run: bool,
    organization: str | None,
    namespace: str | None,
    max_changed_share: float,
    yes: bool,
) -> None:
    """Publish bundles to CKAN: GD Catalog metadata, the CSV, datapackage.json, reports, a typed
    DataStore. Re-running with unchanged inputs writes nothing."""
    settings = get_settings()
    catalog = load_catalog(settings.schemas_dir)
    bundles: list[PublicationBundle] = [load_bundle(d, catalog) for d in bundle_dirs]
    if results_dir is not None:
        bundles += find_bundles(results_dir, catalog)
    if not bundles:
        raise ConfigurationError("nothing to publish: name bundle folders or --from-results DIR")
    target = connect(settings, organization=organization, namespace=namespace)
    try:
        outcomes = publish(
            bundles, target, dry_run=dry_run, approve=_ask(yes),
            policy=ApprovalPolicy(max_changed_share=max_changed_share),
        )
    except TransientError as exc:
        retries = target.portal.client.retry.retries
        raise PortalUnavailable(
            f"the portal {target.url} failed after {retries} retries ({exc}); "
            f"{target.portal.counter.writes} write calls were made: run again when it answers"
        ) from None
    for o in outcomes:
        click.echo(o.plan.render())
        click.echo(f"  → {o.status}" + (f": {o.url}" if o.url else ""))
        if o.applied is not None and o.applied.datastore_load is not None:
            how = {"bulk": "one bulk COPY call (dgti_datastore_load)", "upsert": "datastore_upsert batches"}
            click.echo(f"  DataStore rows written by {how[o.applied.datastore_load]}")
    c = target.portal.counter
    prefix = "dry run: " if dry_run else ""
    click.echo(f"{prefix}{c.writes} write calls, {c.reads} read calls to {target.url}")
    for o in outcomes:
        if o.url:
            click.echo(o.url)
    if any(o.status in ("refused", "rejected") for o in outcomes):
        sys.exit(1)
