"""``dgti-data publish``: plan and apply publication of bundles to CKAN.

Exit codes: 0 every dataset published or unchanged (or, with ``--dry-run``, planned); 1 a dataset
was refused (metadata the portal's schema rejects) or not approved; 2 unusable input or settings,
or a write the portal refused (a token without the right, a validation error); 3 the portal kept
failing (unreachable, timing out, HTTP 5xx) after every retry: run again later, a re-run
completes what this one started. Other datasets are published either way.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dgti_data import app
from dgti_data.app import ApprovalPolicy, ApproveAll, Outcome
from dgti_data.cli.base import EXIT_INVALID, EXIT_PORTAL, EXIT_UNUSABLE, fail
from dgti_data.errors import ConfigurationError, DgtiError, TransientError
from dgti_data.publish import render
from dgti_data.publish.loadpath import DESCRIPTIONS
from dgti_data.publish.service import portal_offer
from dgti_data.publish.target import Target


def ask(yes: bool) -> ApproveAll:
    """Approval at the terminal: each waiting plan, with its reasons; ``--yes`` approves them all."""

    def approve(waiting: list[Outcome]) -> list[str]:
        granted = []
        for o in waiting:
            click.echo(f"{o.name} needs a steward's approval: " + "; ".join(o.reasons))
            if yes:
                click.echo("  approved (--yes)")
            elif not sys.stdin.isatty():
                click.echo("  not applied: rerun with --yes, or approve it in the Prefect flow")
                continue
            elif not click.confirm("  apply this plan?", default=False):
                continue
            granted.append(o.dataset)
        return granted

    return approve


def failure_line(target: Target, failed: list[Outcome]) -> tuple[str, int]:
    """One line for the datasets that failed, and the exit code: 3 if the portal kept failing."""
    first = failed[0].error
    others = f" ({len(failed) - 1} more datasets not published)" if len(failed) > 1 else ""
    if isinstance(first, TransientError):
        retries = target.portal.client.retry.retries
        return (f"the portal {target.url} failed after {retries} retries ({first}); "
                f"{target.portal.counter.writes} write calls were made: run again when it answers{others}",
                EXIT_PORTAL)
    return f"{first}{others}", EXIT_UNUSABLE


@click.command("publish")
@click.argument("bundle_dirs", nargs=-1, type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--from-results", "results_dir", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Publish every bundle (publication.json) in DIR and its sub-folders.")
@click.option("--dry-run", is_flag=True, help="Print the plan; write nothing.")
@click.option("--organization", help="CKAN organisation (default: DGTI_CKAN_ORGANIZATION or the hub's).")
@click.option("--namespace", help="Suffix for dataset names, to keep trial publications apart.")
@click.option("--max-changed-share", type=float, default=ApprovalPolicy.max_changed_share, show_default=True,
              help="Plans changing more than this share of published rows need approval.")
@click.option("--yes", is_flag=True, help="Approve plans that need a steward's approval.")
def command(
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
    config = app.resolve()
    bundles = app.gather_bundles(config.catalog, bundle_dirs, results_dir)
    if not bundles:
        raise ConfigurationError("nothing to publish: name bundle folders or --from-results DIR")
    target = app.connect(config.settings, organization=organization, namespace=namespace)
    policy = ApprovalPolicy(max_changed_share=max_changed_share)
    try:
        offer = portal_offer(target, bundles)
    except DgtiError as exc:  # unreachable, or not CKAN at all: every dataset fails with this line
        outcomes = [Outcome(b.dataset.name, "failed", error=exc) for b in bundles]
    else:
        if dry_run:
            click.echo(render.portal_offer(offer) + "\n")
        outcomes = app.publish_all(bundles, target, ask(yes), dry_run=dry_run, policy=policy, offer=offer)
    for o in outcomes:
        if o.plan is None:
            continue
        click.echo(render.dataset_plan(o.plan))
        click.echo(f"  → {o.status}" + (f": {o.url}" if o.url else ""))
        if o.applied is not None and o.applied.datastore_load is not None:
            click.echo(f"  DataStore rows written by {DESCRIPTIONS[o.applied.datastore_load]}")
        for warning in o.applied.warnings if o.applied is not None else []:
            click.echo(f"  warning: {warning}")
    c = target.portal.counter
    prefix = "dry run: " if dry_run else ""
    click.echo(f"{prefix}{c.writes} write calls, {c.reads} read calls to {target.url}")
    for o in outcomes:
        if o.url:
            click.echo(o.url)
    # Last, the run's table (after the totals line, which scripts read: "N write calls, ...").
    click.echo("\n" + render.run_table([o.to_dict() for o in outcomes]))
    failed = [o for o in outcomes if o.status == "failed"]
    if failed:
        fail(*failure_line(target, failed))
    if any(o.status in ("refused", "rejected") for o in outcomes):
        sys.exit(EXIT_INVALID)
