"""A score as every surface shows it: the total or the range still possible, the band, the items
and what is missing (never a missing item taken as 0: docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain.scoring import Item, ScoreResult


@dataclass(frozen=True, slots=True)
class ItemView:
    """One item of a score.

    Attributes:
        key: The item's key in its instrument (``"pain"``).
        label: Its name in words.
        points: The points when settled, else None.
        possible: The points still possible.
        answer: The answer used, or what is known, in words.
        missing: The inputs that would settle it.
    """

    key: str
    label: str
    points: int | None
    possible: tuple[int, ...]
    answer: str
    missing: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScoreView:
    """One score of an assessment.

    Attributes:
        name: The instrument as a clinician names it (``"SINS"``, ``"Revised Tokuhashi"``).
        instrument: Its stable key (``"sins"``).
        total: The total when complete, else None.
        low: The lowest total still possible.
        high: The highest total still possible.
        text: The total or the range (``"11"``, ``"9–14"``).
        band: The band's label when certain (``"unstable"``), else None.
        band_code: The band's code when certain, else None.
        possible_bands: The labels of the bands still possible.
        missing: The inputs the chart could still supply.
        said: Known values the score does not classify, in words (never "missing").
        items: Every item.
        notes: Remarks (conversions, caps, boundary choices).
        reference: The source the score follows.
    """

    name: str
    instrument: str
    total: int | None
    low: int
    high: int
    text: str
    band: str | None
    band_code: str | None
    possible_bands: tuple[str, ...]
    missing: tuple[str, ...]
    said: tuple[str, ...]
    items: tuple[ItemView, ...]
    notes: tuple[str, ...]
    reference: str

    def line(self) -> str:
        """``"SINS: 9–14 (band open: potentially unstable / unstable); missing: sins-pain"``."""
        return f"{self.name}: {self.described()}"

    def described(self) -> str:
        """The total or range, the band (or the bands still open), what is missing, what is
        known but not classified."""
        text = self.text
        if self.band:
            text += f" ({self.band})"
        elif self.possible_bands:
            text += " (band open: " + " / ".join(self.possible_bands) + ")"
        if self.missing:
            text += f"; missing: {', '.join(self.missing)}"
        if self.said:
            text += "; " + "; ".join(self.said)
        return text


def _item(item: Item) -> ItemView:
    return ItemView(
        item.key, item.label, item.points, item.possible, item.answer, tuple(item.missing)
    )


def score_view(name: str, result: ScoreResult) -> ScoreView:
    """The view of one score result."""
    band = result.band
    return ScoreView(
        name=name,
        instrument=result.instrument,
        total=result.total,
        low=result.low,
        high=result.high,
        text=result.describe_total(),
        band=band.label if band else None,
        band_code=band.code if band else None,
        possible_bands=() if band else tuple(b.label for b in result.possible_bands),
        missing=tuple(result.missing),
        # A known value the score does not classify is said (docs/clinical-rules.md §15.12).
        said=tuple(
            i.answer for i in result.items if i.points is None and not i.missing and i.inputs
        ),
        items=tuple(_item(item) for item in result.items),
        notes=tuple(result.notes),
        reference=result.reference,
    )
