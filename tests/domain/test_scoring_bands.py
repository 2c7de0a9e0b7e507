"""``ScoreResult.possible_bands`` by binary search gives what its definition says."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import bauer, sins, tokuhashi, tomita
from service.domain.scoring import Band, ScoreResult


def by_definition(result: ScoreResult) -> tuple[Band, ...]:
    return tuple(b for b in result.bands if any(b.contains(t) for t in result.totals))


@st.composite
def results(draw) -> ScoreResult:
    totals = tuple(sorted(draw(st.sets(st.integers(-3, 40), min_size=1, max_size=12))))
    bands = []
    for number in range(draw(st.integers(0, 5))):
        low = draw(st.integers(-5, 45))
        bands.append(Band(f"b{number}", f"band {number}", low, low + draw(st.integers(0, 12))))
    return ScoreResult("test", "none", (), totals, tuple(bands))


@settings(max_examples=400, deadline=None)
@given(results())
def test_possible_bands_match_the_definition(result: ScoreResult) -> None:
    assert result.possible_bands == by_definition(result)


def test_the_instruments_bands_match_the_definition_at_every_total() -> None:
    for bands in (sins.BANDS, tokuhashi.BANDS, tomita.BANDS, bauer.BANDS):
        for low in range(-1, 20):
            for high in range(low, 20):
                result = ScoreResult("test", "none", (), tuple(range(low, high + 1)), bands)
                assert result.possible_bands == by_definition(result)
