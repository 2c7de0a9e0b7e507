"""The urgency's worlds read through their summaries give the same answers as the full product.

The reference below is the exhaustive reading (every world of the product, one tier each) that
``urgency.worlds.Worlds`` replaces; both are run on random dimensions (any categories, neurology,
SINS points and position of the pain item) and through ``level_urgency`` on real levels.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import escc, neurology, sins, urgency
from service.domain.escc import Category, Grade
from service.domain.levels import Level
from service.domain.urgency import MECHANICAL_PAIN_POINTS, Tier
from service.domain.urgency.level import _tier
from service.domain.urgency.level import dimensions as level_dimensions
from service.domain.urgency.worlds import Worlds


def exhaustive(dims, pain: int) -> dict[tuple, Tier]:
    return {
        world: _tier(
            world[0] is Category.HIGH,
            world[1],
            sum(world[2:]),
            world[pain] == MECHANICAL_PAIN_POINTS,
        )
        for world in product(*(values for _, values in dims))
    }


def exhaustive_deciding(dims, tiers, measure: Callable[[Tier], object]) -> tuple[str, ...]:
    found: list[str] = []
    for i, (names, values) in enumerate(dims):
        if len(values) > 1 and any(
            len({measure(tiers[(*world[:i], v, *world[i + 1 :])]) for v in values}) > 1
            for world in tiers
            if world[i] == values[0]
        ):
            found += names
    return tuple(dict.fromkeys(found))


def summary_tier(high: bool, neuro: bool, total: int, pain: int) -> Tier:
    return _tier(high, neuro, total, pain == MECHANICAL_PAIN_POINTS)


def distinct(elements):
    return st.lists(elements, min_size=1, max_size=4, unique=True).map(tuple)


@st.composite
def dimensions(draw):
    categories = draw(distinct(st.sampled_from([Category.LOW, Category.HIGH, None])))
    neuro = draw(distinct(st.booleans()))
    items = [draw(distinct(st.integers(0, 5))) for _ in range(6)]
    pain = draw(st.integers(2, 7))
    dims = [(("escc-grade",), categories), (("myelopathy",), neuro)]
    dims += [((f"sins-{n}",), values) for n, values in enumerate(items)]
    return dims, pain


@settings(max_examples=300, deadline=None)
@given(dimensions())
def test_summaries_answer_as_the_full_product(case) -> None:
    dims, pain = case
    tiers = exhaustive(dims, pain)
    worlds = Worlds(dims, pain, summary_tier)
    assert worlds.tiers() == set(tiers.values())
    top = max(tiers.values(), key=lambda t: t.rank)
    for measure in (lambda t: t, lambda t: t is top, lambda t: t.rank >= Tier.URGENT.rank):
        assert worlds.deciding(measure) == exhaustive_deciding(dims, tiers, measure)
    seen = {(w[0] is Category.HIGH, sum(w[2:]), w[pain] == MECHANICAL_PAIN_POINTS) for w in tiers}
    assert {(h, t, p == MECHANICAL_PAIN_POINTS) for h, _, t, p in worlds.summaries} == seen


SINS_CHOICES = {
    "pain": [None, *sins.Pain],
    "bone_lesion": [None, *sins.BoneLesion],
    "alignment": [None, *sins.Alignment],
    "collapse": [None, *sins.Collapse],
    "posterolateral": [None, *sins.Posterolateral],
}


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([Level.C5, Level.T4, Level.T12, Level.L1, Level.L3]),
    st.sampled_from([None, *Grade]),
    st.booleans(),
    st.sampled_from([None, False, True]),
    st.sampled_from([None, False, True]),
    st.fixed_dictionaries({k: st.sampled_from(v) for k, v in SINS_CHOICES.items()}),
)
def test_level_urgency_gives_what_the_full_product_gives(
    level, grade, cord, myelopathy, ces, items
) -> None:
    compression = escc.categorize(escc.Inputs(level, grade, cord))
    neuro = neurology.at_level(level, myelopathy, ces)
    score = sins.score(sins.Inputs(level, **items))
    found = urgency.level_urgency(compression, neuro, score)
    dims, pain = level_dimensions(compression, neuro, score)  # conflicting records included
    tiers = exhaustive(dims, pain)
    ranks = sorted(t.rank for t in tiers.values())
    assert (found.at_least.rank, found.at_most.rank) == (ranks[0], ranks[-1])
    assert found.deciding == exhaustive_deciding(dims, tiers, lambda t: t)
    assert found.top_deciding == exhaustive_deciding(dims, tiers, lambda t: t is found.at_most)
