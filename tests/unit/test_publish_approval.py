"""What a steward approves: the share of rows a plan changes (never above 100%), the resume form
that makes a decision required (and a reason to reject), and the plan as a short table."""

from __future__ import annotations

import json

import pytest
from prefect.utilities.schema_tools import ValidationError, validate
from pydantic import ValidationError as ModelError

from dgti_data.publish import render
from dgti_data.publish.examples import example_bundle
from dgti_data.publish.service import ApprovalPolicy
from dgti_data.publish.steps import DatasetPlan, DatastoreStep, FieldChange, ResourceStep, RowChanges
from flows.publish import StewardApproval, approve_answer, reject_answer


def test_the_share_counts_rows_in_either_version_so_it_never_passes_100_percent() -> None:
    # the demo's second run, as a steward saw it: "101.9% of the rows change"
    rows = RowChanges(before=980, after=980, added=19, changed=961, removed=19)
    assert rows.share == pytest.approx(999 / 999)
    assert RowChanges(before=100, after=101, added=1, changed=1, removed=1).share == pytest.approx(3 / 101)
    assert RowChanges(before=0, after=50, added=50).share is None  # new: nobody sees its rows yet


def plan_of(catalog, tmp_path, rows: RowChanges, metadata=()) -> DatasetPlan:
    bundle = example_bundle(catalog.get("local-digital-submissions"), tmp_path, rows=rows.after)
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    report["dgti"]["quarantined_rows"] = 20
    (tmp_path / "report.json").write_text(json.dumps(report), encoding="utf-8")
    datastore = DatastoreStep("sync", [], ["submission_id"], "marker", rows)
    csv = ResourceStep("data", "update", "local-digital-submissions.csv", sha256="e5" * 32,
                       changes=[FieldChange("file sha256", "05" * 32, "e5" * 32)])
    return DatasetPlan(bundle, "local-digital-submissions-dga", "dga", {}, "update",
                       existing={"id": "x", "private": False}, metadata=list(metadata), resources=[csv],
                       datastore=datastore)


def test_the_plan_reads_as_a_short_table_with_digests_folded_away(catalog, tmp_path) -> None:
    rows = RowChanges(before=980, after=980, added=19, changed=961, removed=19)
    change = FieldChange("title", "ผลงานเดิม | old", "ผลงานใหม่ " + "ยาวมาก " * 30)
    plan = plan_of(catalog, tmp_path, rows, [change])
    reasons = ApprovalPolicy().reasons(plan)
    assert reasons == ["100.0% of the rows change (limit 20%)"]
    text = render.approval_markdown([(plan, reasons)])
    cells = {line.split("|")[1].strip(): line.split("|")[2].strip()
             for line in text.splitlines() if line.startswith("| ") and line.count("|") == 3}
    assert cells["แถวที่เผยแพร่แล้ว / rows published before"] == "980"
    assert (cells["เพิ่ม / added"], cells["เปลี่ยน / changed"], cells["ลบ / removed"]) == ("19", "961", "19")
    assert cells["สัดส่วนที่เปลี่ยน / share changed (of 999 rows)"] == "**100.0%**"
    assert cells["กักกัน (ไม่เผยแพร่) / quarantined"] == "20"
    assert (tmp_path / "report.html").resolve().as_uri() in cells["รายงาน / report"]
    assert "- 100.0% of the rows change (limit 20%)" in text
    metadata = next(line for line in text.splitlines() if line.startswith("| `title`"))
    assert "ผลงานเดิม \\| old" in metadata and metadata.endswith("… |") and len(metadata) < 150
    folded = text.index("<details>")
    assert "sha256" not in text[:folded] and "sha256" in text[folded:]
    assert text.rstrip().endswith("</details>")
    assert "\n\n" not in text[folded:]  # one HTML block: a blank line would end it in markdown


def test_the_form_needs_a_decision_and_a_reason_to_reject() -> None:
    schema = StewardApproval.model_json_schema()
    assert schema["required"] == ["decision"] and "description" not in schema
    assert "การตัดสินใจ" in schema["properties"]["decision"]["title"]
    # Prefect's form marks a field "(Optional)" when it is not required: each answer's field is.
    answers = {d["title"]: d for d in schema["$defs"].values()}
    assert answers["อนุมัติ / Approve"]["required"] == ["checked"]
    assert answers["ไม่อนุมัติ / Reject"]["required"] == ["reason"]
    refused = [{}, {"decision": {}}, {"decision": {"checked": False}}, reject_answer(""), reject_answer("  "),
               {"decision": "approve"}, {"decision": {"checked": True, "reason": "x"}}]
    for answer in refused:  # what Prefect's server checks before it resumes the run
        with pytest.raises(ValidationError):
            validate(answer, schema, raise_on_error=True)
        with pytest.raises(ModelError):
            StewardApproval(**answer)
    validate(approve_answer(), schema, raise_on_error=True)
    validate(reject_answer("ข้อมูลไม่ครบ"), schema, raise_on_error=True)
    assert StewardApproval(**approve_answer()).approved
    rejected = StewardApproval(**reject_answer("ข้อมูลไม่ครบ"))
    assert not rejected.approved and rejected.reason == "ข้อมูลไม่ครบ"
