"""When to try a failed delivery again: capped exponential backoff with jitter.

The n-th failed attempt waits ``min(cap, base * 2**(n-1))``, of which the second half is random
("equal jitter": never less than half the step, so the backoff keeps its shape, while replicas
that failed together spread out). A ``Retry-After`` from the receiver lengthens the wait (up to
the cap). After ``failing_after_attempts`` attempts, or at once for a permanent refusal, the
delivery is ``failing``: reported, and still retried at the capped interval, never dropped.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DEFAULT_BASE_DELAY_SECONDS = 5.0
DEFAULT_MAX_DELAY_SECONDS = 900.0
DEFAULT_FAILING_AFTER_ATTEMPTS = 8


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff settings of the outbox.

    Attributes:
        base_delay_seconds: wait after the first failure (before jitter).
        max_delay_seconds: the cap: the longest wait, and the interval of a failing delivery.
        failing_after_attempts: attempts after which an undelivered delivery is ``failing``.
    """

    base_delay_seconds: float = DEFAULT_BASE_DELAY_SECONDS
    max_delay_seconds: float = DEFAULT_MAX_DELAY_SECONDS
    failing_after_attempts: int = DEFAULT_FAILING_AFTER_ATTEMPTS

    def __post_init__(self) -> None:
        if not 0 < self.base_delay_seconds <= self.max_delay_seconds:
            raise ValueError("need 0 < base_delay_seconds <= max_delay_seconds")
        if self.failing_after_attempts < 1:
            raise ValueError("failing_after_attempts must be at least 1")

    def step(self, attempts: int) -> float:
        """The un-jittered wait after ``attempts`` failed attempts (1 for the first)."""
        exponent = min(max(attempts, 1) - 1, 60)  # 2**60 s is past any cap: no float overflow
        return min(self.max_delay_seconds, self.base_delay_seconds * 2.0**exponent)

    def delay(
        self,
        attempts: int,
        rng: random.Random,
        *,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> float:
        """Seconds to wait before the next attempt, after ``attempts`` attempts have failed."""
        step = self.max_delay_seconds if permanent else self.step(attempts)
        wait = step / 2 + rng.uniform(0, step / 2)
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(retry_after, self.max_delay_seconds))
        return wait

    def is_failing(self, attempts: int, *, permanent: bool = False) -> bool:
        """Whether a delivery that failed its ``attempts``-th attempt is now ``failing``."""
        return permanent or attempts >= self.failing_after_attempts
