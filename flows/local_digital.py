"""The main job: a drop folder of raw exports → validated, anonymised datasets published on CKAN.

    python -m flows.local_digital DROP_DIR RESULTS_DIR [--no-publish] [--auto-approve]

Runs the validation flow (read, normalise, validate, anonymise, report: one task per file) and then
the publishing flow (plan, approval when needed, apply) as subflows of one run, and prints the
datasets' CKAN addresses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from prefect import flow

from flows.publish import publish_datasets
from flows.validate_drop_folder import validate_drop_folder


@flow(name="local-digital-pipeline", log_prints=True)
def local_digital_pipeline(
    drop_dir: str, results_dir: str, publish: bool = True, auto_approve: bool = False
) -> dict[str, Any]:
    files = validate_drop_folder(Path(drop_dir), Path(results_dir))
    published = publish_datasets(results_dir=results_dir, auto_approve=auto_approve) if publish else []
    return {"files": files, "published": published}


def failed_files(outcome: dict[str, Any]) -> list[dict[str, Any]]:
    """Files whose processing failed for an operational reason (not bad data): the run must say so."""
    return [f for f in outcome["files"] if f.get("failed")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("drop_dir")
    parser.add_argument("results_dir")
    parser.add_argument("--no-publish", action="store_true")
    parser.add_argument("--auto-approve", action="store_true",
                        help="apply plans that would wait for a steward (local demos only)")
    args = parser.parse_args(argv)
    outcome = local_digital_pipeline(args.drop_dir, args.results_dir, publish=not args.no_publish,
                                     auto_approve=args.auto_approve)
    print("\nผลการตรวจสอบ / validation:")
    for f in outcome["files"]:
        if f.get("unusable"):
            print(f"  {f['file']}: unusable: {f['reason']}")
        else:
            print(f"  {f['source']['file']}: {f['rows_read']} rows, {f['valid_rows']} valid, "
                  f"{f['rows_published']} publishable; report {f['out_dir']}/report.html")
    if outcome["published"]:
        print("\nชุดข้อมูลบน CKAN / datasets on CKAN:")
        for p in outcome["published"]:
            print(f"  {p['dataset']}: {p['status']}  {p['url']}")
    blocked = [p for p in outcome["published"] if p["status"] not in ("published", "unchanged")]
    for f in failed_files(outcome):
        print(f"error: {f['file']}: {f['reason']}", file=sys.stderr)
    return 1 if blocked or any(f.get("unusable") for f in outcome["files"]) else 0


if __name__ == "__main__":
    sys.exit(main())
