"""Decide a CSV file's text encoding, and say how: a silent wrong guess garbles every Thai cell.

Order: a byte-order mark; then a strict UTF-8 decode of the whole file; then Windows-874 (cp874,
a superset of TIS-620) when the decoded text reads like Thai; then charset-normalizer's guess
with its confidence. The file is read in blocks, never held whole, and never written.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import numpy as np
import pyarrow as pa

from dgti_data.errors import UnusableInputError
from dgti_data.read.table import EncodingInfo

BLOCK = 1 << 20
DETECTOR_SAMPLE = 4 << 20
VALIDATE_BLOCK = 16 << 20

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Thai block letters, vowels, tone marks and digits; consonants; marks that must follow a Thai letter.
THAI_FIRST, THAI_LAST = 0x0E01, 0x0E5B
CONSONANT_LAST = 0x0E2E
_MARKS = np.zeros(0x0E80, dtype=bool)  # index: code point, clipped (0x0E7F is no mark)
_MARKS[[0x0E31, *range(0x0E34, 0x0E3B), *range(0x0E47, 0x0E4F)]] = True


@dataclass(frozen=True)
class DecodeFailure:
    """Where a strict decode stopped: byte offset and 1-based line number."""

    offset: int
    line: int
    reason: str

    def describe(self) -> str:
        return f"{self.reason} at line {self.line}, byte {self.offset}"


def _blocks(path: Path, limit: int | None = None) -> Iterator[bytes]:
    read = 0
    with path.open("rb") as fh:
        while True:
            size = BLOCK if limit is None else min(BLOCK, limit - read)
            if size <= 0:
                return
            block = fh.read(size)
            if not block:
                return
            read += len(block)
            yield block


def bom_encoding(head: bytes) -> str | None:
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def _complete(data: bytes) -> int:
    """Length of ``data`` without a UTF-8 character cut at its end (which the next block finishes)."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte < 0x80:
            return len(data)
        if byte >= 0xC0:
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return len(data) - back if need > back else len(data)
    return len(data)


def utf8_valid(path: Path) -> bool:
    """Strict UTF-8 throughout, by Arrow's vectorised validation: the same verdict as Python's
    strict decoder, several times faster; where it fails, ``check_decodes`` says where and why."""
    pending = b""
    with path.open("rb") as fh:
        while block := fh.read(VALIDATE_BLOCK):
            data = pending + block if pending else block
            cut = _complete(data)
            pending = data[cut:]
            text = pa.Array.from_buffers(
                pa.large_string(), 1, [None, pa.array([0, cut], pa.int64()).buffers()[1], pa.py_buffer(data)]
            )
            try:
                text.validate(full=True)
            except pa.ArrowInvalid:
                return False
    return not pending


def check_decodes(
    path: Path, encoding: str, on_text: Callable[[str], None] | None = None
) -> DecodeFailure | None:
    """Decode the whole file strictly; return where it fails, or None. ``on_text(str)`` sees the text."""
    if on_text is None and codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") and utf8_valid(path):
        return None
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    newlines = 0
    for data, final in _with_final(_blocks(path)):
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            # exc.start is relative to the decoder's pending bytes plus this block: close enough
            # to find the line; count newlines in this block up to the error.
            local = max(0, min(exc.start, len(data)))
            line = newlines + data[:local].count(b"\n") + 1
            return DecodeFailure(offset + local, line, exc.reason)
        if on_text is not None:
            on_text(text)
        offset += len(data)
        newlines += data.count(b"\n")
    return None


