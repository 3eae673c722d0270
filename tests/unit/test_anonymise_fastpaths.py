"""The column-wise fast paths give what the plain per-cell functions give, on tricky generated cells.

``anonymise`` computes per distinct value, screens texts before ``detect``, checks a row's known
values only where they can be, finds known forms without a regex and groups integer codes. Each
shortcut is compared here with the plain path it replaces: ``detect``, ``redact_text`` and
``find_known`` per cell, the regex per form, ``leakgate.scan`` on the published frame.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import SecretStr

from dgti_data import csvout
from dgti_data.anonymise import AnonymisationReport, AnonymisedTable, anonymise, load_policy
from dgti_data.anonymise import digits as digit_rules
from dgti_data.anonymise import names as name_rules
from dgti_data.anonymise.columns import Column, _cell, cells
from dgti_data.anonymise.core import neutralise_formula
from dgti_data.anonymise.detectors import detect, digits_only, python_spaces, screen
from dgti_data.anonymise.kanon import group_sizes
from dgti_data.anonymise.known import _form_spans, find_known, known_value
from dgti_data.anonymise.knowntable import KnownTable, _all_digits, _CellColumn, _squeezed
from dgti_data.anonymise.leakgate import _known_in, scan
from dgti_data.anonymise.redact import redact_text
from dgti_data.datasets import Catalog
from dgti_data.normalise import normalise
from dgti_data.read import read_table

KEY = SecretStr("fastpath-test-key-0123456789")
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")
NAMES = ["นายสมชาย ใจดี", "นางสาว  สมศรี มีสุข", "ว่าที่ร้อยตรีหญิงพิมพ์ชนก ใจดี", "ดร.John Smith", "Mr. Ken Kim",
         "ผศ.ดร.สุดา\u00a0ทองดี", "คุณ อิศรา สิงห์", "Sister İnci Kılıç", "นายม", "สมชาย"]
PHONES = ["081-234-5678", "0812345678", "+66 81 234 5678", "(02) 123 4567", "๐๘๑-๒๓๔-๕๖๗๘", "66812345678",
          "081 234 567", "1669"]
IDS = ["1-1014-00123-45-1", "1101400123451", "๑๑๐๑๔๐๐๑๒๓๔๕๑", "1101400123452", "1 1014 00123 45 1"]
EMAILS = ["somchai.j@gmail.com", "SOMCHAI.J@Gmail.com", "som[at]abc.go.th", "ſara@kelvin.com", "a@b"]
PIECES = [
    "ติดต่อ", "โทร", "อีเมล", "LINE: somchai99", "ไลน์ไอดี abc_12", "LINE OA @lao", "facebook.com/somchai.j",
    "https://www.thayang.go.th", "SRV-2564-000123", "DGTi-2566-000123", "1,250,000 บาท", "15/07/2564",
    "08.30-16.30 น.", "\u200b", "\u00a0", "\t", "  ", "นายกเทศมนตรี", "ขอบคุณ", "บ้านนางเหลือง", "อ.นางรอง",
    "ผู้ประสานงาน: สมหญิง รักดี", "Contact: Jane Doe", "(at)", "@", "ร.ต.อ.", "พ.ศ. 2566", "ID", "x-0812345678",
    "a(0812345678", "-0812345678", "(+66) 2 123 4567", "K", "İ", "ß", "\x00", "๐๑๒๓๔๕๖๗๘", "เลข 12345678",
    # addresses and monks (issue 14): each form the address and bare-พระ rules start from
    "บ้านเลขที่ 28/69", "บ้านเลขที่๒๘", "เลขที่ 45", "12/3", "หมู่ 4", "ม.4", "หมู่ที่", "ซอย 5", "ซ.3",
    "ถนนมิตรภาพ", "ถ.พหลโยธิน", "ตำบลนาดี", "No. 12/3", "Moo 4", "Soi 2", "ที่ทำการ อบต.", "พระชัยวัฒน์",
    "อตฺถกาโม", "พระอธิการ", "หลวงพ่อคูณ", "พระราชบัญญัติ", "0994000165668",
]


def tricky(rng: random.Random, own: list[str]) -> str:
    """A cell of random pieces, sometimes with the row's own values in other spellings."""
    parts = [rng.choice(PIECES + NAMES + PHONES + IDS + EMAILS) for _ in range(rng.randint(0, 5))]
    for value in own:
        if rng.random() < 0.4:
            form = rng.choice([value, value.upper(), value.translate(THAI), value.replace(" ", "  "),
                               value.split(" ", 1)[-1], re.sub(r"\D", "", value)])
            parts.insert(rng.randint(0, len(parts)), form)
    return rng.choice(["", " ", "\n"]).join(parts)


