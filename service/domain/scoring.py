"""Result types shared by every score, and the arithmetic of incomplete scores.

A missing answer is never scored as 0 (docs/clinical-rules.md §0, rule 2). Each item carries the
set of points still possible; a score's possible totals are every sum (or combination) of those,
and its band is stated only when all possible totals fall in one band.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import product


@dataclass(frozen=True, slots=True)
class Item:
    """One scored item of an instrument, as far as the inputs allow.

    Attributes:
        key: Stable identifier of the item within its instrument (e.g. ``"pain"``).
        label: Human-readable name of the item.
        options: Every number of points the item can take by definition.
        possible: The points still possible given the inputs (a subset of ``options``).
        answer: Readable statement of the answer used, or of what is known.
        inputs: Names of the inputs the item rests on (e.g. ``("sins-pain",)``).
        missing: Names of the inputs that would settle the item, when it is not settled.
    """

    key: str
    label: str
    options: tuple[int, ...]
    possible: tuple[int, ...]
    answer: str
    inputs: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.possible or not set(self.possible) <= set(self.options):
            raise ValueError(f"item {self.key}: possible points must be a non-empty subset")

    @property
    def points(self) -> int | None:
        """The item's points when settled, else None."""
        return self.possible[0] if len(self.possible) == 1 else None

    @property
    def unknown(self) -> bool:
        """True when nothing at all is known about the item."""
        return len(self.options) > 1 and set(self.possible) == set(self.options)


def known_item(
    key: str,
    label: str,
    options: Sequence[int],
    points: int,
    answer: str,
    inputs: Sequence[str] = (),
) -> Item:
    """Build a settled item."""
    return Item(key, label, tuple(options), (points,), answer, tuple(inputs))


def open_item(
    key: str,
    label: str,
    options: Sequence[int],
    possible: Iterable[int],
    answer: str,
    inputs: Sequence[str] = (),
    missing: Sequence[str] = (),
) -> Item:
    """Build an item that is not settled (``possible`` may still narrow ``options``)."""
    return Item(
        key,
        label,
        tuple(options),
        tuple(sorted(set(possible))),
        answer,
        tuple(inputs),
        tuple(missing),
    )


@dataclass(frozen=True, slots=True)
class Band:
    """An interpretation band of a score: totals ``low``..``high`` inclusive."""

    code: str
    label: str
    low: int
    high: int

    def contains(self, total: int) -> bool:
        """True when total lies in this band."""
        return self.low <= total <= self.high


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """A score with every total still possible, its band when certain, and what is missing.

    Attributes:
        instrument: Stable identifier of the instrument (e.g. ``"sins"``).
        reference: The source the implementation follows (authors, year, DOI).
        items: The items, in the instrument's order.
        totals: Every total still possible, ascending; one value when the score is complete.
        bands: The instrument's interpretation bands (empty when it defines none).
        notes: Plain-language remarks (conversions used, caps applied, boundary choices).
    """

    instrument: str
    reference: str
    items: tuple[Item, ...]
    totals: tuple[int, ...]
    bands: tuple[Band, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def total(self) -> int | None:
        """The total when it is certain, else None."""
        return self.totals[0] if len(self.totals) == 1 else None

    @property
    def low(self) -> int:
        """Lowest possible total."""
        return self.totals[0]

    @property
    def high(self) -> int:
        """Highest possible total."""
        return self.totals[-1]

    @property
    def possible_bands(self) -> tuple[Band, ...]:
        """Every band some possible total falls in, in the instrument's order."""
        # The totals are ascending: a band holds one when the first total from its low end is
        # within its high end (a binary search instead of trying every total: a hot spot).
        totals = self.totals
        found = []
        for band in self.bands:
            i = bisect_left(totals, band.low)
            if i < len(totals) and totals[i] <= band.high:
                found.append(band)
        return tuple(found)

    @property
    def band(self) -> Band | None:
        """The band when every possible total falls in it, else None."""
        bands = self.possible_bands
        return bands[0] if len(bands) == 1 else None

    @property
    def missing(self) -> tuple[str, ...]:
        """Names of the inputs that would settle the score, without repeats."""
        return tuple(dict.fromkeys(name for item in self.items for name in item.missing))

    @property
    def inputs(self) -> tuple[str, ...]:
        """Names of the inputs the score rests on, without repeats."""
        return tuple(dict.fromkeys(name for item in self.items for name in item.inputs))

    def item(self, key: str) -> Item:
        """Return the item with this key."""
        for item in self.items:
            if item.key == key:
                return item
        raise KeyError(key)

    def describe_total(self) -> str:
        """The total as text: ``"11"`` or ``"9–14"``."""
        return str(self.total) if self.total is not None else f"{self.low}–{self.high}"


def possible_totals(
    items: Sequence[Item], combine: Callable[[Sequence[int]], int] = sum
) -> tuple[int, ...]:
    """Every total reachable by choosing one possible value per item, ascending."""
    return tuple(sorted({combine(choice) for choice in product(*(i.possible for i in items))}))


def band_for(bands: Sequence[Band], total: int) -> Band:
    """Return the band containing total."""
    for band in bands:
        if band.contains(total):
            return band
    raise ValueError(f"total {total} lies in no band")
