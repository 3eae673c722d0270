"""Publish bundles to CKAN on a schedule: plan every dataset, pause for a data steward's approval
in the Prefect UI when a plan has warnings or changes too many rows, then apply.

Entry points::

    python flows/publish.py run  RESULTS_DIR [--dry-run]        # once, now
    python flows/publish.py serve RESULTS_DIR [--cron "0 2 * * *"]   # nightly, this process runs it
    python flows/publish.py deploy RESULTS_DIR --pool POOL      # nightly, on a work pool's workers

Settings (CKAN URL, organisation, API token) come from the environment (``DGTI_*``), or from
Prefect blocks: ``portal_block`` names a ``CkanPortal`` block (URL, organisation, token;
``dgti_data.publish.blocks``), ``token_block`` a Secret block holding only the token.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.input import RunInput
from pydantic import SecretStr

from dgti_data.datasets import load_catalog
from dgti_data.errors import DgtiError, TransientError
from dgti_data.orchestration import retry_only_transient
from dgti_data.publish.bundle import PublicationBundle, find_bundles, load_bundle
from dgti_data.publish.service import ApprovalPolicy, plan, portal_schema_of, publish_bundle
from dgti_data.publish.target import Target, connect
from dgti_data.settings import PROJECT_ROOT, get_settings

FLOW_NAME = "publish-datasets"
DEPLOYMENT = "nightly"
NIGHTLY = "0 2 * * *"  # 02:00 in Bangkok, after the evening's exports have arrived
TIMEZONE = "Asia/Bangkok"


class StewardApproval(RunInput):
    """What a data steward answers in the Prefect UI to resume a paused publication."""

    approve: bool = False
    note: str = ""


def _target(
    organization: str | None, namespace: str | None, token_block: str | None, portal_block: str | None
) -> Target:
    """Settings from the environment, overridden by Prefect blocks when named: a ``CkanPortal``
    block (URL, organisation, token) or a Secret block holding only the token."""
    settings = get_settings()
    token = None
    if portal_block:
        from dgti_data.publish.blocks import CkanPortal

        portal = CkanPortal.load(portal_block)
        update = {"ckan_url": portal.url, "ckan_organization": portal.organization}
        settings = settings.model_copy(update=update)
        token = portal.token
    if token_block:
        from prefect.blocks.system import Secret

        token = SecretStr(str(Secret.load(token_block).get()))
    return connect(settings, organization=organization, token=token, namespace=namespace)


def _bundles(results_dir: str | None, bundle_dirs: list[str] | None) -> list[PublicationBundle]:
    catalog = load_catalog(get_settings().schemas_dir)
    bundles = [load_bundle(Path(d), catalog) for d in bundle_dirs or []]
    if results_dir:
        bundles += find_bundles(Path(results_dir), catalog)
    return bundles


@task(task_run_name="plan-{bundle.dataset.name}", cache_policy=NO_CACHE, retries=2,
      retry_delay_seconds=[5, 30], retry_condition_fn=retry_only_transient)
def plan_one(bundle: PublicationBundle, target: Target, schema: dict[str, Any],
             policy: ApprovalPolicy) -> dict[str, Any]:
    p = plan(bundle, target, schema)
    get_run_logger().info("%s", p.render())
    return {"dataset": bundle.dataset.name, "name": p.name, "action": p.action,
            "reasons": policy.reasons(p), "plan": p.render()}


@task(task_run_name="publish-{bundle.dataset.name}", cache_policy=NO_CACHE, retries=3,
      retry_delay_seconds=[5, 30, 120], retry_condition_fn=retry_only_transient)
def publish_one(bundle: PublicationBundle, target: Target, schema: dict[str, Any],
                policy: ApprovalPolicy, approved: bool, dry_run: bool) -> dict[str, Any]:
    """Plans again (the portal may have changed since) and applies: every retry converges."""
    before = target.portal.counter.writes
    outcome = publish_bundle(bundle, target, schema, dry_run=dry_run, policy=policy,
                             approve=lambda _plan, _reasons: approved)
    return {"dataset": bundle.dataset.name, "name": outcome.plan.name, "status": outcome.status,
            "url": outcome.url or "", "writes": target.portal.counter.writes - before, "error": ""}


def _ask_steward(flagged: list[dict[str, Any]], timeout_s: int) -> bool:
    from prefect.flow_runs import pause_flow_run

    text = "\n\n".join(
        f"**{f['dataset']}**: {'; '.join(f['reasons'])}\n```\n{f['plan']}\n```" for f in flagged
    )
    description = (
        "ชุดข้อมูลต่อไปนี้ต้องได้รับอนุมัติจากผู้ดูแลข้อมูลก่อนเผยแพร่ / "
        f"These datasets need a data steward's approval before publication:\n\n{text}"
    )
    try:
        answer = pause_flow_run(
            wait_for_input=StewardApproval.with_initial_data(description=description),
            timeout=timeout_s,
        )
    except Exception as exc:  # a pause that times out: publish nothing that needed approval
        get_run_logger().warning("no approval (%s): flagged datasets are not published", type(exc).__name__)
        return False
    get_run_logger().info("steward: approve=%s note=%r", answer.approve, answer.note)
    return bool(answer.approve)


@flow(name=FLOW_NAME, log_prints=True)
def publish_datasets(
    results_dir: str | None = None,
    bundle_dirs: list[str] | None = None,
    organization: str | None = None,
    namespace: str | None = None,
    dry_run: bool = False,
    max_changed_share: float = 0.2,
    approve_new_datasets: bool = False,
    approval_timeout_s: int = 24 * 3600,
    token_block: str | None = None,
    portal_block: str | None = None,
    auto_approve: bool = False,
) -> list[dict[str, Any]]:
    """Plan, pause for approval if needed, apply. Returns one row per dataset with its URL.

    ``auto_approve`` applies flagged plans without pausing: for demos on the local hub only.
    """
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    log = get_run_logger()
    bundles = _bundles(results_dir, bundle_dirs)
    if not bundles:
        log.warning("nothing to publish in %s %s", results_dir, bundle_dirs or "")
        return []
    target = _target(organization, namespace, token_block, portal_block)
    policy = ApprovalPolicy(max_changed_share=max_changed_share, new_datasets=approve_new_datasets)
    try:
        schema = portal_schema_of(target)
    except TransientError as exc:  # down from the start: nothing was written, say so in one line
        log.error("portal %s unreachable, nothing published: %s", target.url, exc)
        return [_failed(b.dataset.name, f"portal unreachable: {exc}") for b in bundles]
    plans = [plan_one(b, target, schema, policy) for b in bundles]
    create_markdown_artifact(
        key="publish-plan", description="Publication plan",
        markdown="\n\n".join(f"### {p['dataset']}\n```\n{p['plan']}\n```" for p in plans),
    )
    flagged = [p for p in plans if p["reasons"]]
    if flagged and auto_approve:
        log.warning("auto-approved without a steward: %s", ", ".join(f["dataset"] for f in flagged))
    approved = bool(flagged) and not dry_run and (auto_approve or _ask_steward(flagged, approval_timeout_s))
    rows = [_row(b, publish_one(b, target, schema, policy, approved, dry_run, return_state=True))
            for b in bundles]
    create_table_artifact(key="publish-result", table=rows, description="Published datasets")
    for r in rows:
        log.info("%s: %s %s", r["dataset"], r["status"], r["url"])
    return rows


def _failed(dataset: str, error: str) -> dict[str, Any]:
    return {"dataset": dataset, "name": "", "status": "failed", "url": "", "writes": 0, "error": error}


def _row(bundle: PublicationBundle, state: Any) -> dict[str, Any]:
    """A task's result; our own errors (the portal still failing after every retry, a refusal)
    become a ``failed`` row with one line, so the other datasets are still published and the
    caller exits non-zero without a traceback. Anything else is a bug and is raised."""
    try:
        return state.result()
    except DgtiError as exc:
        get_run_logger().error("%s: not published: %s", bundle.dataset.name, exc)
        return _failed(bundle.dataset.name, str(exc))


def serve_nightly(results_dir: str, cron: str = NIGHTLY, name: str = DEPLOYMENT, **parameters: Any) -> None:
    """Serve the nightly deployment from this process (no work pool: for a single machine)."""
    from prefect.schedules import Cron

    publish_datasets.serve(
        name=name, schedule=Cron(cron, timezone=TIMEZONE),
        parameters={"results_dir": results_dir, **parameters},
    )


def deploy_nightly(
    results_dir: str, pool: str, cron: str | None = NIGHTLY, source: Path = PROJECT_ROOT,
    name: str = DEPLOYMENT, **parameters: Any,
) -> Any:
    """Register the nightly deployment on a work pool (``prefect worker start --pool POOL`` runs it),
    with the flow's code pulled from ``source`` (this checkout). Returns the deployment id."""
    from prefect.schedules import Cron

    flow_from_source = publish_datasets.from_source(
        source=str(source), entrypoint="flows/publish.py:publish_datasets"
    )
    return flow_from_source.deploy(
        name=name, work_pool_name=pool,
        schedule=Cron(cron, timezone=TIMEZONE) if cron else None,
        parameters={"results_dir": results_dir, **parameters},
        print_next_steps=False,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["run", "serve", "deploy"])
    parser.add_argument("results_dir")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--organization")
    parser.add_argument("--namespace", help="suffix for dataset names (trial publications)")
    parser.add_argument("--cron", default=NIGHTLY)
    parser.add_argument("--name", default=DEPLOYMENT, help="deployment name (serve, deploy)")
    parser.add_argument("--pool", help="work pool (deploy)")
    parser.add_argument("--token-block", help="Prefect Secret block holding the CKAN API token")
    parser.add_argument("--portal-block", help="Prefect CkanPortal block: URL, organisation, token")
    args = parser.parse_args(argv)
    params: dict[str, Any] = {
        "organization": args.organization, "token_block": args.token_block, "portal_block": args.portal_block,
        "namespace": args.namespace,
    }
    if args.command == "run":
        rows = publish_datasets(results_dir=args.results_dir, dry_run=args.dry_run, **params)
        for r in rows:
            print(f"{r['dataset']}: {r['status']} {r.get('error') or r['url']}")
        return 0 if all(r["status"] in ("published", "unchanged", "planned") for r in rows) else 1
    if args.command == "serve":
        serve_nightly(args.results_dir, args.cron, args.name, **params)
        return 0
    if not args.pool:
        parser.error("deploy needs --pool")
    print(deploy_nightly(args.results_dir, args.pool, args.cron, name=args.name, **params))
    return 0


if __name__ == "__main__":
    sys.exit(main())
