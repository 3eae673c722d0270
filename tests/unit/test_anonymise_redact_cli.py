"""``dgti-data redact``: the free-text treatment as a command, same output as the pipeline's."""

from __future__ import annotations

import json

import pandas as pd
from click.testing import CliRunner
from pydantic import SecretStr

from dgti_data.anonymise import anonymise
from dgti_data.cli import main
from dgti_data.datasets import load_catalog
from dgti_data.normalise import normalise
from dgti_data.read import read_table
from dgti_data.settings import PROJECT_ROOT

TEXTS = [
    "ติดต่อ นายสมชาย ใจดี บ้านเลขที่ ๒๘/๖๙ หมู่ ๑๓ โทร 081-234-5678",
    "นิมนต์พระชัยวัฒน์ อตฺถกาโม  เป็นประธาน\u200b",
    "ที่ทำการ อบต.หนองแวง เลขที่ 99 หมู่ 1 ซื้อของที่ Mr. DIY",
    "email somchai.j@gmail.com, LINE: somchai99",
]


def test_jsonl_in_jsonl_out() -> None:
    lines = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(TEXTS))
    result = CliRunner().invoke(main, ["redact", "--jsonl"], input=lines + "\n\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [0, 1, 2, 3]
    assert out[0]["redacted"] == "ติดต่อ [ชื่อบุคคล] [ที่อยู่] หมู่ ๑๓ โทร [โทรศัพท์]"
    assert out[1]["redacted"] == "นิมนต์[ชื่อบุคคล] เป็นประธาน"  # normalised like the field: spaces, zero-width
    assert out[2]["redacted"] == TEXTS[2]
    assert out[3]["redacted"] == "email [อีเมล], LINE: [ไลน์ไอดี]"


def test_plain_text() -> None:
    result = CliRunner().invoke(main, ["redact"], input="โทร 081-234-5678\nน.ส.วรรณา ศรีสุข\n")
    assert result.exit_code == 0
    assert result.output == "โทร [โทรศัพท์]\n[ชื่อบุคคล]\n"


def test_a_bad_line_is_one_clear_line_and_exit_2() -> None:
    good = json.dumps({"id": "a", "text": "โทร 081-234-5678"})
    result = CliRunner().invoke(main, ["redact", "--jsonl"], input=f'{good}\n{{"id": 2}}\n')
    assert result.exit_code == 2
    assert json.loads(result.stdout.splitlines()[0]) == {"id": "a", "redacted": "โทร [โทรศัพท์]"}
    assert "line 2" in result.stderr and "Traceback" not in result.stderr
    assert CliRunner().invoke(main, ["redact", "--jsonl"], input="not json\n").exit_code == 2


def test_same_as_the_pipeline_on_a_free_text_field(tmp_path) -> None:
    """The command's output is the published cell of each redact field, row by row, once the row's
    own personal columns (which the pipeline also searches the text for) are emptied."""
    from dgti_data.sample import generate

    dataset = load_catalog(PROJECT_ROOT / "schemas").get("local-digital-submissions")
    path = tmp_path / "s.csv"
    generate(dataset, path, 300, 3, "csv-utf8-bom", PROJECT_ROOT / "schemas" / "reference")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    headers = {f.name: h for f in dataset.fields for h in raw.columns if h in (*f.source_headers, f.name)}
    for f in dataset.fields:
        if f.treatment in ("drop", "pseudonymise") and f.name in headers:
            raw[headers[f.name]] = ""
    raw.to_csv(path, index=False, encoding="utf-8-sig")
    table = normalise(read_table(path), dataset)
    result = anonymise(table.frame, table.row_numbers, dataset, SecretStr("k" * 32), k=1)
    redacted = [f.name for f in dataset.fields if f.treatment == "redact"]
    assert redacted
    for name in redacted:
        column = raw[headers[name]]
        lines = "\n".join(json.dumps({"id": row, "text": text}, ensure_ascii=False)
                          for row, text in zip(table.row_numbers, column, strict=True))
        out = CliRunner().invoke(main, ["redact", "--jsonl", "--dataset", dataset.name], input=lines + "\n")
        assert out.exit_code == 0, out.output
        by_row = {o["id"]: o["redacted"] for o in map(json.loads, out.output.splitlines())}
        published = dict(zip(result.row_numbers, result.frame[name], strict=True))
        assert len(published) > 250
        for row, cell in published.items():
            assert by_row[row] == (cell if isinstance(cell, str) else None), row