def _with_final(blocks: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    previous: bytes | None = None
    for block in blocks:
        if previous is not None:
            yield previous, False
        previous = block
    yield (previous or b""), True


@dataclass
class _ThaiStats:
    letters: int = 0
    consonants: int = 0
    in_runs: int = 0
    orphan_marks: int = 0

    def feed(self, text: str) -> None:
        """Count one decoded block, vectorised over its code points (runs and marks are looked at
        within the block, as a regex over the block would)."""
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        thai = (points >= THAI_FIRST) & (points <= THAI_LAST)
        after_thai = np.zeros_like(thai)
        after_thai[1:] = thai[:-1]
        before_thai = np.zeros_like(thai)
        before_thai[:-1] = thai[1:]
        letters = int(thai.sum())
        self.letters += letters
        self.in_runs += letters - int((thai & ~after_thai & ~before_thai).sum())  # runs of two or more
        self.consonants += int(((points >= THAI_FIRST) & (points <= CONSONANT_LAST)).sum())
        marks = _MARKS[np.minimum(points, len(_MARKS) - 1)]
        self.orphan_marks += int((marks & ~after_thai).sum())

    def reads_like_thai(self) -> bool:
        """Thai words are runs of Thai letters; Latin-1 accents decoded as cp874 are lone marks."""
        if self.consonants == 0:
            return False
        return self.orphan_marks <= self.letters * 0.01 and self.in_runs >= self.letters * 0.8


_UTF8_THAI = re.compile(rb"\xe0[\xb8\xb9][\x80-\xbf]")
_HIGH_BYTES = bytes(range(0x80, 0x100))


def _mostly_utf8_thai(path: Path) -> bool:
    """Most high bytes form UTF-8 Thai sequences: UTF-8 with a few bad bytes, not cp874."""
    high = in_sequences = 0
    for block in _blocks(path):
        high += len(block) - len(block.translate(None, _HIGH_BYTES))
        in_sequences += 3 * len(_UTF8_THAI.findall(block))
    return high > 0 and in_sequences >= high / 2


def declared(path: Path, encoding: str, head: bytes) -> EncodingInfo:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise UnusableInputError(path, f"unknown text encoding {encoding!r}") from None
    note = "given by the caller"
    if name == "utf-8" and head.startswith(codecs.BOM_UTF8):
        name, note = "utf-8-sig", "given by the caller as utf-8; the file starts with a UTF-8 BOM, skipped"
    failure = check_decodes(path, name)
    if failure is not None:
        raise UnusableInputError(path, f"does not decode as {name}: {failure.describe()}")
    return EncodingInfo(name, "declared", None, note)


def _refuse_nul(path: Path) -> bool:
    """Raise if an 8-bit text file holds a NUL byte (binary data or corruption); return whether it
    is plain ASCII."""
    ascii_only = True
    for block in _blocks(path):
        if b"\x00" in block:
            raise UnusableInputError(
                path, "contains NUL bytes: not a text table (binary, or UTF-16 without a byte-order mark)"
            )
        ascii_only = ascii_only and block.isascii()
    return ascii_only


def _described(failure: DecodeFailure) -> str:
    if failure.reason == "unexpected end of data":
        return (f"the file ends in the middle of a character (line {failure.line}, byte {failure.offset}): "
                "it was cut short; send it again")
    return failure.describe()


def detect_encoding(path: Path, encoding: str | None = None) -> EncodingInfo:
    """The encoding to read ``path`` with, and how it was decided; UnusableInputError if none fits."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if encoding:
        return declared(path, encoding, head)

    bom = bom_encoding(head)
    if bom == "utf-8-sig":
        _refuse_nul(path)
    if bom is not None:
        failure = check_decodes(path, bom)
        if failure is not None:
            raise UnusableInputError(path, f"starts with a {bom} byte-order mark, then {_described(failure)}")
        return EncodingInfo(bom, "bom", None, f"{bom} byte-order mark")

    ascii_only = _refuse_nul(path)
    utf8_failure = check_decodes(path, "utf-8")
    if utf8_failure is None:
        note = "ASCII only" if ascii_only else "the whole file decodes as UTF-8"
        return EncodingInfo("utf-8", "utf-8-strict", None, note)
    not_utf8 = f"not UTF-8 ({utf8_failure.describe()})"
    if _mostly_utf8_thai(path):
        # Read as cp874 this would be mojibake (เธฃเธซ...) in every Thai cell: refuse instead.
        if utf8_failure.reason == "unexpected end of data":
            raise UnusableInputError(path, f"UTF-8 text, but {_described(utf8_failure)}")
        reason = f"Thai UTF-8 text with invalid bytes: {utf8_failure.describe()} (damaged or mixed encodings)"
        raise UnusableInputError(path, reason)

    stats = _ThaiStats()
    if check_decodes(path, "cp874", stats.feed) is None and stats.reads_like_thai():
        return EncodingInfo(
            "cp874",
            "thai-single-byte",
            None,
            f"{not_utf8}; decodes as Windows-874 (TIS-620 is its subset) into Thai text, "
            f"{stats.letters} Thai characters",
        )

    sample = b"".join(_blocks(path, DETECTOR_SAMPLE))
    matches = list(charset_normalizer.from_bytes(sample))
    for index, match in enumerate(matches):
        name = codecs.lookup(match.encoding).name
        if check_decodes(path, name) is None:
            confidence = round(1.0 - float(match.chaos), 3)
            others = [m.encoding for m in matches[index + 1 : index + 4]]
            return EncodingInfo(
                name,
                "detector",
                confidence,
                f"{not_utf8}; charset-normalizer's guess {name} "
                f"(language {match.language or 'unknown'}, confidence {confidence})"
                + (f"; next candidates: {', '.join(others)}" if others else ""),
            )
    raise UnusableInputError(
        path, f"cannot tell the text encoding: {not_utf8}, not Thai Windows-874, no plausible guess"
    )
