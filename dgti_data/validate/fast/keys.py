"""Unique and primary-key state across batches: exact, in about 12 bytes per key plus the keys.

frictionless keeps a dict from each key to the row it was last seen in and reports a repeat as
"the same as in the row at position <last row>". A Python dict of ten million keys would not fit the
memory budget, so keys are hashed (64 bits, vectorised over Arrow's buffers) into an open-addressing
table of hash -> last row. A hash hit is only a candidate: it is confirmed by comparing the key text
itself, kept per batch in Arrow's compact form. A mismatch (a true hash collision) falls back to an
exact scan of the stored keys, so the answer never depends on the hash.
"""

from __future__ import annotations

import bisect

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_P = np.uint64(0x100000001B3)  # FNV prime: an odd multiplier for the polynomial
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MAX_LOAD = 0.7
NULL_MARK = "\x00"  # a None component of a composite key; real components start with a digit


def _powers(n: int) -> np.ndarray:
    out = np.empty(max(n, 1), dtype=np.uint64)
    out[0] = 1
    with np.errstate(over="ignore"):
        for i in range(1, len(out)):
            out[i] = out[i - 1] * _P
    return out


_POW_CACHE: list[np.ndarray] = [_powers(256)]


def _powers_upto(n: int) -> np.ndarray:
    if len(_POW_CACHE[0]) < n:
        _POW_CACHE[0] = _powers(max(n, 2 * len(_POW_CACHE[0])))
    return _POW_CACHE[0]


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads the polynomial's bits over the whole word."""
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def hash_strings(arr: pa.Array) -> np.ndarray:
    """64-bit hashes of a null-free string array, from its UTF-8 bytes read 8 at a time (never 0).

    A polynomial over little-endian 8-byte words (the last one zero-padded), then mixed with the
    length: a few numpy passes over n * ceil(bytes / 8) words, no Python per key.
    """
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    if arr.null_count:
        raise ValueError("hash_strings takes a null-free array")
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    bufs = arr.buffers()
    offsets = np.frombuffer(bufs[1], dtype=width, count=n + 1, offset=arr.offset * np.dtype(width).itemsize)
    offsets = offsets.astype(np.int64)
    lengths = np.diff(offsets)
    start, end = int(offsets[0]), int(offsets[-1])
    h = np.zeros(n, dtype=np.uint64)
    if end > start:
        padded = np.zeros(end - start + 8, dtype=np.uint8)
        padded[: end - start] = np.frombuffer(bufs[2], dtype=np.uint8)[start:end]
        words_at = np.ndarray((end - start + 1,), dtype="<u8", buffer=padded, strides=(1,))
        nwords = (lengths + 7) // 8
        first_word = np.zeros(n, dtype=np.int64)
        np.cumsum(nwords[:-1], out=first_word[1:])
        total = int(nwords.sum())
        owner = np.repeat(np.arange(n, dtype=np.int64), nwords)
        k = np.arange(total, dtype=np.int64) - first_word[owner]  # word index inside its string
        byte_pos = offsets[owner] - start + 8 * k
        words = words_at[byte_pos]
        tail = lengths[owner] - 8 * k  # bytes of this string from this word on
        short = tail < 8
        if short.any():
            keep = (np.uint64(1) << (tail[short].astype(np.uint64) * np.uint64(8))) - np.uint64(1)
            words[short] &= keep
        with np.errstate(over="ignore"):
            weighted = words * _powers_upto(int(nwords.max()))[k]
        nonempty = nwords > 0
        h[nonempty] = np.add.reduceat(weighted, first_word[nonempty])
    with np.errstate(over="ignore"):
        h = _mix(h ^ (lengths.astype(np.uint64) * _GOLDEN))
    h[h == 0] = 1  # 0 marks an empty slot
    return h


class HashRowTable:
    """Open addressing (linear probing) from a 64-bit hash to the last row it was seen in."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self.keys = np.zeros(capacity, dtype=np.uint64)
        self.rows = np.zeros(capacity, dtype=np.uint32)
        self.count = 0

    def _grow(self, extra: int) -> None:
        need = self.count + extra
        if need <= MAX_LOAD * len(self.keys):
            return
        capacity = len(self.keys)
        while need > 0.5 * capacity:
            capacity *= 2
        used = self.keys != 0
        old_keys, old_rows = self.keys[used], self.rows[used]
        self.keys = np.zeros(capacity, dtype=np.uint64)
        self.rows = np.zeros(capacity, dtype=np.uint32)
        self.count = 0
        self._upsert(old_keys, old_rows)

    def upsert(self, hashes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Set each (distinct, non-zero) hash's row; return the row it had before (0: none)."""
        self._grow(len(hashes))
        return self._upsert(hashes, rows.astype(np.uint32))

    def _upsert(self, hashes: np.ndarray, rows: np.ndarray) -> np.ndarray:
        keys, table_rows = self.keys, self.rows
        mask = np.uint64(len(keys) - 1)
        previous = np.zeros(len(hashes), dtype=np.uint32)
        slot = (hashes & mask).astype(np.int64)
        pending = np.arange(len(hashes), dtype=np.int64)
        while pending.size:
            s = slot[pending]
            found = keys[s]
            hit = found == hashes[pending]
            empty = found == 0
            if hit.any():
                p, hs = pending[hit], s[hit]
                previous[p] = table_rows[hs]
                table_rows[hs] = rows[p]
            waiting = np.zeros(0, dtype=np.int64)
            if empty.any():
                # Several hashes may claim one empty slot: one write lands, reading back says
                # which (hashes are distinct); the others see a taken slot next round and move on.
                p, es = pending[empty], s[empty]
                keys[es] = hashes[p]
                won = keys[es] == hashes[p]
                table_rows[es[won]] = rows[p[won]]
                self.count += int(won.sum())
                waiting = p[~won]
            move = pending[~hit & ~empty]
            slot[move] = (slot[move] + 1) & int(mask)
            pending = np.concatenate([waiting, move])
        return previous