def test_screen_never_hides_a_detection() -> None:
    rng = random.Random(1)
    texts = [tricky(rng, []) for _ in range(3000)] + PIECES + NAMES + PHONES + IDS + EMAILS
    texts += ["".join(rng.choice("0123456789๐๙-.() \u00a0\u2009+ab_") for _ in range(rng.randint(1, 30)))
              for _ in range(3000)]
    # every left context _RUN's lookbehinds look at, before every written form of a number
    chars = ["", "x", "X", "4", "๔", "-", ".", ",", "_", "(", "+", " ", "\u00a0", "ก", ":", "/"]
    texts += ["".join(context) + lead + number for context in itertools.product(chars, repeat=3)
              for lead in ("", "(+") for number in ("0812345678", "081-234-5678", "66 81 234 5678", *IDS)]
    maybe = screen(texts)
    missed = [t for t, m in zip(texts, maybe, strict=True) if not m and detect(t)]
    assert missed == []
    assert maybe.sum() < len(texts)  # it does rule texts out


def test_detector_shortcuts_match_their_plain_forms() -> None:
    """Digit runs searched from near a digit, stop words and place names as one trie regex."""
    rng = random.Random(7)
    names = sorted(name_rules.place_names(), key=len, reverse=True)
    texts = [tricky(rng, []) + rng.choice(["", rng.choice(names), "บ้าน" + rng.choice(names)])
             for _ in range(3000)]
    texts += ["".join(rng.choice("0123456789๐-.() +ab\u00a0") for _ in range(rng.randint(1, 40)))
              for _ in range(3000)]
    alternation = re.compile("|".join(re.escape(n) for n in names))
    places = name_rules._places()
    assert places is not None
    for text in texts:
        runs = [m.span() for m in digit_rules._RUN.finditer(text)]
        assert [m.span() for m in digit_rules._runs(text)] == runs
        assert [m.span() for m in places.finditer(text)] == [m.span() for m in alternation.finditer(text)]
    words = [w for t in texts for w in re.findall("[\u0e01-\u0e4e]+", t)] + list(name_rules._STOP_INSIDE)
    for word in words:
        cut = min([len(word)] + [k for stop in name_rules._STOP_INSIDE if (k := word.find(stop, 2)) > 0])
        found = name_rules._STOP_INSIDE_ANY.search(word, 2)
        assert (found.start() if found else len(word)) == cut


def test_form_spans_are_the_regex_matches() -> None:
    rng = random.Random(2)
    for _ in range(3000):
        value = rng.choice(NAMES + EMAILS)
        kv = known_value(rng.choice(["name", "email"]), value)
        text = tricky(rng, [value, value.swapcase(), value.replace("s", "ſ").replace("k", "\u212a")])
        for form in kv.texts if kv else ():
            pattern = r"\s+".join(re.escape(part) for part in form.split(" "))
            expected = [(m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)]
            assert list(_form_spans(form, text)) == expected, (form, text)


def test_arrow_string_work_matches_python() -> None:
    rng = random.Random(5)
    spaces = python_spaces()
    assert spaces == "".join(c for c in map(chr, range(0x110000)) if re.fullmatch(r"\s", c))
    texts: list[str | None] = [tricky(rng, []) for _ in range(2000)]
    texts += ["".join(rng.choice(spaces + "ab๑1ﬁ.@ KİßſAZ") for _ in range(rng.randint(0, 12)))
              for _ in range(2000)]
    texts += [None, "", "\ud800 lone surrogate"]
    for values in (texts, texts[:-1]):  # with a value Arrow cannot hold, and without
        assert _squeezed(values) == [None if v is None else re.sub(r"\s+", " ", v).strip() for v in values]
        assert _all_digits(values) == [None if v is None else digits_only(v) for v in values]
        column = Column.of(values)
        cells = _CellColumn.of(column)
        for code, v in enumerate(column.values):
            if v is not None:
                assert cells.folded(code) == find_known_fold(v)
                assert cells.digit_count[code] == len(digits_only(v))
                assert cells.has_at[code] == ("@" in v)
    # a probe of Thai characters is in a text exactly when it is in the folded text
    thai = [t for t in texts if t and re.fullmatch("[\u0e00-\u0e7f]+", t[:6])]
    for text in texts:
        if text:
            for probe in {t[k:k + 4] for t in thai[:40] for k in (0, 2)} | {text[:4], text[-4:]}:
                if re.fullmatch("[\u0e00-\u0e7f]+", probe):
                    assert (probe in text) == (probe in find_known_fold(text))


