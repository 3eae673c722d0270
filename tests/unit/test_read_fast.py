"""The Arrow fast path of the read stage against the csv module's exact path: same table or no table.

Each input is read twice, once as ``read_table`` does (fast path allowed) and once with the fast
path switched off; headers, cells, dtypes, row numbers, warnings, blank-row counts and errors
must all be equal. Inputs that are regular must really take the fast path, so a fast path that
silently always falls back is caught too.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import random
from pathlib import Path

import pytest

from dgti_data.errors import UnusableInputError
from dgti_data.read import delimited, encoding, read_table
from dgti_data.read.delimited import MAX_CELL_CHARS, _read_sample, sniff_delimiter
from dgti_data.read.encoding import detect_encoding
from dgti_data.read.fastcsv import _quotes_regular, read_regular

BOM = codecs.BOM_UTF8
HEAD = "รหัส,ชื่อ,วันที่,งบประมาณ"
ROWS = [
    "3200408,เมืองพัทยา,15/07/2564,\"1,250,000\"",
    "6130408,\"เทศบาล\nตำบล\"\"บ้านใหม่\"\"\",๑๕ ก.ค. ๖๔,๕๐๐",
    "6130409,\u200bอบต.\u200c,2021-07-15,  12 ",
    "6130410,,31/12/2400,",
]


def lines(rows: list[str], newline: str = "\n", end: bool = True) -> str:
    return newline.join([HEAD, *rows]) + (newline if end else "")


# Files both paths must read alike and that the fast path must take.
REGULAR: dict[str, bytes] = {
    "lf": BOM + lines(ROWS).encode(),
    "crlf": BOM + lines(ROWS, "\r\n").encode(),
    "cr": BOM + lines(ROWS, "\r").encode(),
    "no-bom": lines(ROWS).encode(),
    "no-final-newline": BOM + lines(ROWS, end=False).encode(),
    "cp874": lines([r.replace("\u200b", "").replace("\u200c", "") for r in ROWS]).encode("cp874"),
    "quoted-crlf-in-cell": BOM + lines(['1,"a\r\nb",c,d', "2,x,y,z"], "\r\n").encode(),
    "quoted-cr-in-cell": BOM + lines(['1,"a\rb",c,d']).encode(),
    "doubled-quotes": BOM + lines(['1,"say ""hi""","""",""""""']).encode(),
    "empty-cells": BOM + lines(["1,,,", '2,"","",""']).encode(),
    "semicolon": BOM + lines(["1,a,b,c", "2,d,e,f"]).replace(",", ";").encode(),
    "tab": BOM + lines(["1,a,b,c", "2,d,e,f"]).replace(",", "\t").encode(),
    "pipe": BOM + lines(["1,a,b,c", "2,d,e,f"]).replace(",", "|").encode(),
    "thai-digits-zero-width": BOM + lines(["๑๒๓,\u200bก\u2060,๒๕๖๔-๐๑-๐๑,\u00a0x\u3000"]).encode(),
    "long-cell": BOM + lines([f"1,{'ก' * (MAX_CELL_CHARS - 2)},b,c"]).encode(),
    "blank-header-cells": BOM + b"a,,c,\n1,2,3,4\n",
    "duplicate-headers": BOM + b"a,a,b,b\n1,2,3,4\n",
    "control-characters": BOM + lines(["1,\x1b[31mred\x07,\x0b\x0c,\x7f"]).encode(),
    "feff-in-header": BOM + ("\ufeff" + lines(["1,2,3,4"])).encode(),
    "spaces-around": BOM + lines([" 1 , a ,b , c"]).encode(),
}

# Files only the exact path can read as the csv module does (or refuse as it does).
IRREGULAR: dict[str, bytes] = {
    "quote-inside-cell": BOM + lines(['1,ab"cd,x,y']).encode(),
    "text-after-closing-quote": BOM + lines(['1,"quoted"tail,x,y']).encode(),
    "space-after-closing-quote": BOM + lines(['1,"x" ,y,z']).encode(),
    "short-row": BOM + lines(["1,a", *ROWS]).encode(),
    "long-row": BOM + lines(["1,a,b,c,d,e", *ROWS]).encode(),
    "trailing-delimiter": BOM + lines(["1,a,b,c,", *ROWS]).encode(),
    "empty-line": BOM + lines([ROWS[0], "", ROWS[1]]).encode(),
    "whitespace-row": BOM + lines([ROWS[0], " , ,\t, ", ROWS[1]]).encode(),
    "delimiters-row": BOM + lines([ROWS[0], ",,,", ROWS[1]]).encode(),
    "blank-record-crlf": BOM + lines([ROWS[0], "\r", ROWS[1]], "\r\n").encode(),
    "leading-blank-lines": BOM + ("\n \n" + lines(ROWS)).encode(),
    "unclosed-quote": BOM + lines([*ROWS, '9,"never closed,x,y', "10,a,b,c"]).encode(),
    "cell-at-limit": BOM + lines([f"1,{'x' * MAX_CELL_CHARS},b,c"]).encode(),
    "cell-over-limit": BOM + lines([f"1,{'x' * (MAX_CELL_CHARS + 1)},b,c"]).encode(),
    "one-column": BOM + b"a\n1\n\n2\n",
    "header-only": BOM + (HEAD + "\n").encode(),
    "nul": BOM + lines(["1,a\x00b,c,d"]).encode(),
    "utf16": "a,b\n1,2\n".encode("utf-16"),
    "cut-mid-character": BOM + lines(ROWS).encode()[:-5],
    "latin1-as-detector-guess": "name,city,note,x\nJosé,Málaga,café,1\n".encode("latin-1"),
}


def outcome(path: Path) -> object:
    """Everything a caller of ``read_table`` can see, or the error it raises."""
    try:
        table = read_table(path)
    except UnusableInputError as exc:
        return ("error", str(exc))
    frame = table.frame
    return (
        table.format, table.encoding, table.headers, table.row_numbers, table.warnings, table.delimiter,
        table.header_row, table.blank_rows, [str(d) for d in frame.dtypes], list(frame.columns),
        [frame[c].tolist() for c in frame.columns], list(frame.index),
    )


def exact_outcome(path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    with monkeypatch.context() as m:
        m.setattr(delimited, "read_regular", lambda *args: None)
        return outcome(path)


def takes_fast_path(path: Path) -> bool:
    csv.field_size_limit(MAX_CELL_CHARS)
    info = detect_encoding(path)
    delimiter = sniff_delimiter(_read_sample(path, info.encoding))
    return read_regular(path, info, delimiter, MAX_CELL_CHARS) is not None


@pytest.mark.parametrize("name", sorted(REGULAR))
def test_regular_files_take_the_fast_path_and_read_the_same(tmp_path, monkeypatch, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(REGULAR[name])
    assert takes_fast_path(path)
    fast = outcome(path)
    assert fast[0] == "csv"
    assert fast == exact_outcome(path, monkeypatch)


@pytest.mark.parametrize("name", sorted(IRREGULAR))
def test_irregular_files_fall_back_to_the_exact_reader(tmp_path, monkeypatch, name):
    path = tmp_path / f"{name}.csv"
    path.write_bytes(IRREGULAR[name])
    try:
        fast_taken = takes_fast_path(path)
    except UnusableInputError:
        fast_taken = False  # refused before any reading: the same for both paths
    assert not fast_taken
    assert outcome(path) == exact_outcome(path, monkeypatch)


def test_batches_of_a_fast_read_match_the_whole_table(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(BOM + lines([f"{i},x{i},y,{'' if i % 3 else 'z'}" for i in range(11)]).encode())
    assert takes_fast_path(path)
    batches = list(delimited.iter_csv(path, detect_encoding(path), batch_rows=4))
    assert [len(b.frame) for b in batches] == [4, 4, 3]
    assert all(list(b.frame.index) == list(range(len(b.frame))) for b in batches)
    whole = read_table(path)
    assert [n for b in batches for n in b.row_numbers] == whole.row_numbers == list(range(2, 13))
    assert [v for b in batches for v in b.frame[1].tolist()] == whole.frame[1].tolist()


ALPHABET = ["a", "ก", "๑", " ", ",", ";", '"', '""', "\n", "\r", "\r\n", "\u200b", "\t", "x,y", '"q"']
PLAIN = ["a", "ก", "๑", " ", "\t", "\u200b", "\u00a0", "1,2"[0], "\x0b"]
INSIDE_QUOTES = [*PLAIN, ",", '""', "\n", "\r", "\r\n", ";"]


def _cell(rng: random.Random) -> str:
    if rng.random() < 0.3:
        return '"' + "".join(rng.choice(INSIDE_QUOTES) for _ in range(rng.randrange(0, 6))) + '"'
    return "".join(rng.choice(PLAIN) for _ in range(rng.randrange(0, 4)))


def _structured(rng: random.Random) -> str:
    """Mostly well-formed rows (some ragged, blank or with a stray quote) with random line ends."""
    rows = ["h1,h2,h3"]
    for _ in range(rng.randrange(1, 8)):
        width = 3 if rng.random() < 0.85 else rng.choice([1, 2, 4])
        row = ",".join(_cell(rng) for _ in range(width))
        if rng.random() < 0.05:
            row = row[: len(row) // 2] + rng.choice(['"', "x\"y"]) + row[len(row) // 2 :]
        rows.append(row)
    newline = rng.choice(["\n", "\r\n", "\r"])
    return newline.join(rows) + rng.choice([newline, ""])


@pytest.mark.parametrize("seed", range(6))
def test_random_texts_read_alike(tmp_path, monkeypatch, seed):
    """Fuzz: structured and chaotic mixes of delimiters, quotes and line breaks; whichever path
    reads a text, the table is the same."""
    rng = random.Random(seed)
    taken = 0
    for case in range(80):
        if case % 2:
            text = "h1,h2,h3\n" + "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 60)))
        else:
            text = _structured(rng)
        path = tmp_path / f"r{seed}-{case}.csv"
        path.write_bytes(BOM + text.encode())
        with contextlib.suppress(UnusableInputError):
            taken += takes_fast_path(path)
        assert outcome(path) == exact_outcome(path, monkeypatch), text
    assert taken >= 10  # the fuzz exercises the fast path, not only the fallback


def test_quote_check_sees_quotes_at_block_edges():
    assert _quotes_regular(b'a,"b",c\n"x""y",z', ",")
    assert not _quotes_regular(b'a,b"c,d', ",")
    assert not _quotes_regular(b'a,"b"c,d', ",")
    assert _quotes_regular(b'"', ",") and _quotes_regular(b'a"', ",") and _quotes_regular(b"", ",")


def test_file_quote_check_across_scan_blocks(tmp_path, monkeypatch):
    from dgti_data.read import fastcsv

    path = tmp_path / "a.csv"
    path.write_bytes(b'h1,h2\nab"cd,x\n')
    for block in (1, 2, 3, 7, 64):
        monkeypatch.setattr(fastcsv, "SCAN_BLOCK", block)
        assert not fastcsv._file_quotes_regular(path, ",")
    path.write_bytes(b'h1,h2\n"ab""cd",x\n')
    for block in (1, 2, 3, 7, 64):
        monkeypatch.setattr(fastcsv, "SCAN_BLOCK", block)
        assert fastcsv._file_quotes_regular(path, ",")


UTF8_PIECES = [
    b"a", b"\xe0\xb8\x81", b"\xc3\xa9", b"\xf0\x9f\x98\x80", b"\xef\xbb\xbf",
    b"\xed\xa0\x80", b"\xc0\xaf", b"\xe0\x80\xaf", b"\xf4\x90\x80\x80", b"\xff", b"\x80",
    b"\xf0\x90", b"\xe0\xb8",
]


@pytest.mark.parametrize("block", [1, 2, 3, 5, 1 << 20])
def test_utf8_validation_agrees_with_pythons_strict_decoder(tmp_path, monkeypatch, block):
    """Surrogates, overlong forms, beyond U+10FFFF, cut characters: at any block boundary."""
    monkeypatch.setattr(encoding, "VALIDATE_BLOCK", block)
    rng = random.Random(block)
    path = tmp_path / "x.csv"
    for _ in range(400):
        data = b"".join(rng.choice(UTF8_PIECES) for _ in range(rng.randrange(0, 8)))
        path.write_bytes(data)
        try:
            data.decode("utf-8")
            expected = True
        except UnicodeDecodeError:
            expected = False
        assert encoding.utf8_valid(path) is expected, data
