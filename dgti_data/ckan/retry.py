"""How long to wait between attempts after a transient failure: exponential backoff with jitter.

One policy object is shared by the client (which retries read calls itself) and the publish layer
(which retries writes by planning again), so both wait the same way and settings tune both.
Jitter keeps many nightly jobs that failed together from hammering a recovering portal together.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` further attempts after the first; the n-th waits about ``base_s * 2**n``
    (capped at ``max_s``), drawn uniformly from its upper half."""

    retries: int = 0
    base_s: float = 1.0
    max_s: float = 30.0

    def delay(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (0-based)."""
        ceiling = min(self.max_s, self.base_s * (2**attempt))
        return ceiling * random.uniform(0.5, 1.0)

    def delays(self) -> Iterator[float]:
        return (self.delay(n) for n in range(self.retries))

    @property
    def worst_case_s(self) -> float:
        """The longest total wait of all retries: what a caller may need to outlast."""
        return sum(min(self.max_s, self.base_s * (2**n)) for n in range(self.retries))


NO_RETRY = RetryPolicy(0)