def find_known_fold(text: str) -> str:
    """How ``find_known`` folds a text."""
    return re.sub(r"\s+", " ", text).casefold()


def test_cells_match_the_cell_by_cell_rule() -> None:
    values = ["a", "-", None, float("nan"), pd.NA, "a", "N/A", np.str_("a"), "", " b "]
    missing = {"-", "N/A", ""}
    for column in (pd.Series(values, dtype=object), pd.Series(["x", None, "-", "x"], dtype=object),
                   pd.Series(["x", None, "-"], dtype="str"), pd.Series([1, 1.0, True, None], dtype=object)):
        frame = pd.DataFrame({"c": column})
        assert cells(frame, "c", len(frame), missing).tolist() == [_cell(v, missing) for v in column.tolist()]


def test_group_sizes_match_a_groupby() -> None:
    rng = random.Random(3)
    cols = [[rng.choice(["a", "b", None, "\x00"]) for _ in range(500)] for _ in range(3)]
    frame = pd.DataFrame({i: ["\x00" if v is None else v for v in c] for i, c in enumerate(cols)})
    codes = frame.groupby(list(frame.columns), sort=False).ngroup().to_numpy()
    expected = np.bincount(codes)[codes]
    assert group_sizes(cols).tolist() == expected.tolist()
    col = Column.of(cols[0])
    assert col.tolist() == cols[0]
    assert col.differs(Column.of(cols[1])).tolist() == [a != b for a, b in zip(cols[0], cols[1], strict=True)]


