"""The main job: a drop folder of raw exports → validated, anonymised datasets published on CKAN.

    python -m flows.local_digital DROP_DIR RESULTS_DIR [--no-publish] [--auto-approve]

Runs the validation flow (read, normalise, validate, anonymise, report: tasks of files) and then
the publishing flow (plan, approval when needed, apply) as subflows of one run, and prints the
datasets' CKAN addresses.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from prefect import flow

from dgti_data.cli.base import run_command
from dgti_data.orchestration import use_local_prefect_server
from dgti_data.publish import render
from dgti_data.report.trend import QUALITY_FILE
from flows.publish import publish_datasets
from flows.validate_drop_folder import validate_drop_folder


@flow(name="local-digital-pipeline", log_prints=True)
def local_digital_pipeline(
    drop_dir: str, results_dir: str, publish: bool = True, auto_approve: bool = False
) -> dict[str, Any]:
    files = validate_drop_folder(Path(drop_dir), Path(results_dir))
    published = publish_datasets(results_dir=results_dir, auto_approve=auto_approve) if publish else []
    return {"files": files, "datasets": combined_lines(Path(results_dir)), "published": published}


def combined_lines(results_dir: Path) -> list[str]:
    """What combining each dataset's files did (replaced rows, key conflicts, files withheld)."""
    lines = []
    for report in sorted(results_dir.glob("*.dataset/report.json")):
        try:
            lines += json.loads(report.read_text(encoding="utf-8"))["dgti"].get("lines", [])
        except (OSError, ValueError, KeyError):
            lines.append(f"{report.parent.name}: its report cannot be read")
    return lines


def failed_files(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """Files whose processing failed for an operational reason (not bad data): the run must say so."""
    return [f for f in outcome["files"] if f.get("failed")]


@click.command("local-digital")
@click.argument("drop_dir", type=click.Path(file_okay=False, exists=True))
@click.argument("results_dir", type=click.Path(file_okay=False))
@click.option("--no-publish", is_flag=True, help="Validate only.")
@click.option("--auto-approve", is_flag=True,
              help="Apply plans that would wait for a steward (local demos only).")
def command(drop_dir: str, results_dir: str, no_publish: bool, auto_approve: bool) -> None:
    """The main job: validate every raw export in DROP_DIR, then publish RESULTS_DIR's bundles."""
    outcome = local_digital_pipeline(drop_dir, results_dir, publish=not no_publish, auto_approve=auto_approve)
    click.echo("\nผลการตรวจสอบ / validation:")
    for f in outcome["files"]:
        if f.get("unusable"):
            click.echo(f"  {f['file']}: unusable: {f['reason']}")
        else:
            click.echo(f"  {f['source']['file']}: {f['rows_read']} rows, {f['valid_rows']} valid, "
                       f"{f['rows_published']} publishable; report {f['out_dir']}/report.html")
    if outcome.get("datasets"):
        click.echo("\nชุดข้อมูลที่รวมจากหลายไฟล์ / datasets combined from the files:")
        for line in outcome["datasets"]:
            click.echo(f"  {line}")
    quality = Path(results_dir) / QUALITY_FILE
    if quality.exists():
        click.echo(f"  คุณภาพตามรอบ / quality over time (for you, not published): {quality}")
    if outcome["published"]:
        click.echo("\nชุดข้อมูลบน CKAN / datasets on CKAN:")
        for p in outcome["published"]:
            click.echo(f"  {p['dataset']}: {p['status']}  {p['url'] or p['error']}")
        click.echo("\n" + render.run_table(outcome["published"]))
    blocked = [p for p in outcome["published"] if p["status"] not in ("published", "unchanged")]
    for f in failed_files(outcome):
        click.echo(f"error: {f['file']}: {f['reason']}", err=True)
    sys.exit(1 if blocked or any(f.get("unusable") for f in outcome["files"]) else 0)


def main(argv: list[str] | None = None) -> int:
    use_local_prefect_server()
    return run_command(command, argv)


if __name__ == "__main__":
    sys.exit(main())