class KeyIndex:
    """For each row's key, the latest earlier row with the same key (0: none), across batches."""

    def __init__(self, expected_keys: int = 0) -> None:
        capacity = 1 << 16
        while capacity * MAX_LOAD < expected_keys:  # sized once: no rehash while reading
            capacity *= 2
        self.table = HashRowTable(capacity)
        self.starts: list[int] = []
        self.stored: list[pa.Array] = []

    def _stored_key(self, row: int) -> str | None:
        i = bisect.bisect_right(self.starts, row) - 1
        return self.stored[i][row - self.starts[i]].as_py()

    def _scan(self, key: str, row: int) -> int:
        """Exact fallback after a hash collision: the latest earlier row holding ``key``."""
        for start, arr in zip(reversed(self.starts), reversed(self.stored), strict=True):
            if start >= row:
                continue
            hits = pc.indices_nonzero(pc.fill_null(pc.equal(arr, key), False)).to_numpy()
            hits = hits[start + hits < row]
            if hits.size:
                return int(start + hits[-1])
        return 0

    def previous(self, keys: pa.Array, first_row: int) -> np.ndarray:
        """``keys``: canonical key text per row (null: no key); rows are ``first_row`` onwards."""
        n = len(keys)
        prev = np.zeros(n, dtype=np.int64)
        self.starts.append(first_row)
        self.stored.append(pa.concat_arrays([keys]))  # a compact copy: no batch buffers kept alive
        if n == 0:
            return prev
        if keys.null_count:
            idx = pc.indices_nonzero(pc.is_valid(keys)).to_numpy()
            k = keys.take(pa.array(idx))
        else:
            idx = np.arange(n, dtype=np.int64)
            k = keys
        if not len(idx):
            return prev
        r = first_row + idx
        h = hash_strings(k)
        order = np.argsort(h, kind="stable")  # r ascends, so ties stay in row order
        hs = h[order]
        same = np.zeros(len(order), dtype=bool)
        same[1:] = hs[1:] == hs[:-1]
        collided: list[int] = []

        # Repeats inside the batch: the previous element of the same hash group, if its key matches.
        later = np.nonzero(same)[0]
        if later.size:
            cur, before = order[later], order[later - 1]
            equal = pc.equal(k.take(pa.array(cur)), k.take(pa.array(before))).to_numpy(zero_copy_only=False)
            prev[idx[cur[equal]]] = r[before[equal]]
            collided.extend(cur[~equal].tolist())

        # First of each hash group: the table knows the last earlier row with that hash.
        heads = np.nonzero(~same)[0]
        tails = np.append(heads[1:] - 1, len(order) - 1)
        earlier = self.table.upsert(hs[heads], r[order[tails]]).astype(np.int64)
        for pos in np.nonzero(earlier)[0].tolist():
            e = int(order[heads[pos]])
            j = int(earlier[pos])
            if self._stored_key(j) == k[e].as_py():
                prev[idx[e]] = j
            else:
                collided.append(e)

        for e in collided:
            prev[idx[e]] = self._scan(k[e].as_py(), int(r[e]))
        return prev


def composite(parts: list[pa.Array]) -> pa.Array:
    """One canonical text per row for a key of several fields; null when every part is null.

    Each part is written as ``<length>:<text>`` or NULL_MARK, so different tuples never give the
    same text. ``encode_key`` writes the same form from Python values.
    """
    if len(parts) == 1:
        return parts[0]
    encoded = []
    all_null = None
    for part in parts:
        isnull = pc.is_null(part)
        body = pc.binary_join_element_wise(pc.cast(pc.utf8_length(part), pa.string()), part, ":")
        encoded.append(pc.if_else(isnull, NULL_MARK, body))
        all_null = isnull if all_null is None else pc.and_(all_null, isnull)
    joined = pc.binary_join_element_wise(*encoded, "")
    return pc.if_else(all_null, pa.scalar(None, pa.string()), joined)


def key_text(value: object) -> str | None:
    """The canonical text of one parsed string/integer value (frictionless compares values)."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def encode_key(values: tuple[object, ...]) -> str | None:
    """Python twin of ``composite`` for one tuple of parsed values."""
    texts = [key_text(v) for v in values]
    if len(texts) == 1:
        return texts[0]
    if all(t is None for t in texts):
        return None
    return "".join(NULL_MARK if t is None else f"{len(t)}:{t}" for t in texts)
