"""Keeping a big file's memory down: object frames built in place, Arrow's freed memory returned.

The pipeline's tables hold ``str``/None cells in object columns: at a million rows each column is
8 MB of pointers. pandas copies the arrays given to its constructors, then copies them again to
consolidate the columns into one block; filling that block directly costs neither copy.

Arrow's allocator (mimalloc) keeps the pages of freed buffers for its next allocations: a 1M-row
raw table let go still counted about 1 GB of resident memory until ``release_unused``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa


def object_block(columns: int, rows: int) -> np.ndarray:
    """A ``(columns, rows)`` object array, every cell None: row ``j`` is column ``j``'s cells."""
    return np.empty((columns, rows), dtype=object)


def object_frame(block: np.ndarray, names: Sequence[str]) -> pd.DataFrame:
    """The frame whose column ``names[j]`` is ``block[j]``, on the block's memory (not a copy).

    ``dtype=object`` also keeps pandas from turning text columns into its string dtype."""
    return pd.DataFrame(block.T, columns=list(names), index=pd.RangeIndex(block.shape[1]), dtype=object,
                        copy=False)


def release_arrow_memory() -> None:
    """Give the pages of freed Arrow buffers back to the system (a few milliseconds): called where
    a stage has let go of a big Arrow table, so the next stage's Python objects do not come on
    top of them."""
    pa.default_memory_pool().release_unused()
