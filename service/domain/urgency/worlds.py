"""Every completion of a level's unknown urgency inputs, read through what the tier depends on.

The urgency of a level (``service/domain/urgency/level.py``) tries every value its unknown
inputs can still take: the ESCC category, the neurology, and each of the six SINS items. The
full product of those values ("worlds") reaches tens of thousands for a chart without
findings, yet the tier of a world depends only on four things: whether the compression is
high-grade, the neurology, the SINS total and the SINS pain answer. Worlds that agree on those
get the same tier, so every question the urgency asks (which tiers are possible; which input,
changed alone, changes the tier) is answered here over the distinct summaries, with the same
answers as over the full product: for an input, the other inputs' worlds are summarised (their
SINS points add up, so only the totals they can reach matter) and the input's values tried
against each summary.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from service.domain.escc import Category

T = TypeVar("T")
# The tier of one summary: high-grade compression, neurology, SINS total, SINS pain points.
TierOf = Callable[[bool, bool, int, int], T]
Dims = Sequence[tuple[tuple[str, ...], tuple]]


def _sums(items: Sequence[tuple[int, ...]]) -> set[int]:
    """Every total the items' points can reach together."""
    totals = {0}
    for values in items:
        totals = {total + value for total in totals for value in values}
    return totals


class Worlds:
    """The worlds of one level: dims are (names, values) for the category, the neurology, then
    the six SINS items in order; ``pain`` is the position of the SINS pain item in ``dims``."""

    def __init__(self, dims: Dims, pain: int, tier_of: TierOf) -> None:
        self.dims = dims
        self.pain = pain
        self.tier_of = tier_of
        self.highs = {category is Category.HIGH for category in dims[0][1]}
        self.neuros = set(dims[1][1])
        self.pains = set(dims[pain][1])
        self.others = [i for i in range(2, len(dims)) if i != pain]  # SINS items but pain
        self.rest = _sums([dims[i][1] for i in self.others])  # their totals
        self.summaries = {
            (high, neuro, pain + rest, pain)
            for high in self.highs
            for neuro in self.neuros
            for pain in self.pains
            for rest in self.rest
        }  # (high-grade, neurology, SINS total, pain points) of every world

    def tiers(self) -> set:
        """The tier of every world."""
        return {self.tier_of(*summary) for summary in self.summaries}

    def deciding(self, measure: Callable[[T], Hashable]) -> tuple[str, ...]:
        """Names of the dimensions whose value alone changes ``measure`` of the tier."""
        found: list[str] = []
        for i, (names, values) in enumerate(self.dims):
            if len(values) > 1 and self._decides(i, values, measure):
                found += names
        return tuple(dict.fromkeys(found))

    def _decides(self, i: int, values: tuple, measure: Callable[[T], Hashable]) -> bool:
        def varies(outcomes) -> bool:
            return len({measure(outcome) for outcome in outcomes}) > 1

        tier = self.tier_of
        if i == 0:
            return any(
                varies(tier(c is Category.HIGH, neuro, pain + rest, pain) for c in values)
                for neuro in self.neuros
                for pain in self.pains
                for rest in self.rest
            )
        if i == 1:
            return any(
                varies(tier(high, v, pain + rest, pain) for v in values)
                for high in self.highs
                for pain in self.pains
                for rest in self.rest
            )
        if i == self.pain:
            return any(
                varies(tier(high, neuro, p + rest, p) for p in values)
                for high in self.highs
                for neuro in self.neuros
                for rest in self.rest
            )
        rest_but_one = _sums([self.dims[j][1] for j in self.others if j != i])
        return any(
            varies(tier(high, neuro, pain + rest + v, pain) for v in values)
            for high in self.highs
            for neuro in self.neuros
            for pain in self.pains
            for rest in rest_but_one
        )
