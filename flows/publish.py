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

import sys
from pathlib import Path
from typing import Any, Literal

import click
from prefect import flow, get_run_logger
from prefect.input import RunInput
from pydantic import BaseModel, ConfigDict, Field

from dgti_data import app
from dgti_data.app import ApprovalPolicy, Outcome
from dgti_data.cli.base import run_command
from dgti_data.errors import TransientError
from dgti_data.orchestration import use_local_prefect_server
from dgti_data.publish import render
from dgti_data.settings import PROJECT_ROOT

FLOW_NAME = "publish-datasets"
DEPLOYMENT = "nightly"
NIGHTLY = "0 2 * * *"  # 02:00 in Bangkok, after the evening's exports have arrived
TIMEZONE = "Asia/Bangkok"


def _no_help(schema: dict[str, Any]) -> None:
    """A model's docstring would show in the form as help text: the labels say enough."""
    schema.pop("description", None)


def _checked_schema(schema: dict[str, Any]) -> None:
    """``Literal[True]`` would show as a fixed value ("a const and cannot be changed"): shown as
    the switch it is, which the server refuses unless it is on."""
    schema.pop("const", None)
    schema.pop("enum", None)
    schema["not"] = {"const": False}


class Approve(BaseModel):
    """Approve: the steward confirms having checked the plan (left off, the server refuses)."""

    model_config = ConfigDict(title="อนุมัติ / Approve", extra="forbid", json_schema_extra=_no_help)

    # No validator function: the flow is pickled by value when served from a script
    # (``flows/publish.py serve``), and pydantic cannot rebuild a nested model's validator then.
    checked: Literal[True] = Field(
        title="ตรวจตารางและรายงานแล้ว เผยแพร่ได้ / I checked the tables and reports: publish",
        json_schema_extra=_checked_schema)


class Reject(BaseModel):
    """Reject: nothing flagged is published, and the steward says why."""

    model_config = ConfigDict(title="ไม่อนุมัติ / Reject", extra="forbid", json_schema_extra=_no_help)

    reason: str = Field(title="เหตุผลที่ไม่อนุมัติ / Why it is rejected", min_length=1, pattern=r"\S")


class StewardApproval(RunInput):
    """What a data steward answers in the Prefect UI to resume a paused publication.

    The decision is one of two answers (``anyOf``), which Prefect's form shows as an Approve /
    Reject switch over each answer's own fields: approving needs the check ticked, rejecting a
    reason, and neither field is marked optional because neither is. (One flat model with an
    optional reason made required by ``if``/``then`` showed "Reason (Optional)": the UI does not
    read ``if``/``then``.) Prefect's server checks an answer against this JSON Schema before it
    resumes the run; the model checks the same. API resumes send ``approve_answer()`` or
    ``reject_answer(reason)``."""

    model_config = ConfigDict(title="การอนุมัติของผู้ดูแลข้อมูล / Steward's decision", json_schema_extra=_no_help)

    decision: Approve | Reject = Field(title="การตัดสินใจ / Decision")

    @property
    def approved(self) -> bool:
        return isinstance(self.decision, Approve)

    @property
    def reason(self) -> str:
        return self.decision.reason if isinstance(self.decision, Reject) else ""


def approve_answer() -> dict[str, Any]:
    """The run input that approves, for resumes through Prefect's API."""
    return {"decision": {"checked": True}}


def reject_answer(reason: str) -> dict[str, Any]:
    """The run input that rejects, with its reason."""
    return {"decision": {"reason": reason}}


def approval_description(waiting: list[Outcome]) -> str:
    """The resume form's text: the plan as a short table a steward reads, in Thai and English."""
    return (
        "### รออนุมัติก่อนเผยแพร่ / Waiting for your approval\n\n"
        "ตรวจสอบตารางและรายงาน แล้วเลือก อนุมัติ หรือ ไม่อนุมัติ (ระบุเหตุผล) ด้านล่าง / "
        "Check the tables and reports, then approve or reject (with a reason) below.\n"
        + render.approval_markdown([(o.plan, o.reasons) for o in waiting if o.plan])
    )


def ask_steward(timeout_s: int) -> app.ApproveAll:
    """Approval through Prefect's pause: one question for every waiting plan, answered in the UI."""

    def approve(waiting: list[Outcome]) -> list[str]:
        from prefect.flow_runs import pause_flow_run

        log = get_run_logger()
        try:
            answer = pause_flow_run(
                wait_for_input=StewardApproval.with_initial_data(description=approval_description(waiting)),
                timeout=timeout_s,
            )
        except Exception as exc:  # a pause that times out: publish nothing that needed approval
            log.warning("no approval (%s): flagged datasets are not published", type(exc).__name__)
            return []
        log.info("steward: %s%s", "approved" if answer.approved else "rejected",
                 f": {answer.reason}" if answer.reason else "")
        return [o.dataset for o in waiting] if answer.approved else []

    return approve