def survey_rows(n: int, seed: int, distinct: bool) -> pd.DataFrame:
    """Survey rows whose free text and kept LAO name hold the row's own values in other spellings."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        suffix = f"{i}" if distinct else ""
        own = {"respondent_name": rng.choice(NAMES) + suffix, "respondent_phone": rng.choice([*PHONES, None]),
               "respondent_email": rng.choice([*EMAILS, "-"]),
               "respondent_national_id": rng.choice([*IDS, None])}
        values = [v for v in own.values() if v]
        rare = rng.random() < 0.05
        rows.append({
            "response_id": f"SRV-2566-{i:06d}", "region": rng.choice(["ภาคกลาง", "ภาคใต้"]),
            "respondent_position": rng.choice(["ปลัด อปท.", "อื่นๆ", "x"]), "respondent_gender": "ชาย",
            "respondent_age": rng.choice(["35", "45", "abc"]),
            "obstacles": rng.choice([None, "-", tricky(rng, values)]),
            "lao_name": tricky(rng, values[:1]) if rare else rng.choice(["เทศบาลตำบลบ้านดู่", "อบต.นาดี"]),
            "website_url": tricky(rng, values) if rare else rng.choice([None, "https://www.x.go.th"]),
            **own,
        })
    return pd.DataFrame(rows, dtype=object)


def plain_check(result, frame: pd.DataFrame, dataset, row_numbers: list[int]) -> None:
    """The result against the plain per-cell functions: redaction, counts, leak gate."""
    policy = load_policy(dataset)
    missing = set(dataset.missing_values)
    col = {fp.name: [_cell(v, missing) for v in frame[fp.name].tolist()] if fp.name in frame else
           [None] * len(frame) for fp in policy.fields}
    known = [[kv for fp in policy.personal_fields if (kv := known_value(fp.personal_kind, col[fp.name][i]))]
             for i in range(len(frame))]
    position = {r: i for i, r in enumerate(row_numbers)}
    kept = [position[r] for r in result.row_numbers]
    reports = {f.field: f for f in result.report.fields}
    for fp in policy.fields:
        if fp.treatment != "redact":
            continue
        redacted = [None if v is None else redact_text(v, known[i]) for i, v in enumerate(col[fp.name])]
        published = [None if redacted[i] is None else redacted[i][0] for i in kept]
        assert result.frame[fp.name].tolist() == published
        counts = sum((r[1] for r in redacted if r is not None), Counter())
        assert reports[fp.name].redactions == dict(counts)
        # the shortcut's premise: where a row's value is not found, the row's result is the value's
        known_table = KnownTable([str(p.personal_kind) for p in policy.personal_fields],
                                 [Column.of(col[p.name]) for p in policy.personal_fields])
        hits = known_table.hits(Column.of(col[fp.name]))
        for i, v in enumerate(col[fp.name]):
            if v is not None and not hits[i]:
                assert redacted[i] == redact_text(v)
                assert not find_known(v, known[i]) and not _known_in(v, known[i])
    kept_known = [known[i] for i in kept]
    assert result.leaks == scan(result.frame, result.row_numbers, kept_known, policy.known_value_columns)


@pytest.mark.parametrize("distinct", [False, True])
def test_anonymise_matches_the_plain_path(catalog: Catalog, distinct: bool) -> None:
    ds = catalog.get("lao-digital-readiness-survey")
    frame = survey_rows(400, seed=4, distinct=distinct)
    rows = list(range(2, len(frame) + 2))
    result = anonymise(frame, rows, ds, KEY, k=3)
    assert result.leaks  # planted known values in kept columns: the known-value path ran
    plain_check(result, frame, ds, rows)


@pytest.mark.parametrize("dataset", ["local-digital-submissions", "lao-digital-readiness-survey"])
def test_generated_samples_match_the_plain_path(catalog: Catalog, make_sample: Callable[..., Path],
                                                dataset: str) -> None:
    ds = catalog.get(dataset)
    table = normalise(read_table(make_sample(dataset)), ds)
    result = anonymise(table.frame, table.row_numbers, ds, KEY, k=5)
    plain_check(result, table.frame, ds, list(table.row_numbers))


def plain_write(table: AnonymisedTable) -> tuple[str, dict[str, int]]:
    """The CSV cell by cell, as ``write`` made it before it worked per column."""
    columns = list(table.frame.columns)
    types = {f["name"]: f.get("type", "string") for f in table.published_schema.get("fields", [])}
    text = [types.get(c, "string") == "string" for c in columns]
    counts: Counter[str] = Counter()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in table.frame.itertuples(index=False, name=None):
        cells = []
        for name, is_text, v in zip(columns, text, row, strict=True):
            if v is None:
                cells.append("")
                continue
            if is_text and isinstance(v, str) and (safe := neutralise_formula(v)) is not v:
                counts[name] += 1
                v = safe
            cells.append(v)
        writer.writerow(cells)
    return out.getvalue(), dict(counts)


@pytest.mark.parametrize("names", [("b", "a", "n", "c"), ("a",)])
def test_write_matches_the_cell_by_cell_writer(tmp_path: Path, names: tuple[str, ...],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvout, "CHUNK_ROWS", 7)  # written in several parts
    rng = random.Random(6)
    cells = ["=cmd|' /C calc'!A0", "+SUM(A1)", "-5", "+3.2", "@x", "\tx", "\rx", "ok", "a,b", 'say "hi"',
             "line\nbreak", None, float("nan"), 7, 2.5, True, np.str_("=np"), "", "-", "=1+1", " sp ",
             "ก\u2028ข", "\x0b\x0c\x1c\x85", "'q'", "a;b", "x\\y", pd.NA]
    text_only = [c for c in cells if isinstance(c, str) or c is None]
    for rows in (300, 1, 0):
        pools = {name: cells if name in ("n", "c") else text_only for name in names}
        frame = pd.DataFrame({name: [rng.choice(pool) for _ in range(rows)] for name, pool in pools.items()},
                             dtype=object)
        if rows > 1 and len(names) > 1:
            frame.loc[0, "a"] = "=first"  # "a" meets a formula in an earlier row than "b" does
            frame.loc[0, "b"] = "plain"
        schema = {"fields": [{"name": "b", "type": "string"}, {"name": "a"}, {"name": "n", "type": "number"}]}
        report = AnonymisationReport("d", "d.schema.json", len(frame))
        table = AnonymisedTable(frame, list(range(len(frame))), schema, report)
        paths = table.write(tmp_path, "d")
        expected, counts = plain_write(table)
        assert paths["csv"].read_bytes() == expected.encode("utf-8")
        assert list(table.neutralised.items()) == list(counts.items())