def auto_approved(waiting: list[Outcome]) -> list[str]:
    get_run_logger().warning("auto-approved without a steward: %s", ", ".join(o.dataset for o in waiting))
    return [o.dataset for o in waiting]


@flow(name=FLOW_NAME, log_prints=True)
def publish_datasets(
    results_dir: str | None = None,
    bundle_dirs: list[str] | None = None,
    organization: str | None = None,
    namespace: str | None = None,
    dry_run: bool = False,
    max_changed_share: float = ApprovalPolicy.max_changed_share,
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
    config = app.resolve()
    bundles = app.gather_bundles(config.catalog, [Path(d) for d in bundle_dirs or []],
                                 Path(results_dir) if results_dir else None)
    if not bundles:
        log.warning("nothing to publish in %s %s", results_dir, bundle_dirs or "")
        return []
    target = app.connect_with_blocks(config.settings, organization=organization, namespace=namespace,
                                     token_block=token_block, portal_block=portal_block)
    policy = ApprovalPolicy(max_changed_share=max_changed_share, new_datasets=approve_new_datasets)
    approve = auto_approved if auto_approve else ask_steward(approval_timeout_s)
    outcomes = app.publish_all(bundles, target, approve, policy=policy, dry_run=dry_run)
    failed = [o for o in outcomes if o.status == "failed"]
    if failed and len(failed) == len(outcomes) and target.portal.counter.writes == 0 \
            and all(isinstance(o.error, TransientError) for o in failed):
        log.error("portal %s unreachable, nothing published: %s", target.url, failed[0].error)
    create_markdown_artifact(
        key="publish-plan", description="Publication plan",
        markdown="\n\n".join(
            f"### {o.dataset}\n```\n{render.dataset_plan(o.plan)}\n```" for o in outcomes if o.plan
        ),
    )
    rows = [o.to_dict() for o in outcomes]
    create_table_artifact(key="publish-result", table=render.run_rows(rows),
                          description="ผลการเผยแพร่ / what the run wrote, per dataset")
    log.info("what this run wrote / ผลการเผยแพร่:\n%s", render.run_table(rows))
    for r in rows:
        if r["status"] == "failed":
            log.error("%s: not published: %s", r["dataset"], r["error"])
        else:
            log.info("%s: %s %s", r["dataset"], r["status"], r["url"])
    return rows


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


@click.command("publish-flow")
@click.argument("action", type=click.Choice(["run", "serve", "deploy"]))
@click.argument("results_dir")
@click.option("--dry-run", is_flag=True, help="Plan only, write nothing (run).")
@click.option("--organization", help="CKAN organisation (default: settings or the portal block's).")
@click.option("--namespace", help="Suffix for dataset names (trial publications).")
@click.option("--cron", default=NIGHTLY, show_default=True, help="Schedule (serve, deploy), Asia/Bangkok.")
@click.option("--name", default=DEPLOYMENT, show_default=True, help="Deployment name (serve, deploy).")
@click.option("--pool", help="Work pool (deploy).")
@click.option("--token-block", help="Prefect Secret block holding the CKAN API token.")
@click.option("--portal-block", help="Prefect CkanPortal block: URL, organisation, token.")
def command(action: str, results_dir: str, dry_run: bool, organization: str | None,
            namespace: str | None, cron: str, name: str, pool: str | None, token_block: str | None,
            portal_block: str | None) -> None:
    """Publish RESULTS_DIR's bundles now (run), nightly from this process (serve) or on a pool (deploy)."""
    params: dict[str, Any] = {"organization": organization, "token_block": token_block,
                              "portal_block": portal_block, "namespace": namespace}
    if action == "run":
        rows = publish_datasets(results_dir=results_dir, dry_run=dry_run, **params)
        for r in rows:
            click.echo(f"{r['dataset']}: {r['status']} {r.get('error') or r['url']}")
        sys.exit(0 if all(r["status"] in ("published", "unchanged", "planned") for r in rows) else 1)
    if action == "serve":
        serve_nightly(results_dir, cron, name, **params)
        return
    if not pool:
        raise click.UsageError("deploy needs --pool")
    click.echo(deploy_nightly(results_dir, pool, cron, name=name, **params))


def main(argv: list[str] | None = None) -> int:
    use_local_prefect_server()
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
